"""No state change on GET: every GET endpoint, as every persona, leaves every table as it was.

The world holds what a careless GET would write: a certificate whose PDF is not stored yet
(the first download must not store it) and unread news of a waitlist promotion (showing it
must not mark it read). Check-in's QR landing page is a GET too.
"""

from lms.core.jobs import wait_for_jobs
from tests.security.conftest import PERSONAS, changed_tables, snapshot


def test_no_get_changes_a_row(app, world, client_as):
    clients = {persona: client_as(persona) for persona in PERSONAS}
    changes = []
    visited = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = world.url(rule)
        for persona, client in clients.items():
            before = snapshot()
            response = client.get(url)
            response.close()
            assert response.status_code < 500, f"GET {url} as {persona}"
            wait_for_jobs()
            changed = changed_tables(before, snapshot())
            if changed:
                changes.append(f"GET {url} as {persona} changed {changed}")
            visited += 1
    assert changes == []
    assert visited >= 7 * 40  # every GET endpoint was visited by every persona

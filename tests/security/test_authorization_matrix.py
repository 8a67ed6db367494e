"""Every endpoint, as seven personas: the answer is the one lms.authz.MATRIX says.

allowed (the view ran), 404 (an object the persona may not see: no existence oracle), 403 (a
role the endpoint does not admit) or the sign-in page (anonymous). A POST that is refused
changes no row of any table. An endpoint missing from the matrix fails the first test: new
endpoints must be classified.
"""

from __future__ import annotations

import pytest

from lms import create_app
from lms.authz import (
    ANY,
    CAPABILITY_URL,
    CLASS_SCANNER,
    CLASS_STAFF,
    CLASS_VISIBLE,
    MATRIX,
    OPEN_CLASS,
    OWN_CERTIFICATE,
    OWN_ENROLLMENT,
    OWN_JOB,
    PUBLIC,
    SCOPES,
    SELF,
    SIGNED_IN,
)
from lms.core.jobs import wait_for_jobs
from tests.security.conftest import PERSONAS, ROLES, changed_tables, snapshot

ALLOWED, NOT_FOUND, FORBIDDEN, SIGN_IN = "allowed", "404", "403", "sign-in"
EVERYONE = frozenset(PERSONAS)

# Among the personas whose role the matrix admits, those the scope lets reach the world's
# objects (class A, the trainee's enrollment and certificate, the director's job).
SCOPE_ALLOWS = {
    ANY: EVERYONE,
    SELF: EVERYONE,
    CAPABILITY_URL: EVERYONE,
    OWN_ENROLLMENT: {"trainee"},
    OWN_CERTIFICATE: {"trainee", "director"},
    OWN_JOB: {"director"},
    CLASS_STAFF: {"instructor", "director"},
    CLASS_SCANNER: {"instructor", "director"},
    CLASS_VISIBLE: {"trainee", "instructor", "director"},
    OPEN_CLASS: set(),  # class A is enrolled by assignment: self-enrollment finds no class
}


def _post_endpoints() -> list[str]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def expected(endpoint: str, persona: str) -> str:
    rule = MATRIX[endpoint]
    if PUBLIC not in rule.who:
        if persona == "anonymous":
            return SIGN_IN
        if SIGNED_IN not in rule.who and not ROLES[persona] & rule.who:
            return FORBIDDEN
    return ALLOWED if persona in SCOPE_ALLOWS[rule.scope] else NOT_FOUND


def outcome(response) -> str:
    response.close()  # a streamed file (send_file) holds its file open until closed
    assert response.status_code < 500, response.status_code
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 403:
        return FORBIDDEN
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return SIGN_IN
    return ALLOWED


def test_every_endpoint_is_classified_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(MATRIX)) == [], "classify these endpoints in lms/authz.py"
    assert sorted(set(MATRIX) - endpoints) == [], "the matrix names endpoints that do not exist"
    assert {rule.scope for rule in MATRIX.values()} <= set(SCOPES)
    assert set(SCOPES) == set(SCOPE_ALLOWS)
    # One source of truth: the application's views carry no @access of their own.
    decorated = [e for e, view in app.view_functions.items() if hasattr(view, "access_rule")]
    assert decorated == []


def test_the_matrix_is_enforced_before_the_view(app, client_as):
    """A role refusal happens before the view: even a missing object answers 403, not 404."""
    assert client_as("trainee").get("/reports/2019/details").status_code == 403
    assert client_as("instructor").get("/admin/users/999999").status_code == 403
    assert client_as("anonymous").get("/classes/999999").status_code == 302


def test_every_get_gives_each_persona_the_answer_of_the_matrix(app, world, client_as):
    """GETs change nothing (test_get_changes_nothing.py), so one world serves them all."""
    clients = {persona: client_as(persona) for persona in PERSONAS}
    wrong = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = world.url(rule)
        for persona, client in clients.items():
            got, wanted = outcome(client.get(url)), expected(rule.endpoint, persona)
            if got != wanted:
                wrong.append(f"GET {url} as {persona}: {got}, the matrix says {wanted}")
    assert wrong == []


@pytest.mark.parametrize("endpoint", _post_endpoints())
def test_each_post_gives_each_persona_the_answer_of_the_matrix(app, world, client_as, endpoint):
    """A fresh world for each endpoint: an allowed POST changes it."""
    rules = app.url_map.iter_rules(endpoint)
    rule = next(r for r in rules if "POST" in r.methods)
    url = world.url(rule)
    wanted = {persona: expected(endpoint, persona) for persona in PERSONAS}
    # Refused personas first: what an allowed POST changes cannot hide a refused one's change.
    order = sorted(PERSONAS, key=lambda p: wanted[p] == ALLOWED)
    got = {}
    for persona in order:
        before = snapshot() if wanted[persona] != ALLOWED else None
        got[persona] = outcome(client_as(persona).post(url, data={}))
        if before is not None:
            assert changed_tables(before, snapshot()) == [], f"{persona} changed rows"
        wait_for_jobs()
    assert got == wanted, f"POST {url}"


def test_check_in_page_names_only_a_class_the_person_may_see(world, client_as):
    """The QR landing page is open to every signed-in person (walk-ins scan it too), but it
    names the class only to those who may see it: a stranger cannot tell an existing session
    from a missing one, nor learn the title of a class by trying session numbers."""
    session_id = world.values["session_id"]
    assert "Lớp A" in client_as("trainee").get(f"/checkin/{session_id}").text
    stranger = client_as("other_trainee")
    existing = stranger.get(f"/checkin/{session_id}")
    missing = stranger.get("/checkin/999999")
    assert existing.status_code == missing.status_code == 200
    assert "Lớp A" not in existing.text
    refused = stranger.post(f"/checkin/{session_id}", data={"code": "123456"})
    nowhere = stranger.post("/checkin/999999", data={"code": "123456"})
    assert refused.status_code == nowhere.status_code == 422
    assert "Lớp A" not in refused.text
    # The same refusal for an existing session (whose check-in is not even open) and a missing one.
    assert "Bạn không có tên trong danh sách ghi danh" in refused.text
    assert "Bạn không có tên trong danh sách ghi danh" in nowhere.text


def test_the_documented_matrix_is_the_code_s(app):
    from pathlib import Path

    from lms.authz import as_markdown

    doc = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    copy = doc.split("<!-- matrix:start -->\n")[1].split("<!-- matrix:end -->")[0]
    assert copy == as_markdown(app), "regenerate the table in docs/security.md"

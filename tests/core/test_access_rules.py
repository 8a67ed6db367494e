"""Deny by default: every endpoint declares who may call it (lms/authz.py MATRIX)."""

from lms.access import rule_for


def test_every_endpoint_declares_an_access_rule(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules() if rule_for(app, rule.endpoint) is None
    ]
    assert missing == [], f"endpoints missing from lms/authz.py MATRIX: {missing}"


def test_an_endpoint_without_a_rule_is_refused(app, client):
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    assert client.get("/undeclared").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")

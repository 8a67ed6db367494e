"""Security headers on every response (pages, files, errors, static), cookie flags and HSTS in
production, session time limits, and a fresh sign-in before sensitive actions."""

import time

import pytest
from werkzeug.security import check_password_hash

from lms import create_app
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.security.conftest import PERSONAS


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part for part in csp.split("; ") if part}
    assert directives.get("script-src") == "script-src 'self'", where  # no unsafe-inline/eval
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert directives.get("object-src") == "object-src 'none'", where
    assert "unsafe-inline" not in csp, where
    assert "unsafe-eval" not in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where


def test_every_get_endpoint_answers_with_the_headers_and_no_store_when_signed_in(
    app, world, client_as
):
    clients = {persona: client_as(persona) for persona in PERSONAS}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = world.url(rule)
        for persona, client in clients.items():
            response = client.get(url)
            response.close()
            where = f"GET {url} as {persona} ({response.status_code})"
            assert_security_headers(response, where)
            if persona != "anonymous":
                # Personal data: never in a shared cache nor the back button, files included.
                assert response.headers.get("Cache-Control") == "no-store", where


def test_error_answers_carry_the_headers(app, client, world, client_as):
    def boom():
        raise RuntimeError("boom")

    boom.access_rule = frozenset({"public"})
    app.add_url_rule("/boom", "boom", boom)
    answers = {
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "403": client_as("trainee").get("/reports/"),
        "404 object": client_as("other_trainee").get(f"/classes/{world.values['class_id']}"),
        "500": client.get("/boom"),
        "static": client.get("/static/css/app.css"),
    }
    for name, response in answers.items():
        response.close()
        assert_security_headers(response, name)
    assert answers["500"].status_code == 500
    assert answers["403"].headers["Cache-Control"] == "no-store"


def _production_app(tmp_path):
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "p" * 40,
            "PUBLIC_BASE_URL": "https://lms.example",  # the host the requests below use
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    return app


def test_production_sends_hsts_and_host_prefixed_secure_cookies(tmp_path):
    from tests.factories import Factories

    app = _production_app(tmp_path)
    with app.app_context():
        db.create_all()
        try:
            user = Factories().user(username="hoa")
            db.session.commit()
            client = app.test_client()
            page = client.get("/login", base_url="https://lms.example")
            signed_in = client.post(
                "/login",
                data={"login": user.username, "password": "secret-pass"},
                base_url="https://lms.example",
            )
        finally:
            db.session.remove()
            db.engine.dispose()
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite", "path"} <= flags
    assert "domain" not in flags  # __Host-: no Domain, Path=/, Secure
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def _age(client, *, auth_ago=0, seen_ago=0):
    now = int(time.time())
    with client.session_transaction() as session:
        session["auth_at"], session["seen_at"] = now - auth_ago, now - seen_ago


def test_time_limits_are_the_configured_ones(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 120
    assert app.config["SESSION_MAX_HOURS"] == 12
    assert app.config["FRESH_MINUTES"] == 10


@pytest.mark.parametrize(
    ("auth_ago", "seen_ago", "still_in"),
    [
        (60, 60, True),
        (0, 119 * 60, True),
        (0, 121 * 60, False),  # idle
        (11 * 3600 + 3000, 30, True),
        (12 * 3600 + 60, 30, False),  # absolute, although active a moment ago
    ],
)
def test_idle_and_absolute_session_limits(world, client_as, auth_ago, seen_ago, still_in):
    client = client_as("trainee")
    _age(client, auth_ago=auth_ago, seen_ago=seen_ago)
    response = client.get("/my/classes")
    assert (response.status_code == 200) is still_in
    if not still_in:
        assert response.headers["Location"].startswith("/login?next=")


STALE = 20 * 60  # seconds since the password was last given: more than FRESH_MINUTES


def _sensitive(world):
    user_id, cert_id = world.values["user_id"], world.values["cert_id"]
    return [
        ("admin", "GET", f"/admin/users/{user_id}", {}),
        ("admin", "POST", f"/admin/users/{user_id}", {"full_name": "X", "roles": "admin"}),
        ("admin", "GET", "/admin/users/new", {}),
        ("admin", "POST", "/admin/users/new", {"username": "moi", "full_name": "Mới",
                                               "roles": "admin", "password": "p" * 12}),
        ("admin", "POST", f"/admin/users/{user_id}/password", {"new_password": "q" * 12}),
        ("admin", "GET", "/admin/users/import", {}),
        ("director", "POST", f"/certificates/{cert_id}/revoke", {"revoke-reason": "sai tên"}),
        ("director", "POST", f"/certificates/{cert_id}/reissue", {"reissue-reason": "sai"}),
    ]


def test_sensitive_actions_ask_for_the_password_again(world, client_as):
    from tests.security.conftest import changed_tables, snapshot

    for persona, method, url, data in _sensitive(world):
        client = client_as(persona)
        _age(client, auth_ago=STALE)
        before = snapshot()
        response = client.open(url, method=method, data=data or None)
        where = f"{method} {url}"
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/login/confirm?next="), where
        assert changed_tables(before, snapshot()) == [], where
    cert = db.session.get(Certificate, world.values["cert_id"])
    assert cert.revoked_at is None


def test_own_password_change_needs_the_current_password(world, client_as):
    """The change form asks for the current password in the same request: fresher than any
    confirmation page. A stolen session cannot set a new password without it."""
    trainee = world.users["trainee"]
    client = client_as("trainee")
    _age(client, auth_ago=STALE)
    old_hash = trainee.password_hash
    refused = client.post(
        "/account/password",
        data={"current_password": "guess", "new_password": "n" * 12, "confirm": "n" * 12},
    )
    assert refused.status_code == 200
    db.session.refresh(trainee)
    assert trainee.password_hash == old_hash
    assert check_password_hash(trainee.password_hash, "secret-pass")

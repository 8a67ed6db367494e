"""Sessions end when idle or too old; sensitive actions need a recent password."""

import time

from lms.access import SIGNED_IN, access
from lms.auth.freshness import fresh_required
from lms.extensions import db


def _age_session(client, *, auth_ago=0, seen_ago=0):
    with client.session_transaction() as session:
        now = int(time.time())
        session["auth_at"] = now - auth_ago
        session["seen_at"] = now - seen_ago


def test_idle_session_ends(client, make, login):
    login(make.user())
    assert client.get("/").status_code == 200
    _age_session(client, seen_ago=3 * 3600)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_ends_after_the_absolute_limit_even_when_active(client, make, login):
    login(make.user())
    _age_session(client, auth_ago=13 * 3600, seen_ago=10)
    assert client.get("/").status_code == 302


def test_sensitive_action_asks_for_the_password_again(app, client, make, login):
    @access(SIGNED_IN)
    @fresh_required
    def sensitive():
        return "done"

    app.add_url_rule("/sensitive", "sensitive", sensitive, methods=["GET", "POST"])
    user = make.user(username="hoa")
    db.session.commit()
    login(user)
    assert client.get("/sensitive").text == "done"  # just signed in: fresh

    _age_session(client, auth_ago=20 * 60)
    response = client.post("/sensitive")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/confirm?next=")
    wrong = client.post("/login/confirm", data={"password": "nope", "next": "/sensitive"})
    assert "Sai mật khẩu." in wrong.text
    right = client.post("/login/confirm", data={"password": "secret-pass", "next": "/sensitive"})
    assert right.headers["Location"] == "/sensitive"
    assert client.post("/sensitive").text == "done"


def test_role_change_and_revocation_need_a_recent_password(client, make, login):
    admin = make.user(roles=("admin", "director"))
    trainee = make.trainee()
    login(admin)
    _age_session(client, auth_ago=20 * 60)
    edit = client.get(f"/admin/users/{trainee.id}")
    assert edit.status_code == 302
    assert edit.headers["Location"].startswith("/login/confirm")
    revoke = client.post(
        "/certificates/1/revoke",
        data={"reason": "sai tên"},
        headers={"Referer": "http://localhost/certificates/1"},
    )
    assert revoke.status_code == 302
    assert revoke.headers["Location"] == "/login/confirm?next=/certificates/1"
    client.post("/login/confirm", data={"password": "secret-pass", "next": "/"})
    assert client.get(f"/admin/users/{trainee.id}").status_code == 200

"""Sign-in, sign-out and passwords, as a person using the site would notice them."""

import pytest
from sqlalchemy import select

from lms.auth import services
from lms.auth.models import User
from lms.errors import DomainError
from lms.extensions import db


def test_sign_in_by_username_or_email(client, make):
    user = make.user(username="hoa", email="Hoa@Example.vn")
    db.session.commit()
    for login in ("hoa", "HOA", "hoa@example.vn"):
        response = client.post("/login", data={"login": login, "password": "secret-pass"})
        assert response.status_code == 302, login
        assert client.get("/").status_code == 200
        assert user.full_name in client.get("/").text
        client.post("/logout")


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make):
    make.user(username="hoa")
    db.session.commit()
    wrong = client.post("/login", data={"login": "hoa", "password": "nope-nope"})
    unknown = client.post("/login", data={"login": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert "Sai tên đăng nhập hoặc mật khẩu." in unknown.text


def test_cookie_captured_before_sign_out_is_refused_after(app, make):
    make.user(username="hoa")
    db.session.commit()
    first = app.test_client()
    first.post("/login", data={"login": "hoa", "password": "secret-pass"})
    captured = first.get_cookie("session").value
    assert first.post("/logout").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", captured)
    response = replay.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_needs_current_password_and_ends_other_sessions(app, make):
    user = make.user(username="hoa")
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/login", data={"login": "hoa", "password": "secret-pass"})

    refused = laptop.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "new_password": "n3w-password",
            "confirm": "n3w-password",
        },
    )
    assert "Mật khẩu hiện tại không đúng." in refused.text
    changed = laptop.post(
        "/account/password",
        data={
            "current_password": "secret-pass",
            "new_password": "n3w-password",
            "confirm": "n3w-password",
        },
    )
    assert changed.status_code == 302
    assert laptop.get("/").status_code == 200  # this device stays signed in
    assert phone.get("/").status_code == 302  # the other one is signed out
    db.session.refresh(user)
    assert services.authenticate("hoa", "n3w-password") == user
    assert services.authenticate("hoa", "secret-pass") is None


def test_change_password_service_refuses_short_password(make):
    user = make.user()
    with pytest.raises(DomainError):
        services.change_password(user, "secret-pass", "short", actor=user)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, make):
    user = make.user(username="hoa")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"login": "hoa", "password": "secret-pass"})
    user.active = False
    user.rotate_session_token()
    db.session.commit()
    assert client.get("/").status_code == 302
    response = client.post("/login", data={"login": "hoa", "password": "secret-pass"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, make, target):
    make.user(username="hoa")
    db.session.commit()
    response = client.post(
        "/login", data={"login": "hoa", "password": "secret-pass", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, make):
    make.user(username="hoa")
    db.session.commit()
    response = client.post(
        "/login", data={"login": "hoa", "password": "secret-pass", "next": "/account/password"}
    )
    assert response.headers["Location"] == "/account/password"


def test_passwords_are_stored_as_scrypt_hashes(make):
    user = make.user()
    services.set_password(user, "a-long-password")
    assert user.password_hash.startswith("scrypt:")
    assert "a-long-password" not in user.password_hash


def test_usernames_and_emails_are_stored_lower_case(make):
    user = make.user(username="HoaNT", email="Hoa.NT@Example.VN")
    db.session.commit()
    assert db.session.scalar(select(User.username).where(User.id == user.id)) == "hoant"
    assert user.email == "hoa.nt@example.vn"

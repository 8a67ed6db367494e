"""Failed sign-ins are rate-limited per account and per address."""

import pytest

from lms.extensions import db


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}


def test_one_account_is_limited_from_any_address(client, make):
    make.user(username="hoa")
    db.session.commit()
    codes = [
        client.post(
            "/login",
            data={"login": "hoa", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_one_address_is_limited_across_accounts(client, make):
    codes = [
        client.post("/login", data={"login": f"name{i}", "password": "wrong"}).status_code
        for i in range(5)
    ]
    assert codes[3:] == [429, 429]
    page = client.post("/login", data={"login": "x", "password": "y"})
    assert "Quá nhiều lần thử" in page.text


def test_own_password_change_is_limited_like_the_sign_in(client, make, login):
    """A stolen session must not be a way to guess the password without the sign-in's limit."""
    login(make.user(username="hoa"))
    codes = [
        client.post(
            "/account/password",
            data={"current_password": "wrong", "new_password": "n" * 12, "confirm": "n" * 12},
        ).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429

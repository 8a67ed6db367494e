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

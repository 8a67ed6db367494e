"""Production refuses what the demo made and a missing public address (issue 18.3)."""

import pytest

from lms import ConfigError, create_app
from lms.extensions import db

PUBLIC = "https://lms.example.vn"


def _config(tmp_path, **overrides):
    return {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "PUBLIC_BASE_URL": PUBLIC,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    } | overrides


def test_production_refuses_to_start_without_the_public_address(tmp_path):
    for missing in ("", "   ", "lms.example.vn"):  # empty, blank, no scheme: no host
        with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
            create_app(_config(tmp_path, PUBLIC_BASE_URL=missing))


def test_production_trusts_only_the_public_host(tmp_path):
    app = create_app(_config(tmp_path))
    assert app.config["TRUSTED_HOSTS"] == ["lms.example.vn"]
    client = app.test_client()
    assert client.get("/login", base_url="https://evil.example.com").status_code == 400
    assert client.get("/login", base_url=PUBLIC).status_code == 200


def _demo_and_real_accounts(app):
    from tests.factories import Factories

    with app.app_context():
        db.create_all()
        make = Factories()
        demo = make.director(username="giamdoc")
        demo.is_demo = True
        make.director(username="thach")
        db.session.commit()


@pytest.mark.parametrize(("env", "demo_code"), [("production", 200), ("development", 302)])
def test_demo_accounts_cannot_sign_in_in_production(tmp_path, env, demo_code):
    app = create_app(_config(tmp_path, ENV=env))
    try:
        _demo_and_real_accounts(app)
        demo = app.test_client().post(
            "/login", data={"login": "giamdoc", "password": "secret-pass"}, base_url=PUBLIC
        )
        real = app.test_client().post(
            "/login", data={"login": "thach", "password": "secret-pass"}, base_url=PUBLIC
        )
        assert demo.status_code == demo_code
        assert real.status_code == 302
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

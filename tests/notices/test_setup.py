"""The setup: `mail-status` (what `make run` prints), links from PUBLIC_BASE_URL only, and a
production server with e-mail on refusing to start without PUBLIC_BASE_URL."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.notices.mailer import absolute_link
from tests.conftest import make_app


@pytest.fixture
def app_config():
    return {}


def test_mail_status_says_e_mail_is_off_without_a_server(app):
    result = app.test_cli_runner().invoke(args=["lms", "mail-status"])
    assert result.exit_code == 0
    assert "E-mail is off (no MAIL_SERVER): notices appear only on the dashboard." in result.output


def test_mail_status_names_the_server_when_on(tmp_path):
    app = make_app(
        tmp_path,
        MAIL_SERVER="smtp.example.vn",
        MAIL_PORT=465,
        MAIL_USE_SSL=True,
        PUBLIC_BASE_URL="https://lms.example.vn",
    )
    result = app.test_cli_runner().invoke(args=["lms", "mail-status"])
    assert "E-mail is on: smtp.example.vn:465 (SSL); links start with https://lms.example.vn" in (
        result.output
    )


def test_links_come_from_the_setting_never_from_the_request(app):
    app.config["PUBLIC_BASE_URL"] = "https://lms.example.vn/"
    with app.test_request_context("/", base_url="http://evil.example.com"):
        assert absolute_link("notices.index") == "https://lms.example.vn/notices"
    app.config["PUBLIC_BASE_URL"] = ""
    with app.app_context():
        assert absolute_link("notices.index") == "http://127.0.0.1:5000/notices"


def test_production_with_e_mail_needs_the_public_address():
    config = {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": "sqlite://",
        "MAIL_SERVER": "smtp.example.vn",
    }
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(config)
    assert create_app(config | {"PUBLIC_BASE_URL": "https://lms.example.vn"})

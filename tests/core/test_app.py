"""Configuration, headers, cookies, language and error pages."""

import pytest

from lms import ConfigError, create_app
from lms.extensions import db


def test_production_refuses_a_missing_or_default_secret(tmp_path):
    for secret in ("", "dev", "short"):
        with pytest.raises(ConfigError):
            create_app(
                {
                    "ENV": "production",
                    "SECRET_KEY": secret,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                }
            )


def test_production_cookies_are_secure_with_host_prefix(tmp_path):
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "PUBLIC_BASE_URL": "https://lms.example.vn",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_variables_override_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_session_cookie_is_httponly_and_samesite(client, make):
    make.user(username="hoa")
    db.session.commit()
    response = client.post("/login", data={"login": "hoa", "password": "secret-pass"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_security_headers_on_every_page(client, login, make):
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    user = make.user()
    db.session.commit()
    login(user)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_vietnamese_by_default_and_english_on_request(client):
    assert "Đăng nhập" in client.get("/login").text
    client.post("/language", data={"lang": "en"}, headers={"Referer": "http://localhost/login"})
    page = client.get("/login")
    assert "Sign in" in page.text
    assert 'lang="en"' in page.text


def test_language_switch_returns_only_to_this_site(client):
    response = client.post(
        "/language", data={"lang": "en"}, headers={"Referer": "https://evil.example/x"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("lang", "words"), [("vi", "Không tìm thấy trang"), ("en", "Page not found")]
)
def test_error_pages_in_both_languages(client, lang, words):
    client.post("/language", data={"lang": lang})
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert words in response.text


def test_unexpected_error_gives_500_page_and_rolls_back(app, client):
    def boom():
        raise RuntimeError("boom")

    boom.access_rule = frozenset({"public"})
    app.add_url_rule("/boom", "boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in response.text


def test_form_errors_of_wtforms_itself_are_in_vietnamese(client, make, login):
    login(make.user())
    page = client.post("/account/password", data={"current_password": ""})
    assert "This field is required." not in page.text
    assert "Cần nhập mục này." in page.text

"""A person signs in, switches language, signs out: on a phone and on a desktop."""

import pytest

from lms.extensions import db
from tests.e2e.conftest import shot, sign_in


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_sign_in_switch_language_sign_out(live_server, browser_page, make, kind):
    from playwright.sync_api import expect

    make.user(username="hoa", full_name="Ngô Thị Hoa")
    db.session.commit()
    page = browser_page(kind)

    page.goto(live_server.url + "/")
    assert page.url.endswith("/login?next=%2F") or "/login" in page.url
    shot(page, f"signin-{kind}-1-form")
    sign_in(page, live_server.url, "hoa", "wrong-password")
    assert page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.").is_visible()

    sign_in(page, live_server.url, "hoa")
    assert page.get_by_role("heading", name="Xin chào, Ngô Thị Hoa").is_visible()
    shot(page, f"signin-{kind}-2-home-vi")

    if kind == "phone":  # the menu folds behind the ☰ button on a narrow screen
        page.locator(".nav-toggle-label").click()
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", name="Welcome, Ngô Thị Hoa").is_visible()
    shot(page, f"signin-{kind}-3-home-en")

    if kind == "phone":
        page.locator(".nav-toggle-label").click()
    page.get_by_role("button", name="Sign out").click()
    # Waits for the page after the sign-out (is_visible() alone reads the page being left).
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    shot(page, f"signin-{kind}-4-signed-out")

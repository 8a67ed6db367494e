"""Browser tests: the app served on a free local port, Playwright driving Debian's Chromium.

    def test_journey(live_server, browser_page, make):
        page = browser_page("phone")          # or "desktop"
        page.goto(live_server.url + "/login")
        shot(page, "journey-step")            # saved in test-artifacts/, look at it

Screenshots land in test-artifacts/ (git-ignored).
"""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms.extensions import db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 860}},
}

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    db.session.remove()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver per test run: a second sync_playwright() while one runs fails
    ("Sync API inside the asyncio loop"); a test that needs its own browser (other flags)
    launches it from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def _playwright(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_page(_playwright):
    contexts = []

    def open_page(kind="desktop", **options):
        # Vietnamese unless a test asks for another browser language (locale="en-US").
        context = _playwright.new_context(**{"locale": "vi-VN", **VIEWPORTS[kind], **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Its own timeout: a 300-row roster with its change log is ~40,000 px tall on a phone, and
    # capturing it took over 10 s on a slow machine (a screenshot is evidence, not a timing).
    page.screenshot(path=str(path), full_page=True, timeout=60_000)
    return path


def sign_in(page, base_url: str, username: str, password: str = "secret-pass") -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Tên đăng nhập hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def scan_door(make, names: list[str]):
    """A session starting now in a conference whose instructor is "giangvien", the trainees
    `names` of one unit enrolled in it, and an outsider enrolled in another class: the scan
    page's journeys. Returns (day, klass, session, unit, trainees, enrollments, outsider)."""
    from tests.attendance.conftest import session_times_around_now

    day, starts, ends = session_times_around_now(started_minutes_ago=0)
    instructor = make.instructor(username="giangvien", full_name="Lê Thị Thu Hà")
    klass = make.klass(title="Hội nghị quán triệt Nghị quyết", start_date=day,
                       instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    unit = make.unit(name="Đảng bộ phường Hoàng Liệt")
    trainees = [make.trainee(full_name=name, unit=unit) for name in names]
    enrollments = [make.enrollment(klass, trainee) for trainee in trainees]
    outsider = make.trainee(full_name="Hoàng Thị Ngoài", unit=unit)
    make.enrollment(make.klass(start_date=day), outsider)
    return day, klass, session, unit, trainees, enrollments, outsider

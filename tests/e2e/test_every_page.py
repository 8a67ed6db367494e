"""Every page of each role, on a 360 px phone and a 1280 px desktop, in Vietnamese and English:
no page wider than the phone, every label on a field of its own form, and no critical or
serious finding of axe-core (vendored in tests/e2e/vendor). One browser, one signed-in context
per role and screen, the pages in a loop. LMS_E2E_SHOTS=1 also saves a screenshot of each
(test-artifacts/every-page/), to look at."""

import os

import pytest
from flask import url_for

from tests.center import build_center
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.pages import PAGES, USERNAMES, check_page, with_axe

SHOTS = os.environ.get("LMS_E2E_SHOTS") == "1"


def _urls(app, role, center) -> list[tuple[str, str]]:
    with app.test_request_context():
        return [(endpoint, url_for(endpoint, **args(center))) for endpoint, args in PAGES[role]]


def _switch_to_english(page) -> None:
    # The switch is in the menu, folded away on a phone: press it as a script would.
    with page.expect_navigation():
        page.locator(".lang-switch button").evaluate("button => button.click()")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_fits_and_reads(role, app, live_server, browser_page, make):
    center = build_center(make)
    urls = _urls(app, role, center)
    problems = []
    for screen in ("phone", "desktop"):
        # The CSP refuses inline scripts, axe-core among them: bypassed for the test only.
        page = browser_page(screen, bypass_csp=True)
        with_axe(page)
        if USERNAMES[role]:
            sign_in(page, live_server.url, USERNAMES[role])
        else:
            page.goto(live_server.url + "/login")
        for lang in ("vi", "en"):
            if lang == "en":
                _switch_to_english(page)
            for endpoint, url in urls:
                response = page.goto(live_server.url + url)
                where = f"{role} {screen} {lang} {url}"
                if response.status != 200:
                    problems.append(f"{where}: HTTP {response.status}")
                    continue
                problems += [f"{where}: {p}" for p in check_page(page, phone=screen == "phone")]
                if SHOTS:
                    name = f"{role}-{screen}-{lang}-{endpoint}-{url.strip('/').replace('/', '_')}"
                    folder = ARTIFACTS / "every-page"
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert not problems, "\n".join(problems)

"""The director opens the year report, picks 2019, downloads the XLSX and the PDF."""

import pytest

from lms.demo import load_demo
from tests.e2e.conftest import shot, sign_in


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_director_reads_and_downloads_the_year_report(live_server, browser_page, kind):
    load_demo(echo=lambda *_: None)
    page = browser_page(kind, accept_downloads=True)
    sign_in(page, live_server.url, "director", "demo")
    page.goto(live_server.url + "/reports/")
    assert page.get_by_role("heading", name="Báo cáo năm").is_visible()
    shot(page, f"reports-{kind}-1-current-year")

    page.get_by_label("Năm", exact=True).select_option("2019")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Báo cáo năm 2019").is_visible()
    cards = page.locator(".report-cards").inner_text()
    assert "16.837" in cards
    assert "117%" in cards
    assert "63" in cards
    shot(page, f"reports-{kind}-2-2019")

    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Tải XLSX").click()
    assert xlsx.value.suggested_filename == "bao-cao-ke-hoach-2019.xlsx"
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Tải PDF").click()
    path = pdf.value.path()
    with open(path, "rb") as handle:
        assert handle.read(4) == b"%PDF"

    page.get_by_role("link", name="Theo quý, tháng và đơn vị").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Theo đơn vị").is_visible()
    shot(page, f"reports-{kind}-3-details")
    page.go_back()

    page.get_by_role("link", name="Kế hoạch năm").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Kế hoạch năm 2019").is_visible()
    assert page.get_by_role("heading", name="Lịch sử điều chỉnh").is_visible()
    shot(page, f"reports-{kind}-4-plan")

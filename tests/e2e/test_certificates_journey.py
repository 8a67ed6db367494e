"""Certificates end to end: a director issues a whole class (progress bar), a trainee
downloads their certificate, and a verifier opens the URL of its QR code while signed out."""

import io
import re
from datetime import date

from pypdf import PdfReader

from lms.extensions import db
from tests.e2e.conftest import shot, sign_in


def test_issue_download_and_verify(live_server, browser_page, make):
    make.settings()
    program = make.program(name="Bồi dưỡng lý luận chính trị cho đảng viên mới")
    klass = make.klass(
        program=program,
        title="Lớp đảng viên mới khóa 3",
        start_date=date(2019, 10, 14),
        end_date=date(2019, 10, 18),
    )
    make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    trainee = make.trainee(
        username="thao", full_name="Nguyễn Thị Phương Thảo", date_of_birth=date(1990, 5, 7)
    )
    make.enrollment(klass, trainee, outcome="completed", attended_count=5)
    for _ in range(5):
        make.enrollment(klass, outcome="completed", attended_count=4)
    db.session.commit()

    # The director issues the whole class as a background job and watches its progress.
    page = browser_page("desktop")
    sign_in(page, live_server.url, "giamdoc")
    page.get_by_role("link", name="Giấy chứng nhận").first.click()
    page.get_by_role("link", name="Lớp đảng viên mới khóa 3").click()
    shot(page, "certificates-1-class-before")
    page.get_by_role("button", name=re.compile("Cấp tất cả")).click()
    page.get_by_text("Đã xong.").wait_for()
    assert page.locator("progress.job-bar").evaluate("bar => bar.value === bar.max")
    shot(page, "certificates-2-job-done")
    page.get_by_role("link", name="Quay lại giấy chứng nhận của lớp").click()
    assert page.get_by_text("0006/", exact=False).count() == 1
    shot(page, "certificates-3-class-issued")
    page.locator("a", has_text=re.compile(r"^0001")).click()
    assert page.get_by_text("Còn hiệu lực").is_visible()
    shot(page, "certificates-3b-detail")

    # The trainee downloads their certificate on a phone.
    phone = browser_page("phone", accept_downloads=True)
    sign_in(phone, live_server.url, "thao")
    phone.goto(live_server.url + "/my/certificates")
    shot(phone, "certificates-4-my-certificates")
    with phone.expect_download() as info:
        phone.get_by_role("link", name="Tải PDF").click()
    download = info.value
    year = date.today().year  # issued today
    assert re.fullmatch(
        rf"\d{{4}}-{year}-GCN_Nguyen-Thi-Phuong-Thao\.pdf", download.suggested_filename
    )
    with open(download.path(), "rb") as handle:
        pdf = handle.read()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Nguyễn Thị Phương Thảo" in text
    url = re.search(r"https?://\S+/verify/[A-Za-z0-9_-]+", text).group(0)
    assert url.startswith(live_server.url)

    # A verifier, signed out, opens the URL the QR code holds.
    verifier = browser_page("phone")
    verifier.goto(url)
    assert verifier.get_by_text("Giấy chứng nhận hợp lệ").is_visible()
    assert verifier.get_by_text("Nguyễn Thị Phương Thảo").is_visible()
    assert "/login" not in verifier.url
    shot(verifier, "certificates-5-verified-signed-out")

    # Or by typing the register number and the date of birth into the form.
    number = re.search(r"Số vào sổ: (\S+)", text).group(1)
    verifier.goto(live_server.url + "/verify")
    verifier.get_by_label("Số vào sổ").fill(number)
    verifier.get_by_label("Ngày sinh").fill("1990-05-07")
    shot(verifier, "certificates-6-verify-form")
    verifier.get_by_role("button", name="Tra cứu").nth(1).click()
    assert verifier.get_by_text("Giấy chứng nhận hợp lệ").is_visible()

"""Attendance typed in from paper, in a browser: the instructor opens the class hub, downloads
the pre-filled XLSX template, fills it in (openpyxl, as a clerk would in Excel), uploads it,
sees the error list, corrects the file, checks the preview and confirms; the grid shows the
marks."""

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from lms.attendance.models import Attendance
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.e2e.conftest import shot, sign_in

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường", "Lê Thị Dung", "Phạm Văn Em"]
PAPER = ["Có mặt", "muon", "vắng có phép", "Vắng", "present"]


@pytest.fixture
def paper_class(make):
    day, starts, ends = session_times_around_now(started_minutes_ago=5)
    instructor = make.instructor(username="giangvien", full_name="Lê Thị Thu Hà")
    klass = make.klass(title="Hội nghị quán triệt Nghị quyết", start_date=day - timedelta(days=1),
                       instructors=[instructor])
    yesterday = make.session(klass, on_date=day - timedelta(days=1), topic="Buổi 1")
    today = make.session(klass, on_date=day, starts_at=starts, ends_at=ends, topic="Buổi 2")
    unit = make.unit(name="Đảng bộ phường Hoàng Liệt")
    for i, name in enumerate(NAMES):
        make.enrollment(klass, make.trainee(full_name=name, unit=unit, username=f"hv{i}"))
    make.trainee(full_name="Võ Văn Lạ", unit=unit, username="nguoila")
    db.session.commit()
    return klass, yesterday, today


def test_instructor_imports_a_paper_sheet(live_server, browser_page, paper_class, tmp_path):
    klass, yesterday, today = paper_class
    page = browser_page("desktop")
    sign_in(page, live_server.url, "giangvien")
    page.goto(f"{live_server.url}/classes/{klass.id}/hub")
    page.get_by_role("link", name="Nhập điểm danh từ tệp").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nhập điểm danh từ tệp")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp mẫu (XLSX)").click()
    template = download.value.path().read_bytes()
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.active
    rows = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == [
        "username", "full_name", "session_date", "status", "note"]
    assert len(rows) == 2 * len(NAMES)  # both sessions (held), everyone enrolled
    # The paper sheet of today's session, typed in; yesterday's rows are left empty.
    today_text = f"{today.on_date:%d/%m/%Y}"
    today_rows = [r for r in rows if r[2].value == today_text]
    assert [r[1].value for r in today_rows] == sorted(NAMES, key=lambda n: n.split()[-1])
    for row, status in zip(today_rows, PAPER, strict=True):
        row[3].value = status
    today_rows[1][4].value = "Kẹt xe, đến 8 giờ 20"
    sheet.append(["nguoila", "Võ Văn Lạ", today_text, "có mặt", ""])  # not enrolled
    wrong = tmp_path / "so-ky-ten.xlsx"
    workbook.save(wrong)

    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(wrong))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Chưa nhập gì").is_visible()
    assert page.get_by_text("Võ Văn Lạ (nguoila) không ghi danh vào lớp này.").is_visible()
    shot(page, "attendance-import-1-errors")

    sheet.delete_rows(sheet.max_row)
    right = tmp_path / "so-ky-ten-sua.xlsx"
    workbook.save(right)
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(str(right))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_load_state()
    assert page.get_by_text("Điểm danh mới: 5 · thay đổi: 0 · không đổi: 0").is_visible()
    assert db.session.scalar(select(Attendance.id).limit(1)) is None  # nothing saved yet
    shot(page, "attendance-import-2-preview")

    page.get_by_role("button", name="Nhập 5 điểm danh").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã nhập xong: ghi 5 điểm danh.").is_visible()
    assert "/attendance" in page.url
    shot(page, "attendance-import-3-grid")
    db.session.expire_all()
    marks = dict(db.session.execute(
        select(Attendance.status, Attendance.note).where(Attendance.session_id == today.id)
        .where(Attendance.note != "")).all())
    assert marks == {"late": "Kẹt xe, đến 8 giờ 20"}
    methods = set(db.session.scalars(select(Attendance.method)))
    assert methods == {"import"}

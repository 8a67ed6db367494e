"""Attendance journeys in a browser: a 300-person roster on a phone; self check-in with the
rotating code on a phone, counted at once in the director's year report; a stale code
refused."""

import itertools

import pytest
from sqlalchemy import func, select

from lms.attendance import checkin
from lms.attendance.models import Attendance
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.e2e.conftest import shot, sign_in

FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLES = ["Văn", "Thị", "Minh", "Quốc", "Thu", "Đức"]
GIVENS = ["An", "Bình", "Cường", "Dũng", "Hồng", "Lan", "Mai", "Nam", "Sơn", "Yến"]


@pytest.fixture
def hall(make):
    day, starts, ends = session_times_around_now(started_minutes_ago=5)
    instructor = make.instructor(username="giangvien", full_name="Lê Thị Thu Hà")
    klass = make.klass(title="Hội nghị quán triệt Nghị quyết", start_date=day,
                       instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends,
                           topic="Quán triệt Nghị quyết Đại hội", room="Hội trường A")
    units = [make.unit(name=f"Đảng bộ phường {n}") for n in ("Hoàng Liệt", "Định Công",
                                                             "Tương Mai")]
    names = [" ".join(p) for p in itertools.product(FAMILIES, MIDDLES, GIVENS)][:300]
    trainees = []
    for i, name in enumerate(names):
        trainee = make.trainee(full_name=name, unit=units[i % 3], username=f"hv{i:03d}")
        make.enrollment(klass, trainee)
        trainees.append(trainee)
    db.session.commit()
    return session, instructor, trainees


def row(page, name):
    return page.locator(f'.roster-row[data-name="{name}"]')


def test_instructor_marks_a_300_person_roster_on_a_phone(live_server, browser_page, hall):
    session, instructor, _trainees = hall
    page = browser_page("phone")
    sign_in(page, live_server.url, "giangvien")
    page.goto(f"{live_server.url}/sessions/{session.id}/attendance")
    assert page.locator('[data-count="unmarked"]').inner_text() == "300"
    assert page.locator(".roster-row.unmarked").count() == 300
    shot(page, "attendance-roster-1-open")

    page.get_by_role("button", name="Đánh dấu có mặt cho người chưa điểm danh").click()
    assert page.locator('[data-count="unmarked"]').inner_text() == "0"
    assert page.locator('[data-count="present"]').inner_text() == "300"

    # the exceptions: find by name without diacritics, then tap a status
    page.get_by_label("Tìm theo tên").fill("tran thi hong")
    assert page.locator(".roster-row:visible").count() == 1
    row(page, "tran thi hong").locator("label.seg-absent").click()
    row(page, "tran thi hong").locator("summary").click()
    row(page, "tran thi hong").locator('input[type="text"]').fill("Ốm, có giấy")
    page.get_by_label("Tìm theo tên").fill("nguyen van an")
    row(page, "nguyen van an").locator("label.seg-late").click()
    page.get_by_label("Tìm theo tên").fill("")
    # the keyboard works too: arrow keys move within one person's radio group
    row(page, "hoang duc yen").locator('input[type="radio"][value="present"]').focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert row(page, "hoang duc yen").locator('input[type="radio"][value="excused"]').is_checked()
    assert page.locator('[data-count="changed"]').inner_text() == "300"
    page.get_by_label("Tìm theo tên").fill("tran thi")
    shot(page, "attendance-roster-2-exceptions")

    page.get_by_role("button", name="Lưu điểm danh").click()  # sent by fetch, then reloaded
    page.get_by_text("Đã lưu: 300 thay đổi.").wait_for()
    shot(page, "attendance-roster-3-saved")

    page.reload()
    assert page.locator('[data-count="unmarked"]').inner_text() == "0"
    assert row(page, "tran thi hong").locator('input[type="radio"][value="absent"]').is_checked()
    assert row(page, "tran thi hong").locator('input[type="text"]').input_value() == "Ốm, có giấy"
    assert row(page, "nguyen van an").locator('input[type="radio"][value="late"]').is_checked()
    assert row(page, "hoang duc yen").locator('input[type="radio"][value="excused"]').is_checked()
    assert page.locator('[data-count="present"]').inner_text() == "297"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 300


def test_trainee_checks_in_with_the_rotating_code_on_a_phone(
    live_server, browser_page, hall, make
):
    session, instructor, trainees = hall
    desk = browser_page("desktop")
    sign_in(desk, live_server.url, "giangvien")
    desk.goto(f"{live_server.url}/sessions/{session.id}/attendance")
    desk.get_by_role("button", name="Màn hình điểm danh (mã QR)").click()
    desk.wait_for_load_state()
    assert desk.locator(".projector-qr svg").is_visible()
    code_on_screen = desk.locator("[data-code]").inner_text().replace(" ", "")
    shot(desk, "attendance-checkin-1-projector")

    db.session.refresh(session)
    phone = browser_page("phone")
    sign_in(phone, live_server.url, trainees[0].username)
    # the QR code's address: GET shows a pre-filled form and records nothing
    phone.goto(f"{live_server.url}/checkin/{session.id}?code={code_on_screen}")
    assert phone.get_by_label("Mã điểm danh").input_value() == code_on_screen
    shot(phone, "attendance-checkin-2-qr-landing")
    current = checkin.code_for(session.checkin_secret, checkin.time_step())
    phone.get_by_label("Mã điểm danh").fill(current)
    phone.get_by_role("button", name="Điểm danh").last.click()
    phone.wait_for_load_state()
    assert phone.get_by_text("Đã điểm danh: ghi nhận có mặt.").is_visible()
    shot(phone, "attendance-checkin-3-done")

    # a second trainee types the code on the plain check-in page
    other = browser_page("phone")
    sign_in(other, live_server.url, trainees[1].username)
    other.goto(f"{live_server.url}/checkin")
    other.get_by_label("Mã điểm danh").fill(checkin.code_for(session.checkin_secret,
                                                             checkin.time_step()))
    other.get_by_role("button", name="Điểm danh").last.click()
    assert other.get_by_text("Đã điểm danh: ghi nhận có mặt.").is_visible()

    # the projector's live count follows (it polls every 5 s)
    desk.locator("[data-checked-in]").filter(has_text="2").wait_for(timeout=8000)
    shot(desk, "attendance-checkin-4-projector-count")

    # the director's year report counts both at once (their report keys may still be pending)
    make.director(username="giamdoc")
    db.session.commit()
    director = browser_page("desktop")
    sign_in(director, live_server.url, "giamdoc")
    director.goto(f"{live_server.url}/reports/?year={session.on_date.year}")
    cards = director.locator(".report-card")
    assert cards.nth(0).locator(".figure").inner_text().startswith("1")  # the class held
    assert cards.nth(1).locator(".figure").inner_text().startswith("2")  # trainee-attendances
    assert cards.nth(2).locator(".figure").inner_text() == "2"  # unique trainees
    shot(director, "attendance-checkin-5-year-report")


def test_a_stale_code_is_refused(live_server, browser_page, hall):
    session, instructor, trainees = hall
    checkin.open_checkin(session, actor=instructor)
    db.session.commit()
    stale = checkin.code_for(session.checkin_secret, checkin.time_step() - 3)
    page = browser_page("phone")
    sign_in(page, live_server.url, trainees[2].username)
    page.goto(f"{live_server.url}/checkin/{session.id}?code={stale}")
    page.get_by_role("button", name="Điểm danh").last.click()
    page.wait_for_load_state()
    assert page.get_by_text("Mã không đúng hoặc đã hết hạn").is_visible()
    shot(page, "attendance-checkin-5-stale-refused")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_director_reads_the_class_grid_and_close_out_is_refused(live_server, browser_page,
                                                                make):
    from datetime import date, time

    from lms.attendance.services import mark_attendance
    from tests.attendance.conftest import local

    director = make.director(username="giamdoc", full_name="Nguyễn Thế Thạch")
    klass = make.klass(title="Sơ cấp lý luận chính trị K12", start_date=date(2026, 3, 2),
                       min_attendance_pct=80)
    sessions = [make.session(klass, on_date=date(2026, 3, d), starts_at=time(8),
                             ends_at=time(11)) for d in (2, 3, 4, 5)]
    people = [make.enrollment(klass, make.trainee(full_name=n), enrolled_on=date(2026, 3, 2))
              for n in ("Phạm Văn Đức", "Ngô Thị Hoa", "Bùi Quang Huy")]
    plan = {0: ("present", "present", "late", "present"), 1: ("absent", "absent", "present"),
            2: ("present", "excused", "present", "present")}
    for i, statuses in plan.items():
        for s, status in zip(sessions, statuses, strict=False):
            mark_attendance(s, {people[i].id: (status, "")}, actor=director, reason="sổ giấy",
                            now=local(2026, 3, 9))
    db.session.commit()
    for kind in ("desktop", "phone"):
        page = browser_page(kind)
        sign_in(page, live_server.url, "giamdoc")
        page.goto(f"{live_server.url}/classes/{klass.id}/attendance")
        assert page.locator("tr.at-risk").count() == 2  # Hoa 1/3, Huy 3/4 (excused = absent)
        shot(page, f"attendance-grid-{kind}")
    page.on("dialog", lambda dialog: dialog.accept())  # "Close out this class?"
    page.goto(f"{live_server.url}/classes/{klass.id}/hub")  # close-out is on the class hub
    page.get_by_role("button", name="Kết thúc lớp").click()
    page.wait_for_load_state()
    assert page.get_by_text("Còn thiếu 1 lượt điểm danh: mọi học viên").is_visible()
    shot(page, "attendance-grid-close-out-refused")
    db.session.refresh(klass)
    assert klass.closed_at is None

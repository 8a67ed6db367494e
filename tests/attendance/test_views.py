"""Pages: wiring, permissions (404 for others), bounded statements on 300-trainee pages."""

import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from lms.attendance.models import Attendance
from lms.attendance.services import mark_attendance
from lms.core.models import AuditLog
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now


@pytest.fixture
def big_room(make):
    """300 trainees in 5 units, a session happening now, 10 sessions in the class."""
    day, starts, ends = session_times_around_now()
    instructor = make.instructor(full_name="Lê Thị Thu Hà")
    klass = make.klass(start_date=day, instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    for i in range(9):
        make.session(klass, on_date=day.replace(day=1) if day.day > 1 else day,
                     topic=f"Chuyên đề {i}")
    units = [make.unit() for _ in range(5)]
    enrollments = [
        make.enrollment(klass, make.trainee(unit=units[i % 5], full_name=f"Phạm Văn Đức {i}"),
                        enrolled_on=None)
        for i in range(300)
    ]
    db.session.commit()
    return klass, session, instructor, enrollments


def counting(count_statements, client, method, url, **kwargs):
    with count_statements() as counter:
        response = getattr(client, method)(url, **kwargs)
    return response, counter.count


def test_roster_of_300_loads_in_a_bounded_number_of_statements(
    big_room, client, login, count_statements
):
    klass, session, instructor, enrollments = big_room
    login(instructor)
    response, statements = counting(
        count_statements, client, "get", f"/sessions/{session.id}/attendance"
    )
    assert response.status_code == 200
    assert response.text.count('class="roster-row') == 300
    assert "Chưa điểm danh" in response.text
    # Each row's labels for screen readers name its trainee, in Vietnamese.
    assert "Điểm danh của Phạm Văn Đức 7</legend>" in response.text
    assert 'aria-label="Ghi chú cho Phạm Văn Đức 7"' in response.text
    assert statements <= 10, statements


def test_saving_300_marks_in_one_post_with_bounded_statements(
    big_room, client, login, count_statements
):
    klass, session, instructor, enrollments = big_room
    login(instructor)
    data = {}
    for i, e in enumerate(enrollments):
        data[f"o-{e.id}"] = ""
        data[f"s-{e.id}"] = "absent" if i % 50 == 0 else "present"
        data[f"n-{e.id}"] = ""
        data[f"on-{e.id}"] = ""
    response, statements = counting(
        count_statements, client, "post", f"/sessions/{session.id}/attendance", data=data
    )
    assert response.status_code == 302
    assert statements <= 15, statements
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 300
    db.session.refresh(session)
    assert session.marked_count == 300
    page = client.get(f"/sessions/{session.id}/attendance")
    assert "Đã lưu: 300 thay đổi." in page.text


def test_unchanged_rows_in_the_form_are_not_written(room, client, login):
    a, b, _c = room.enrollments
    # another device marked A absent after this page was loaded (page showed A unmarked)
    mark_attendance(room.session, {a.id: ("absent", "")}, actor=room.instructor)
    db.session.commit()
    login(room.instructor)
    client.post(f"/sessions/{room.session.id}/attendance", data={
        f"o-{a.id}": "", f"n-{a.id}": "", f"on-{a.id}": "",  # untouched here: no status sent
        f"o-{b.id}": "", f"s-{b.id}": "present", f"n-{b.id}": "", f"on-{b.id}": "",
    })
    statuses = dict(db.session.execute(select(Attendance.enrollment_id, Attendance.status)).all())
    assert statuses == {a.id: "absent", b.id: "present"}


def test_roster_error_keeps_what_was_typed(room, client, login):
    a = room.enrollments[0]
    login(room.instructor)
    page = client.post(f"/sessions/{room.session.id}/attendance", data={
        f"o-{a.id}": "", f"s-{a.id}": "late", f"n-{a.id}": "x" * 501, f"on-{a.id}": "",
    })
    assert page.status_code == 200
    assert "tối đa 500 ký tự" in page.text
    assert re.search(rf'name="s-{a.id}" value="late" checked', page.text)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_roster_is_404_for_another_instructor_and_403_for_a_trainee(room, client, login, make):
    other = make.instructor()
    db.session.commit()
    login(other)
    assert client.get(f"/sessions/{room.session.id}/attendance").status_code == 404
    assert client.get(f"/classes/{room.klass.id}/attendance").status_code == 404
    client.post("/logout")
    login(room.trainees[0])
    assert client.get(f"/sessions/{room.session.id}/attendance").status_code == 403


def test_audit_log_is_shown_on_the_session_page(room, client, login):
    mark_attendance(room.session, {room.enrollments[0].id: ("late", "kẹt xe")},
                    actor=room.instructor)
    db.session.commit()
    login(room.instructor)
    page = client.get(f"/sessions/{room.session.id}/attendance").text
    log = page[page.index("Nhật ký thay đổi"):]
    assert "Nguyễn Văn An" in log
    assert "Chưa điểm danh → Đi muộn" in log
    assert "Lê Thị Thu Hà" in log


def test_audit_log_refuses_update_and_delete(room):
    mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                    actor=room.instructor)
    db.session.commit()
    for statement in ("UPDATE audit_log SET new_value = 'absent'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_grid_of_300_by_10_is_bounded(big_room, client, login, count_statements):
    klass, session, instructor, enrollments = big_room
    mark_attendance(session, {e.id: ("present", "") for e in enrollments}, actor=instructor)
    db.session.commit()
    login(instructor)
    response, statements = counting(
        count_statements, client, "get", f"/classes/{klass.id}/attendance"
    )
    assert response.status_code == 200
    assert response.text.count("<tr") == 301
    assert statements <= 10, statements


def test_grid_exports_csv_and_xlsx_with_vietnamese_names(room, client, login):
    mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                    actor=room.instructor)
    db.session.commit()
    login(room.instructor)
    csv = client.get(f"/classes/{room.klass.id}/attendance.csv")
    assert csv.status_code == 200
    body = csv.data.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "Nguyễn Văn An" in body
    assert "Có mặt" in body
    xlsx = client.get(f"/classes/{room.klass.id}/attendance.xlsx")
    assert xlsx.data[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Nguyễn Văn An" in names
    assert client.get(f"/classes/{room.klass.id}/attendance.pdf").status_code == 404


def test_trainee_sees_own_attendance_and_404_elsewhere(room, client, login, make):
    mark_attendance(room.session, {room.enrollments[0].id: ("late", "")}, actor=room.instructor)
    other_class = make.klass()
    db.session.commit()
    login(room.trainees[0])
    page = client.get(f"/my/attendance/{room.klass.id}")
    assert page.status_code == 200
    assert "Đi muộn" in page.text
    assert "100%" in page.text
    assert client.get(f"/my/attendance/{other_class.id}").status_code == 404
    assert room.klass.title in client.get("/my/attendance").text


def test_teaching_page_lists_the_instructors_sessions(room, client, login, make):
    other = make.klass(title="Lớp của người khác")
    make.session(other, on_date=room.session.on_date)
    db.session.commit()
    login(room.instructor)
    page = client.get("/teaching").text
    assert room.klass.title in page
    assert f"/sessions/{room.session.id}/attendance" in page
    assert "Lớp của người khác" not in page
    director = make.director()
    db.session.commit()
    client.post("/logout")
    login(director)
    assert "Lớp của người khác" in client.get("/teaching").text


def test_open_checkin_is_a_post_and_sets_the_secret(room, client, login):
    login(room.instructor)
    page = client.get(f"/sessions/{room.session.id}/checkin/screen")
    assert "Mở tự điểm danh" in page.text
    db.session.refresh(room.session)
    assert room.session.checkin_secret is None  # GET changed nothing
    client.post(f"/sessions/{room.session.id}/checkin/open")
    db.session.refresh(room.session)
    assert room.session.checkin_secret is not None

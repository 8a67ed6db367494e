"""Walk-ins (enrolled and marked in one go) and close-out by the class's rule."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from lms.attendance.clock import starts
from lms.attendance.closeout import close_out, list_missing_marks
from lms.attendance.grid import class_grid
from lms.attendance.models import Attendance
from lms.attendance.services import mark_attendance
from lms.attendance.walkin import add_walkin, search_people
from lms.auth.models import User
from lms.core.actors import SYSTEM, ActorMissing
from lms.core.models import AuditLog
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db
from tests.attendance.conftest import local


def during(session):
    return starts(session) + timedelta(minutes=5)


# --- walk-ins ------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_shows_enrollment(room, make):
    make.trainee(full_name="Nguyễn Thị Ánh")
    results = search_people("nguyen", room.klass.id)
    names = {user.full_name: status for user, status in results}
    assert names["Nguyễn Văn An"] == "enrolled"
    assert names["Nguyễn Thị Ánh"] is None
    assert search_people("n", room.klass.id) == []


def test_existing_person_is_enrolled_from_the_session_date_and_marked_present(room, make):
    person = make.trainee(full_name="Hoàng Minh Đức")
    db.session.commit()
    before = room.klass.enrolled_count
    enrollment = add_walkin(room.session, actor=room.instructor, user=person,
                            now=during(room.session))
    db.session.commit()
    assert (enrollment.status, enrollment.source) == ("enrolled", "walkin")
    assert enrollment.enrolled_on == room.session.on_date
    assert enrollment.unit_id == person.unit_id
    db.session.refresh(room.klass)
    assert room.klass.enrolled_count == before + 1
    row = db.session.scalar(select(Attendance).where(Attendance.enrollment_id == enrollment.id))
    assert (row.status, row.method) == ("present", "walkin")
    db.session.refresh(enrollment)
    assert enrollment.attended_count == 1
    methods = set(db.session.scalars(select(AuditLog.method)))
    assert methods == {"walkin"}


def test_new_trainee_gets_a_generated_username(room, make):
    unit = make.unit(name="Chi bộ khu dân cư số 1")
    make.user(username="tranvanbao", full_name="Trần Văn Bảo khác")
    enrollment = add_walkin(room.session, actor=room.instructor, full_name="Trần  Văn Bảo",
                            unit=unit, now=during(room.session))
    user = db.session.get(User, enrollment.user_id)
    assert user.username == "tranvanbao2"
    assert user.full_name == "Trần Văn Bảo"
    assert user.is_trainee
    assert enrollment.unit_id == unit.id


def test_new_trainee_needs_name_and_unit(room, make):
    with pytest.raises(DomainError, match="họ và tên"):
        add_walkin(room.session, actor=room.instructor, full_name=" ", unit=make.unit(),
                   now=during(room.session))
    with pytest.raises(DomainError, match="đơn vị"):
        add_walkin(room.session, actor=room.instructor, full_name="Lý Thị Mai", unit=None,
                   now=during(room.session))


def test_full_class_refuses_a_walkin_and_saves_nothing(room, make):
    room.klass.capacity = 3  # three enrolled already
    person = make.trainee()
    db.session.commit()
    with pytest.raises(DomainError, match="đủ chỗ"):
        add_walkin(room.session, actor=room.instructor, user=person, now=during(room.session))
    db.session.rollback()
    assert db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.user_id == person.id)
    ) == 0


def test_already_enrolled_is_refused_withdrawn_is_reenrolled(room, make):
    with pytest.raises(DomainError, match="đã được ghi danh"):
        add_walkin(room.session, actor=room.instructor, user=room.trainees[0],
                   now=during(room.session))
    gone = make.enrollment(room.klass, status="withdrawn")
    back = add_walkin(room.session, actor=room.instructor, user=gone.user,
                      now=during(room.session))
    assert back.id == gone.id
    assert back.status == "enrolled"


def test_walkin_by_another_instructor_is_404(room, make):
    with pytest.raises(NotFound):
        add_walkin(room.session, actor=make.instructor(), user=make.trainee())


def test_walkin_pages(room, client, login, make):
    person = make.trainee(full_name="Võ Thị Sáu")
    db.session.commit()
    login(room.instructor)
    page = client.get(f"/sessions/{room.session.id}/walkin?q=vo thi sau")
    assert "Võ Thị Sáu" in page.text
    response = client.post(f"/sessions/{room.session.id}/walkin/add", data={"user_id": person.id})
    assert response.status_code == 302
    roster = client.get(response.headers["Location"]).text
    assert "Võ Thị Sáu đã được ghi danh và điểm danh có mặt." in roster
    unit = make.unit(name="Phường Tương Mai")
    db.session.commit()
    response = client.post(f"/sessions/{room.session.id}/walkin/new",
                           data={"full_name": "Đinh Công Tráng", "unit": unit.id})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.full_name == "Đinh Công Tráng"))


# --- close-out -----------------------------------------------------------------------------


@pytest.fixture
def course(make):
    """A past class of 5 sessions (one cancelled) with an 80% rule, and a director."""
    instructor = make.instructor()
    klass = make.klass(start_date=date(2026, 3, 2), instructors=[instructor],
                       min_attendance_pct=80, excused_rule="absent")
    sessions = [make.session(klass, on_date=date(2026, 3, d), starts_at=time(8),
                             ends_at=time(11)) for d in (2, 3, 4, 5, 6)]
    sessions[4].cancelled_at = local(2026, 3, 1)
    sessions[4].cancel_reason = "Trùng lịch"
    director = make.director()
    db.session.commit()
    return klass, sessions, instructor, director


def test_close_out_refused_while_marks_are_missing_then_applies_the_rule(course, make):
    klass, sessions, instructor, director = course
    good = make.enrollment(klass, enrolled_on=date(2026, 3, 2))
    poor = make.enrollment(klass, enrolled_on=date(2026, 3, 2))
    late_joiner = make.enrollment(klass, enrolled_on=date(2026, 3, 4))
    held = sessions[:4]
    now = local(2026, 3, 7, 9)
    for s in held[:3]:
        mark_attendance(s, {good.id: ("present", ""), poor.id: ("absent", "")},
                        actor=instructor, now=local(2026, 3, s.on_date.day, 9))
    missing, sample = list_missing_marks(klass, now)
    # good and poor at session 4, late_joiner at sessions 3 and 4 (not 1 and 2: before enrollment)
    assert missing == 4
    assert {m.full_name for m in sample} == {good.user.full_name, poor.user.full_name,
                                             late_joiner.user.full_name}
    with pytest.raises(DomainError, match="Còn thiếu 4 lượt điểm danh"):
        close_out(klass, actor=director, now=now)
    mark_attendance(held[2], {late_joiner.id: ("present", "")}, actor=director,
                    now=local(2026, 3, 4, 9))
    mark_attendance(held[3], {good.id: ("late", ""), poor.id: ("present", ""),
                              late_joiner.id: ("present", "")},
                    actor=director, now=local(2026, 3, 5, 9))
    result = close_out(klass, actor=director, now=now)
    db.session.commit()
    # good 4/4, poor 1/4, late_joiner 2/2 (sessions before enrollment and the cancelled one out)
    assert (result.completed, result.not_completed) == (2, 1)
    for enrollment, outcome in ((good, "completed"), (poor, "not_completed"),
                                (late_joiner, "completed")):
        db.session.refresh(enrollment)
        assert enrollment.outcome == outcome
    db.session.refresh(klass)
    assert klass.closed_at is not None
    assert klass.closed_by_id == director.id
    with pytest.raises(DomainError, match="đã kết thúc"):
        close_out(klass, actor=director, now=now)
    with pytest.raises(DomainError, match="đã kết thúc"):
        mark_attendance(held[0], {poor.id: ("present", "")}, actor=director, reason="x", now=now)


@pytest.mark.parametrize(("rule", "outcome"), [("absent", "not_completed"),
                                                ("present", "completed"),
                                                ("excluded", "completed")])
def test_close_out_follows_the_excused_rule(course, make, rule, outcome):
    klass, sessions, instructor, director = course
    klass.excused_rule = rule
    e = make.enrollment(klass, enrolled_on=date(2026, 3, 2))
    for s, status in zip(sessions[:4], ("present", "present", "present", "excused"),
                         strict=True):
        mark_attendance(s, {e.id: (status, "")}, actor=director, reason="sổ giấy",
                        now=local(2026, 3, 7, 9))
    close_out(klass, actor=director, now=local(2026, 3, 7, 9))
    db.session.refresh(e)
    # 3/4 = 75% as absence; 4/4 as present; 3/3 when excluded
    assert e.outcome == outcome


def test_close_out_refused_while_sessions_are_to_come_and_for_non_directors(course, make):
    klass, sessions, instructor, director = course
    with pytest.raises(DomainError, match="chưa diễn ra"):
        close_out(klass, actor=director, now=local(2026, 3, 4, 12))
    with pytest.raises(NotFound):
        close_out(klass, actor=instructor, now=local(2026, 3, 7))


def test_close_out_needs_an_actor_and_the_system_closes_as_no_user(course, make):
    klass, sessions, instructor, director = course
    now = local(2026, 3, 7, 9)
    with pytest.raises(TypeError, match="actor"):
        close_out(klass, now=now)
    with pytest.raises(ActorMissing):
        close_out(klass, actor=None, now=now)
    result = close_out(klass, actor=SYSTEM, now=now)  # no one enrolled: nothing is missing
    assert (result.completed, result.not_completed) == (0, 0)
    assert klass.closed_at is not None
    assert klass.closed_by_id is None
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "close_out"))
    assert (entry.object_id, entry.actor_id) == (klass.id, None)


def test_grid_flags_at_risk_and_behind(course, make):
    klass, sessions, instructor, director = course
    a = make.enrollment(klass, enrolled_on=date(2026, 3, 2))
    b = make.enrollment(klass, enrolled_on=date(2026, 3, 2))
    now = local(2026, 3, 3, 12)  # two sessions held, two to come
    for s in sessions[:2]:
        mark_attendance(s, {a.id: ("absent", ""), b.id: ("present", "")}, actor=director,
                        now=local(2026, 3, s.on_date.day, 9))
    b_mark = {b.id: ("absent", "")}
    mark_attendance(sessions[1], b_mark, actor=director, now=local(2026, 3, 3, 9))
    rows = {row.enrollment_id: row for row in class_grid(klass, now).rows}
    # a: 0/2, best 2/4 = 50% -> at risk; b: 1/2, best 3/4 = 75% < 80% -> at risk too
    assert rows[a.id].summary.at_risk
    assert rows[b.id].summary.at_risk
    mark_attendance(sessions[1], {b.id: ("present", "")}, actor=director,
                    now=local(2026, 3, 3, 9))
    rows = {row.enrollment_id: row for row in class_grid(klass, now).rows}
    assert rows[b.id].summary.meets_rule


def test_close_out_page_lists_missing_marks_and_refuses(course, client, login, make):
    klass, sessions, instructor, director = course
    make.enrollment(klass, make.trainee(full_name="Bùi Thị Xuân"), enrolled_on=date(2026, 3, 2))
    db.session.commit()
    login(director)
    page = client.get(f"/classes/{klass.id}/hub").text  # close-out is on the class hub
    assert "Còn thiếu 4 lượt điểm danh:" in page
    assert "Bùi Thị Xuân" in page
    response = client.post(f"/classes/{klass.id}/close-out")
    assert response.status_code == 302
    db.session.refresh(klass)
    assert klass.closed_at is None

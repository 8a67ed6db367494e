"""The counters the database keeps equal a recount of the attendance rows, on EACH enrolment and
EACH session (not global sums), after every kind of write that exists: roster save, check-in
(service and request), walk-in, roster import, session cancel and restore (service, ORM,
plain SQL), session and enrolment deleted, close-out, withdrawal.

assert_counters_match_rows() is for any test that writes marks (reopen and attendance import
will call it too): DOMAIN.md's rule recounted in Python, compared row by row.
"""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, select, update

from lms.attendance import checkin
from lms.attendance.clock import starts
from lms.attendance.closeout import close_out, reopen
from lms.attendance.models import Attendance
from lms.attendance.services import mark_attendance
from lms.attendance.walkin import add_walkin
from lms.classes.models import ClassSession
from lms.classes.sessions import cancel_session, restore_session
from lms.core.types import utcnow
from lms.enrollment import services as enrollment_services
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.attendance.conftest import local

# DOMAIN.md, written here independently of the code: present and late attend.
FEEDS = {"present": 0, "late": 0, "excused": 1, "absent": 2}


def recount() -> tuple[dict, dict]:
    """({enrolment id: [attended, excused, absent]}, {session id: marks}) from the rows alone:
    a session counts all its marks; an enrolment only its marks at sessions not cancelled."""
    cancelled = {
        sid for sid, at in db.session.execute(select(ClassSession.id, ClassSession.cancelled_at))
        if at is not None
    }
    enrollments = {eid: [0, 0, 0] for eid in db.session.scalars(select(Enrollment.id))}
    sessions = dict.fromkeys(db.session.scalars(select(ClassSession.id)), 0)
    rows = select(Attendance.session_id, Attendance.enrollment_id, Attendance.status)
    for session_id, enrollment_id, status in db.session.execute(rows):
        sessions[session_id] += 1
        if session_id not in cancelled:
            enrollments[enrollment_id][FEEDS[status]] += 1
    return enrollments, sessions


def assert_counters_match_rows() -> None:
    """Each enrolment's attended/excused/absent_count and each session's marked_count equal
    a recount of their own attendance rows (read with plain SQL: the identity map aside)."""
    db.session.flush()
    expected_enrollments, expected_sessions = recount()
    stored_enrollments = {
        eid: [a, x, b] for eid, a, x, b in db.session.execute(select(
            Enrollment.id, Enrollment.attended_count, Enrollment.excused_count,
            Enrollment.absent_count))
    }
    stored_sessions = dict(
        db.session.execute(select(ClassSession.id, ClassSession.marked_count)).all()
    )
    wrong = {e: (stored_enrollments[e], n) for e, n in expected_enrollments.items()
             if stored_enrollments[e] != n}
    assert not wrong, f"enrolment: (stored, recounted) {wrong}"
    wrong = {s: (stored_sessions[s], n) for s, n in expected_sessions.items()
             if stored_sessions[s] != n}
    assert not wrong, f"session: (stored, recounted) {wrong}"


def during(session):
    return starts(session) + timedelta(minutes=5)


def code_at(session, moment):
    return checkin.code_for(session.checkin_secret, checkin.time_step(moment.timestamp()))


@pytest.fixture
def course(make):
    """A past class of four sessions, a director, four enrolled trainees, and a second class
    beside it (its counters must not move)."""
    director = make.director()
    klass = make.klass(start_date=date(2026, 3, 2))
    sessions = [make.session(klass, on_date=date(2026, 3, d), starts_at=time(8),
                             ends_at=time(11)) for d in (2, 3, 4, 5)]
    people = [make.enrollment(klass, enrolled_on=date(2026, 3, 2)) for _ in range(4)]
    other = make.session(make.klass(start_date=date(2026, 3, 2)), on_date=date(2026, 3, 2))
    make.attendance(other, make.enrollment(other.klass), "present")
    db.session.commit()
    return klass, sessions, people, director


def mark_all(course, statuses=("present", "late", "excused", "absent")):
    """Every session marked, each person their status (the director, after the lock)."""
    _klass, sessions, people, director = course
    for session in sessions:
        marks = {e.id: (status, "") for e, status in zip(people, statuses, strict=True)}
        mark_attendance(session, marks, actor=director, reason="Sổ giấy",
                        now=local(2026, 3, 9, 9))


def test_roster_saves_insert_change_and_note_only(course):
    _klass, sessions, people, director = course
    mark_all(course)
    assert_counters_match_rows()
    mark_all(course, ("absent", "present", "late", "excused"))  # every status changes
    assert_counters_match_rows()
    marks = {people[0].id: ("absent", "đến muộn 2 giờ")}  # the note alone
    mark_attendance(sessions[0], marks, actor=director, reason="Sổ giấy", now=local(2026, 3, 9))
    db.session.commit()
    assert_counters_match_rows()


def test_check_in_through_the_service_and_through_the_request(opened, client, login):
    s = opened.session
    now = starts(s) + timedelta(minutes=2)
    checkin.check_in(opened.trainees[0], s, code_at(s, now), now=now)
    db.session.commit()
    assert_counters_match_rows()
    login(opened.trainees[1])  # the hot path: its own SQL, autocommit on PostgreSQL
    code = checkin.code_for(s.checkin_secret, checkin.time_step())
    assert client.post(f"/checkin/{s.id}", data={"code": code}).status_code == 200
    client.post(f"/checkin/{s.id}", data={"code": code})  # "already": nothing moves
    db.session.expire_all()
    assert_counters_match_rows()
    mark_attendance(s, {opened.enrollments[0].id: ("absent", "")}, actor=opened.instructor,
                    now=during(s))  # a check-in corrected on the roster
    assert_counters_match_rows()


def test_walk_in(room, make):
    add_walkin(room.session, actor=room.instructor, user=make.trainee(), now=during(room.session))
    add_walkin(room.session, actor=room.instructor, full_name="Lý Thị Mai", unit=make.unit(),
               now=during(room.session))
    db.session.commit()
    assert_counters_match_rows()


def test_roster_import_beside_marks(course, make):
    klass, _sessions, _people, director = course
    mark_all(course)
    data = ("username\n" + "\n".join(make.trainee().username for _ in range(3))).encode()
    enrollment_services.import_roster(klass, data, actor=director)
    assert_counters_match_rows()


def test_session_cancelled_and_restored_by_the_service_the_orm_and_plain_sql(course):
    _klass, sessions, people, director = course
    mark_all(course)
    cancel_session(sessions[1], "Mưa bão", actor=director, marks_confirmed=4)
    assert_counters_match_rows()
    attended = db.session.scalar(select(Enrollment.attended_count).where(
        Enrollment.id == people[0].id))
    assert attended == 3  # present at four sessions, one of them cancelled
    sessions[1].cancelled_at, sessions[1].cancel_reason = None, None  # restored (ORM)
    db.session.flush()
    assert_counters_match_rows()
    db.session.execute(update(ClassSession).where(ClassSession.id.in_(
        [sessions[2].id, sessions[3].id])).values(cancelled_at=utcnow(), cancel_reason="Bão"))
    assert_counters_match_rows()
    db.session.execute(update(ClassSession).where(ClassSession.id == sessions[2].id)
                       .values(cancelled_at=None, cancel_reason=None))
    db.session.commit()
    assert_counters_match_rows()


def test_cancelled_session_keeps_its_marks_out_when_they_change(course):
    """A mark changed or removed while its session is cancelled moves no enrolment counter."""
    _klass, sessions, people, director = course
    mark_all(course)
    cancel_session(sessions[0], "Trùng lịch", actor=director, marks_confirmed=4)
    db.session.execute(update(Attendance).where(Attendance.session_id == sessions[0].id)
                       .values(status="absent"))
    assert_counters_match_rows()
    db.session.execute(delete(Attendance).where(Attendance.enrollment_id == people[1].id,
                                                Attendance.session_id == sessions[0].id))
    assert_counters_match_rows()
    sessions[0].cancelled_at, sessions[0].cancel_reason = None, None
    db.session.flush()
    assert_counters_match_rows()


def test_sessions_and_enrollments_deleted_with_their_marks(course):
    _klass, sessions, people, director = course
    mark_all(course)
    cancel_session(sessions[0], "Trùng lịch", actor=director, marks_confirmed=4)
    db.session.execute(delete(ClassSession).where(ClassSession.id.in_(
        [sessions[0].id, sessions[1].id])))  # one cancelled, one not: their marks cascade
    assert_counters_match_rows()
    db.session.execute(delete(Enrollment).where(Enrollment.id == people[2].id))
    assert_counters_match_rows()


def test_marks_moved_to_another_session_or_enrollment(course):
    """Rows changed in place by plain SQL (no service does it today; the triggers allow it)."""
    _klass, sessions, people, director = course
    mark_all(course)
    db.session.execute(delete(Attendance).where(Attendance.session_id == sessions[3].id))
    cancel_session(sessions[2], "Trùng lịch", actor=director, marks_confirmed=4)
    db.session.execute(update(Attendance).where(Attendance.session_id == sessions[2].id)
                       .values(session_id=sessions[3].id))  # cancelled -> held session
    assert_counters_match_rows()
    db.session.execute(delete(Attendance).where(Attendance.enrollment_id == people[3].id))
    db.session.execute(update(Attendance).where(Attendance.enrollment_id == people[0].id)
                       .values(enrollment_id=people[3].id))
    assert_counters_match_rows()


def test_close_out_and_withdrawal(course):
    klass, _sessions, people, director = course
    mark_all(course)
    enrollment_services.withdraw(people[3], actor=director)
    assert_counters_match_rows()
    close_out(klass, actor=director, now=local(2026, 3, 9, 9))
    db.session.commit()
    assert_counters_match_rows()


def test_reopen_restore_correct_and_close_out_again(course):
    """The director's corrections: reopen a closed-out class, cancel and restore a marked
    session through the services, correct a mark, close out again."""
    klass, sessions, people, director = course
    mark_all(course)
    close_out(klass, actor=director, now=local(2026, 3, 9, 9))
    reopen(klass, "Sửa sai sót", actor=director)
    assert_counters_match_rows()
    cancel_session(sessions[0], "Mất điện", actor=director, marks_confirmed=4)
    assert_counters_match_rows()
    restore_session(sessions[0], "Hủy nhầm", actor=director)
    assert_counters_match_rows()
    mark_attendance(sessions[0], {people[0].id: ("absent", "")}, actor=director,
                    reason="Sổ giấy", now=local(2026, 3, 9, 9))
    assert_counters_match_rows()
    close_out(klass, actor=director, now=local(2026, 3, 9, 9))
    db.session.commit()
    assert_counters_match_rows()


def test_the_recount_sees_a_counter_written_behind_the_rows(course):
    """The helper can fail: a counter moved by hand, next to the rows, is caught."""
    _klass, _sessions, people, _director = course
    mark_all(course)
    db.session.execute(update(Enrollment).where(Enrollment.id == people[1].id)
                       .values(attended_count=Enrollment.attended_count + 1))
    with pytest.raises(AssertionError, match=f"{people[1].id}"):
        assert_counters_match_rows()

"""mark_attendance: who may mark, when, only changed rows written, exact rollups, audit."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from lms.attendance.clock import ends, starts
from lms.attendance.models import Attendance
from lms.attendance.services import mark_attendance
from lms.core.models import AuditLog
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db


def during(session):
    return starts(session) + timedelta(minutes=5)


def recount(session_id=None):
    """Rollups recomputed from the attendance table."""
    rows = db.session.execute(select(Attendance.enrollment_id, Attendance.status)).all()
    per = {}
    for eid, status in rows:
        c = per.setdefault(eid, [0, 0, 0])
        c[0 if status in ("present", "late") else 1 if status == "excused" else 2] += 1
    return per


def assert_rollups_exact(room):
    db.session.expire_all()
    per = recount()
    for enrollment in room.enrollments:
        e = db.session.get(Enrollment, enrollment.id)
        assert [e.attended_count, e.excused_count, e.absent_count] == per.get(e.id, [0, 0, 0])
    marked = db.session.scalar(
        select(func.count()).select_from(Attendance).where(
            Attendance.session_id == room.session.id
        )
    )
    db.session.refresh(room.session)
    assert room.session.marked_count == marked


def test_instructor_marks_and_rollups_follow(room):
    a, b, c = room.enrollments
    result = mark_attendance(
        room.session,
        {a.id: ("present", ""), b.id: ("late", "kẹt xe"), c.id: ("absent", None)},
        actor=room.instructor, now=during(room.session),
    )
    db.session.commit()
    assert (result.changed, result.inserted) == (3, 3)
    db.session.refresh(a)
    db.session.refresh(b)
    db.session.refresh(c)
    assert (a.attended_count, b.attended_count, c.absent_count) == (1, 1, 1)
    db.session.refresh(room.session)
    assert room.session.marked_count == 3
    row = db.session.scalar(select(Attendance).where(Attendance.enrollment_id == b.id))
    assert (row.status, row.note, row.method, row.marked_by_id) == (
        "late", "kẹt xe", "roster", room.instructor.id)


def test_saving_the_same_marks_twice_writes_nothing_and_duplicates_nothing(room):
    a, b, _c = room.enrollments
    marks = {a.id: ("present", ""), b.id: ("excused", "ốm")}
    mark_attendance(room.session, marks, actor=room.instructor, now=during(room.session))
    again = mark_attendance(room.session, marks, actor=room.instructor, now=during(room.session))
    db.session.commit()
    assert again.changed == 0
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 2
    assert_rollups_exact(room)


def test_change_moves_the_counters_and_is_audited_old_to_new(room):
    a = room.enrollments[0]
    mark_attendance(room.session, {a.id: ("absent", "")}, actor=room.instructor,
                    now=during(room.session))
    mark_attendance(room.session, {a.id: ("late", "")}, actor=room.instructor,
                    now=during(room.session))
    db.session.commit()
    db.session.refresh(a)
    assert (a.attended_count, a.absent_count) == (1, 0)
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.old_value, e.new_value, e.method, e.session_id, e.actor_id) for e in entries] == [
        (None, "absent", "roster", room.session.id, room.instructor.id),
        ("absent", "late", "roster", room.session.id, room.instructor.id),
    ]


def test_two_devices_never_overwrite_each_others_marks(room):
    """Device 1 and 2 load the roster; 1 marks A, 2 marks B: both survive, nothing doubles."""
    a, b, _c = room.enrollments
    mark_attendance(room.session, {a.id: ("present", "")}, actor=room.instructor,
                    now=during(room.session))
    db.session.commit()
    # device 2 only sends what it changed (B); A stays as device 1 saved it
    mark_attendance(room.session, {b.id: ("absent", "")}, actor=room.instructor,
                    now=during(room.session))
    db.session.commit()
    statuses = dict(db.session.execute(select(Attendance.enrollment_id, Attendance.status)).all())
    assert statuses == {a.id: "present", b.id: "absent"}
    assert_rollups_exact(room)


def test_other_instructor_and_trainee_get_404(room, make):
    other = make.instructor()
    with pytest.raises(NotFound):
        mark_attendance(room.session, {room.enrollments[0].id: ("present", "")}, actor=other)
    with pytest.raises(NotFound):
        mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                        actor=room.trainees[0])


def test_director_may_mark_any_class(room, make):
    director = make.director()
    result = mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                             actor=director, now=during(room.session))
    assert result.changed == 1


def test_cancelled_session_is_refused(room):
    room.session.cancelled_at = utcnow()
    room.session.cancel_reason = "Mưa bão"
    with pytest.raises(DomainError, match="đã bị hủy"):
        mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                        actor=room.instructor, now=during(room.session))


def test_session_not_yet_open_is_refused(room):
    with pytest.raises(DomainError, match="chưa bắt đầu"):
        mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                        actor=room.instructor, now=starts(room.session) - timedelta(hours=3))


def test_locked_session_only_directors_with_a_reason(room, make):
    later = ends(room.session) + timedelta(hours=49)  # default lock: 48 h after the end
    marks = {room.enrollments[0].id: ("present", "")}
    with pytest.raises(DomainError, match="đã khóa"):
        mark_attendance(room.session, marks, actor=room.instructor, now=later)
    director = make.director()
    with pytest.raises(DomainError, match="lý do"):
        mark_attendance(room.session, marks, actor=director, now=later)
    mark_attendance(room.session, marks, actor=director, reason="Sổ giấy bổ sung", now=later)
    entry = db.session.scalar(select(AuditLog))
    assert entry.reason == "Sổ giấy bổ sung"


def test_lock_delay_comes_from_the_settings(room, make):
    make.settings(lock_after_hours=1)
    with pytest.raises(DomainError, match="đã khóa"):
        mark_attendance(room.session, {room.enrollments[0].id: ("present", "")},
                        actor=room.instructor, now=ends(room.session) + timedelta(hours=2))


def test_enrollment_of_another_class_or_withdrawn_is_refused_and_nothing_saved(room, make):
    stranger = make.enrollment()  # another class
    withdrawn = make.enrollment(room.klass, status="withdrawn")
    for bad in (stranger, withdrawn):
        with pytest.raises(DomainError, match="không thuộc danh sách"):
            mark_attendance(
                room.session, {room.enrollments[0].id: ("present", ""), bad.id: ("present", "")},
                actor=room.instructor, now=during(room.session),
            )
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_unknown_status_and_long_note_are_refused(room):
    eid = room.enrollments[0].id
    with pytest.raises(DomainError, match="không hợp lệ"):
        mark_attendance(room.session, {eid: ("here", "")}, actor=room.instructor,
                        now=during(room.session))
    with pytest.raises(DomainError, match="500"):
        mark_attendance(room.session, {eid: ("present", "x" * 501)}, actor=room.instructor,
                        now=during(room.session))


def test_note_change_alone_is_written_and_audited_without_moving_counters(room):
    a = room.enrollments[0]
    mark_attendance(room.session, {a.id: ("present", "")}, actor=room.instructor,
                    now=during(room.session))
    result = mark_attendance(room.session, {a.id: ("present", "đến từ 7h")},
                             actor=room.instructor, now=during(room.session))
    db.session.commit()
    assert result.changed == 1
    db.session.refresh(a)
    assert a.attended_count == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 2


STATUS = st.sampled_from(["present", "late", "excused", "absent"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.dictionaries(st.integers(0, 2), STATUS, min_size=1), max_size=8))
def test_rollups_equal_a_recount_after_any_sequence_of_marks(room, steps):
    now = during(room.session)
    for step in steps:
        marks = {room.enrollments[i].id: (status, "") for i, status in step.items()}
        mark_attendance(room.session, marks, actor=room.instructor, now=now)
    db.session.flush()
    assert_rollups_exact(room)
    db.session.rollback()  # the next example starts from no marks

"""Marks made offline and sent later (lms.attendance.offline): exactly once, the later mark
wins and both are audited, locks by the time of marking, pending for the director, refusals."""

import uuid
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from lms.attendance import offline
from lms.attendance.clock import attendance_settings, locks_at, starts
from lms.attendance.models import Attendance, OfflineMark
from lms.attendance.services import mark_attendance, write_marks
from lms.core.models import AuditLog
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db
from tests.attendance.test_counter_invariants import assert_counters_match_rows


def item(enrollment, status="present", at=None, key=None, note=""):
    return {"key": key or str(uuid.uuid4()), "enrollment_id": enrollment.id, "status": status,
            "note": note, "marked_at": (at or utcnow()).isoformat()}


def send(room, marks, *, actor=None, now=None):
    items = offline.parse_batch({"session_id": room.session.id, "marks": marks},
                                room.session.id)
    results = offline.receive_offline_marks(room.session, items,
                                            actor=actor or room.instructor, now=now)
    db.session.commit()
    return [r.outcome for r in results]


def statuses(room):
    return dict(db.session.execute(
        select(Attendance.enrollment_id, Attendance.status)
        .where(Attendance.session_id == room.session.id)).all())


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_batch_sent_twice_is_recorded_once(room):
    a, b, c = room.enrollments
    batch = [item(a), item(b, "late"), item(c, "absent")]
    assert send(room, batch) == ["applied"] * 3
    again = offline.receive_offline_marks(
        room.session, offline.parse_batch({"session_id": room.session.id, "marks": batch},
                                          room.session.id), actor=room.instructor)
    db.session.commit()
    assert [(r.outcome, r.stored) for r in again] == [("duplicate", "applied")] * 3
    assert statuses(room) == {a.id: "present", b.id: "late", c.id: "absent"}
    assert count(Attendance) == 3
    assert count(OfflineMark) == 3
    assert count(AuditLog) == 3
    assert_counters_match_rows()


def test_the_same_key_twice_in_one_batch_counts_once(room):
    a, _b, _c = room.enrollments
    key = str(uuid.uuid4())
    assert send(room, [item(a, key=key), item(a, "absent", key=key)]) == ["applied"]
    assert statuses(room) == {a.id: "present"}


def test_a_later_mark_from_another_device_is_kept_and_the_offline_one_audited(room):
    a, _b, _c = room.enrollments
    made_offline = utcnow() - timedelta(minutes=10)
    mark_attendance(room.session, {a.id: ("absent", "")}, actor=room.instructor)  # now
    db.session.commit()
    assert send(room, [item(a, "present", at=made_offline)]) == ["superseded"]
    assert statuses(room) == {a.id: "absent"}
    log = db.session.execute(select(AuditLog.method, AuditLog.old_value, AuditLog.new_value,
                                    AuditLog.details).order_by(AuditLog.id)).all()
    assert [(m, o, n) for m, o, n, _d in log] == [("roster", None, "absent"),
                                                  ("offline", "present", "absent")]
    assert log[1].details["superseded"] is True
    assert [(r.full_name, r.status, r.kept) for r in offline.list_superseded(room.session.id)] \
        == [(a.user.full_name, "present", "absent")]


def test_a_save_whose_answer_was_lost_then_queued_is_not_shown_as_superseded(room):
    """The roster's save reached the server but its answer never came back (8 s): the page
    queued the same marks with the time of each tap, earlier than the save. Sent later, they
    change nothing and are not listed as beaten by a later mark."""
    a, b, _c = room.enrollments
    tapped = utcnow() - timedelta(seconds=20)
    mark_attendance(room.session, {a.id: ("present", "Đến muộn 5 phút"), b.id: ("late", "")},
                    actor=room.instructor)  # the save, written at its arrival
    db.session.commit()
    assert send(room, [item(a, "present", at=tapped, note="Đến muộn 5 phút"),
                       item(b, "absent", at=tapped)]) == ["applied", "superseded"]
    assert statuses(room) == {a.id: "present", b.id: "late"}
    assert [r.full_name for r in offline.list_superseded(room.session.id)] == [b.user.full_name]
    assert count(AuditLog) == 3  # the save's two, and b's offline mark beaten by a later one


def test_an_offline_mark_made_after_the_other_device_wins_and_both_are_audited(room):
    a, _b, _c = room.enrollments
    mark_attendance(room.session, {a.id: ("absent", "")}, actor=room.instructor)
    db.session.commit()
    assert send(room, [item(a, "present", at=utcnow() + timedelta(seconds=1))]) == ["applied"]
    assert statuses(room) == {a.id: "present"}
    log = db.session.execute(select(AuditLog.method, AuditLog.old_value, AuditLog.new_value)
                             .order_by(AuditLog.id)).all()
    assert log == [("roster", None, "absent"), ("offline", "absent", "present")]
    assert_counters_match_rows()


def test_two_offline_marks_of_one_person_in_a_batch_the_later_wins(room):
    a, _b, _c = room.enrollments
    t = utcnow() - timedelta(minutes=5)
    assert send(room, [item(a, "present", at=t + timedelta(minutes=1)),
                       item(a, "absent", at=t)]) == ["applied", "superseded"]
    assert statuses(room) == {a.id: "present"}


def test_a_device_clock_ahead_cannot_win_the_future(room):
    a, _b, _c = room.enrollments
    assert send(room, [item(a, "present", at=utcnow() + timedelta(days=2))]) == ["applied"]
    stored = db.session.scalar(select(OfflineMark.marked_at))
    assert stored <= utcnow()
    mark_attendance(room.session, {a.id: ("absent", "")}, actor=room.instructor)
    db.session.commit()
    assert statuses(room) == {a.id: "absent"}


def locked_room(room):
    """The room's session locked: `now` past the lock."""
    lock = locks_at(room.session, attendance_settings()).astimezone(UTC)
    return lock, lock + timedelta(hours=1)


def test_a_mark_made_before_the_lock_arriving_after_it_is_applied(room):
    a, _b, _c = room.enrollments
    lock, now = locked_room(room)
    assert send(room, [item(a, at=lock - timedelta(minutes=1))], now=now) == ["applied"]
    assert statuses(room) == {a.id: "present"}


def test_a_mark_made_after_the_lock_waits_for_the_director(room, make):
    a, b, _c = room.enrollments
    lock, now = locked_room(room)
    assert send(room, [item(a, at=lock + timedelta(minutes=1)),
                       item(b, at=lock + timedelta(minutes=2))], now=now) == ["pending"] * 2
    assert statuses(room) == {}
    pending = offline.list_pending(room.klass.id)
    assert [p.full_name for p in pending] == [a.user.full_name, b.user.full_name]
    with pytest.raises(DomainError):
        offline.decide_offline_mark(db.session.get(OfflineMark, pending[0].id), accept=True,
                                    actor=room.instructor)
    db.session.rollback()
    director = make.director()
    offline.decide_offline_mark(db.session.get(OfflineMark, pending[0].id), accept=True,
                                actor=director)
    offline.decide_offline_mark(db.session.get(OfflineMark, pending[1].id), accept=False,
                                actor=director)
    db.session.commit()
    assert statuses(room) == {a.id: "present"}
    assert offline.list_pending(room.klass.id) == []
    assert count(OfflineMark) == 2
    with pytest.raises(DomainError):
        offline.decide_offline_mark(db.session.get(OfflineMark, pending[1].id), accept=True,
                                    actor=director)
    assert_counters_match_rows()


def test_accepting_a_pending_mark_never_overwrites_a_later_mark(room, make):
    """Later wins at the director's accept too: a person marked again after the pending mark
    was made keeps the later mark; the pending one is rejected as superseded, both logged."""
    a, b, _c = room.enrollments
    lock, now = locked_room(room)
    assert send(room, [item(a, "present", at=lock + timedelta(minutes=1)),
                       item(b, "present", at=lock + timedelta(minutes=1))],
                now=now) == ["pending"] * 2
    director = make.director()
    # a's row changed after the pending mark was made (a correction from another device);
    # b's row was marked before it
    write_marks(room.session, {a.id: ("absent", "")}, actor=director, method="roster",
                marked_at={a.id: lock + timedelta(minutes=5)})
    write_marks(room.session, {b.id: ("late", "")}, actor=director, method="roster",
                marked_at={b.id: lock - timedelta(minutes=5)})
    db.session.commit()
    pending = {p.full_name: p.id for p in offline.list_pending(room.klass.id)}
    decided = [
        offline.decide_offline_mark(db.session.get(OfflineMark, pending[e.user.full_name]),
                                    accept=True, actor=director)
        for e in (a, b)
    ]
    db.session.commit()
    assert decided == ["superseded", "accepted"]
    assert statuses(room) == {a.id: "absent", b.id: "present"}
    assert offline.list_pending(room.klass.id) == []
    outcomes = dict(db.session.execute(
        select(OfflineMark.enrollment_id, OfflineMark.outcome)).all())
    assert outcomes == {a.id: "rejected", b.id: "accepted"}
    log = db.session.execute(
        select(AuditLog.old_value, AuditLog.new_value, AuditLog.method, AuditLog.reason,
               AuditLog.details["superseded"].as_boolean())
        .where(AuditLog.object_id == a.id, AuditLog.action == "attendance")
        .order_by(AuditLog.id)).all()
    assert log == [(None, "absent", "roster", None, None),
                   ("present", "absent", "offline", "Không chấp nhận: đã có điểm danh sau", True)]
    assert_counters_match_rows()


def test_a_person_of_another_class_is_refused_and_the_others_recorded(room, make):
    a, _b, _c = room.enrollments
    stranger = make.enrollment()
    db.session.commit()
    assert send(room, [item(a), item(stranger)]) == ["applied", "not_enrolled"]
    assert statuses(room) == {a.id: "present"}
    assert count(OfflineMark) == 1


def test_marks_made_before_the_session_opened_are_kept_but_not_written(room):
    a, _b, _c = room.enrollments
    early = starts(room.session).astimezone(UTC) - timedelta(hours=3)
    assert send(room, [item(a, at=early)]) == ["refused"]
    assert statuses(room) == {}
    assert db.session.scalar(select(OfflineMark.outcome)) == "refused"


@pytest.mark.parametrize("payload", [
    None, [], {"marks": "x"}, {"session_id": 1, "marks": [{"key": "not-a-uuid"}]},
])
def test_forged_batches_are_refused_whole(room, payload):
    if isinstance(payload, dict) and payload.get("session_id") == 1:
        payload["session_id"] = room.session.id
    with pytest.raises(DomainError):
        offline.parse_batch(payload, room.session.id)


def test_bad_items_refuse_the_batch(room):
    a, _b, _c = room.enrollments
    for bad in ({"status": "here"}, {"enrollment_id": "1"}, {"marked_at": "yesterday"},
                {"marked_at": "2026-12-04T10:00:00"}, {"note": "x" * 501}):
        with pytest.raises(DomainError):
            offline.parse_batch({"session_id": room.session.id, "marks": [{**item(a), **bad}]},
                                room.session.id)


def test_a_batch_for_another_session_or_too_large_is_refused(room):
    a, _b, _c = room.enrollments
    with pytest.raises(DomainError, match="buổi học khác"):
        offline.parse_batch({"session_id": room.session.id + 1, "marks": [item(a)]},
                            room.session.id)
    with pytest.raises(DomainError):
        offline.parse_batch({"session_id": room.session.id,
                             "marks": [item(a)] * (offline.MAX_BATCH + 1)}, room.session.id)

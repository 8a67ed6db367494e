"""The check-in POST's SQL, built once: one read (session, class, settings, enrolment, mark)
into plain read-only views, and the writes of a new check-in (record_checkin). The QR code's
POST is the one request hundreds of trainees send within minutes; this module is what that
path buys its speed with (statements built once, no ORM rows, one read and one write; on
PostgreSQL the write is one statement). The figures are in docs/benchmarks.md. The rules stay
in checkin.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, select, text
from sqlalchemy.dialects import sqlite
from werkzeug.exceptions import NotFound

from lms.attendance.clock import AttendanceSettings
from lms.attendance.models import Attendance
from lms.attendance.services import attendances
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core.models import AuditLog, CenterSettings
from lms.core.settings import _DEFAULTS
from lms.core.types import UTCDateTime
from lms.enrollment.models import Enrollment
from lms.extensions import db


class EnrollmentRow(NamedTuple):
    """The trainee's enrolment in the session's class, and their mark at the session if any."""

    id: int
    status: str
    enrolled_on: date | None
    mark: str | None


def enrollment_columns() -> tuple:
    """The columns of an EnrollmentRow, labelled by its field names (joined by the caller)."""
    return (
        Enrollment.id.label("id"), Enrollment.status.label("status"),
        Enrollment.enrolled_on.label("enrolled_on"), Attendance.status.label("mark"),
    )


@dataclass(frozen=True)
class ClassView:
    """The class fields check-in reads (window rules, answer page)."""

    title: str
    cancelled_at: datetime | None
    closed_at: datetime | None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True)
class SessionView:
    """A read-only session row for the check-in POST: the same fields check_in and the answer
    page use on a ClassSession, read with plain SQL (no ORM identity map on the hot path)."""

    id: int
    class_id: int
    on_date: date
    starts_at: dt_time
    ends_at: dt_time
    topic: str | None
    room: str | None
    checkin_secret: bytes | None
    cancelled_at: datetime | None
    klass: ClassView

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


@functools.cache
def _checkin_read() -> Select:
    """The session `:session_id` with its class, the settings, and the enrolment of the user
    `:user_id` in the class with its mark at the session, if any; every join outer, so a
    missing session reads as NULL columns and a missing user as no row. Built once."""
    enrollment = enrollment_columns()
    return (
        select(
            User.id.label("user_id"),
            ClassSession.id.label("session_id"), ClassSession.class_id, ClassSession.on_date,
            ClassSession.starts_at, ClassSession.ends_at, ClassSession.topic,
            ClassSession.room, ClassSession.checkin_secret, ClassSession.cancelled_at,
            Class.title.label("class_title"), Class.cancelled_at.label("class_cancelled_at"),
            Class.closed_at.label("class_closed_at"),
            CenterSettings.checkin_opens_minutes,
            CenterSettings.checkin_late_after_minutes,
            CenterSettings.lock_after_hours,
            *enrollment,
        )
        .select_from(User)
        .outerjoin(ClassSession, ClassSession.id == bindparam("session_id"))
        .outerjoin(Class, Class.id == ClassSession.class_id)
        .outerjoin(CenterSettings, CenterSettings.id == 1)
        .outerjoin(
            Enrollment,
            and_(Enrollment.class_id == ClassSession.class_id, Enrollment.user_id == User.id),
        )
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id,
                 Attendance.session_id == ClassSession.id),
        )
        .where(User.id == bindparam("user_id"))
    )


def load_for_checkin(
    session_id: int, user: User
) -> tuple[SessionView, AttendanceSettings, EnrollmentRow | None]:
    """The hot path's one read: session + class, the settings, the enrolment and its mark
    (the settings are read fresh every time: an admin's change applies to the next check-in).
    """
    found = db.session.connection().execute(  # plain rows: no ORM layer needed
        _checkin_read(), {"session_id": session_id, "user_id": user.id}
    ).first()
    if found is None or found.session_id is None:  # no such session, or the user is gone
        raise NotFound()
    session = SessionView(
        found.session_id, found.class_id, found.on_date, found.starts_at, found.ends_at,
        found.topic, found.room, found.checkin_secret, found.cancelled_at,
        klass=ClassView(found.class_title, found.class_cancelled_at, found.class_closed_at),
    )
    if found.checkin_opens_minutes is None:  # no settings row saved yet: the defaults
        settings = AttendanceSettings(
            _DEFAULTS["checkin_opens_minutes"], _DEFAULTS["checkin_late_after_minutes"],
            _DEFAULTS["lock_after_hours"],
        )
    else:
        settings = AttendanceSettings(
            found.checkin_opens_minutes, found.checkin_late_after_minutes,
            found.lock_after_hours,
        )
    enrollment = None
    if found.id is not None:
        enrollment = EnrollmentRow(found.id, found.status, found.enrolled_on, found.mark)
    return session, settings, enrollment


# --- the writes of a new check-in: the one place they happen ----------------------------------
#
# The mark and its audit row, in the caller's transaction. The database moves the counters the
# mark feeds (ClassSession.marked_count, Enrollment.attended_count) and the report rollups with
# its triggers, in the same statement (lms.reports.rollups).

# PostgreSQL: one statement, one round trip (each round trip costs CPU in both processes, and
# the session row stays locked until the commit: fewer round trips, shorter lock).
# The session row is locked first, as write_marks locks it first: a roster save of the same
# session never waits for this insert while this waits for its lock (no deadlock).
# No mark is written when one exists (ON CONFLICT): then `mark` is empty, nothing is audited
# and the statement returns no row.
_PG_CHECKIN = text("""
WITH locked AS (
    SELECT id FROM class_sessions WHERE id = :_sid FOR UPDATE
), mark AS (
    INSERT INTO attendances
        (session_id, enrollment_id, status, note, method, marked_by_id, marked_at)
    SELECT id, :_eid, :_status, '', 'checkin', :_uid, :_at FROM locked
    ON CONFLICT (session_id, enrollment_id) DO NOTHING
    RETURNING id, session_id, enrollment_id
), audit AS (
    INSERT INTO audit_log
        (at, actor_id, action, object_type, object_id, session_id, new_value, method)
    SELECT :_at, :_uid, 'attendance', 'enrollments', enrollment_id, session_id, :_status,
           'checkin'
    FROM mark
)
SELECT id FROM mark
""").bindparams(bindparam("_at", type_=UTCDateTime()))


@functools.cache
def _sqlite_writes() -> tuple[Any, tuple[Any, ...]]:
    """SQLite: the mark, then (only if it was new) the audit row. Built once:
    building a statement per request cost more than running it. The driver opens the write
    transaction at the insert; the commit follows at once (one short transaction)."""
    insert_mark = (
        sqlite.insert(attendances)
        .values(session_id=bindparam("_sid"), enrollment_id=bindparam("_eid"),
                status=bindparam("_status"), note="", method="checkin",
                marked_by_id=bindparam("_uid"), marked_at=bindparam("_at"))
        .on_conflict_do_nothing(index_elements=["session_id", "enrollment_id"])
        .returning(attendances.c.id)
    )
    after_mark = (
        AuditLog.__table__.insert().values(
            at=bindparam("_at"), actor_id=bindparam("_uid"), action="attendance",
            object_type="enrollments", object_id=bindparam("_eid"),
            session_id=bindparam("_sid"), old_value=None, new_value=bindparam("_status"),
            method="checkin",
        ),
    )
    return insert_mark, after_mark


def record_checkin(
    *, session_id: int, enrollment_id: int, user_id: int, status: str, at: datetime
) -> bool:
    """Write a new check-in (mark, audit) in the current transaction. False, and
    nothing written, when the enrolment already has a mark at this session (a concurrent
    request of the same trainee won)."""
    connection = db.session.connection()  # Core on the session's connection: same transaction
    # Bind names differ from the column names: Core would take a column-named key as a value
    # to write, and every statement gets the same parameters.
    params = {"_sid": session_id, "_eid": enrollment_id, "_uid": user_id, "_status": status,
              "_at": at}
    if connection.dialect.name == "postgresql":
        return connection.execute(_PG_CHECKIN, params).first() is not None
    insert_mark, after_mark = _sqlite_writes()
    if connection.execute(insert_mark, params).first() is None:
        return False
    for statement in after_mark:
        connection.execute(statement, params)
    return True

"""The check-in POST's SQL, built once: one read (session, class, settings, enrolment, mark)
into plain read-only views, made with the user load on the QR path, and the writes of a new
check-in (record_checkin). On PostgreSQL a check-in is then two round trips (one when the trainee
is already checked in), down from five: each costs CPU on both sides.

Measured under gunicorn + wrk: building statements and loading ORM rows per request cost more
than running them on SQLite (scripts/bench_checkin.py). The rules stay in checkin.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import Select, and_, bindparam, select, text
from sqlalchemy.dialects import sqlite
from werkzeug.exceptions import NotFound

from lms.attendance.clock import AttendanceSettings
from lms.attendance.models import Attendance
from lms.attendance.services import attendances
from lms.auth.loading import user_by_token, with_user
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core.models import AuditLog, CenterSettings
from lms.core.settings import _DEFAULTS
from lms.core.types import UTCDateTime
from lms.enrollment.models import Enrollment
from lms.extensions import db

EnrolmentRow = tuple  # (enrollment id, enrollment status, enrolled_on, attendance status)


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


def _with_checkin_columns(statement: Select, user_id) -> Select:
    """Add the check-in's columns to `statement`: the session `:session_id` with its class, the
    settings, and the enrolment of `user_id` in the class with its mark at the session, if any
    (every join outer: a missing session reads as NULL columns). `statement` selects from
    users; `user_id` is the column the enrolment joins to."""
    return (
        statement.add_columns(
            ClassSession.id, ClassSession.class_id, ClassSession.on_date,
            ClassSession.starts_at, ClassSession.ends_at, ClassSession.topic,
            ClassSession.room, ClassSession.checkin_secret, ClassSession.cancelled_at,
            Class.title, Class.cancelled_at, Class.closed_at,
            CenterSettings.checkin_opens_minutes,
            CenterSettings.checkin_late_after_minutes,
            CenterSettings.lock_after_hours,
            Enrollment.id, Enrollment.status, Enrollment.enrolled_on, Attendance.status,
        )
        .select_from(User)
        .outerjoin(ClassSession, ClassSession.id == bindparam("session_id"))
        .outerjoin(Class, Class.id == ClassSession.class_id)
        .outerjoin(CenterSettings, CenterSettings.id == 1)
        .outerjoin(
            Enrollment,
            and_(Enrollment.class_id == ClassSession.class_id, Enrollment.user_id == user_id),
        )
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id,
                 Attendance.session_id == ClassSession.id),
        )
    )


@functools.cache
def _checkin_read() -> Select:
    """The read alone, for a user already loaded (row[0] is their id). Built once."""
    return _with_checkin_columns(
        select(User.id).where(User.id == bindparam("user_id")), User.id
    )


@functools.cache
def _read_with_user() -> Select:
    """The user load (lms.auth.loading) and the read in one statement: row[0] is the User."""
    return _with_checkin_columns(user_by_token(), User.id)


@with_user("attendance.checkin_landing")
def _load_user_with_checkin(token: str) -> User | None:
    """A check-in POST (the QR code's address): the user and the check-in's read in one round
    trip; the read is kept in `g` for load_for_checkin.

    On PostgreSQL the request runs in autocommit: its one write (record_checkin) is a single
    statement, atomic by itself, so the BEGIN and COMMIT round trips would buy nothing (with
    them, PostgreSQL's CPU per check-in was twice as much: scripts/bench_checkin.py). The
    connection goes back to the pool in its usual mode."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session_id = (request.view_args or {}).get("session_id")
    found = db.session.execute(
        _read_with_user(), {"token": token, "session_id": session_id}
    ).first()
    if found is None:
        return None
    user = found[0]
    g.checkin_read = (session_id, user.id, tuple(found[1:]))
    return user


def load_for_checkin(
    session_id: int, user: User
) -> tuple[SessionView, AttendanceSettings, EnrolmentRow | None]:
    """The hot path's one read: session + class, the settings, the enrolment and its mark.

    Read with the user when the request's user loader did (_load_user_with_checkin), otherwise
    here in one statement (the settings are read fresh every time: an admin's change applies to
    the next check-in). Once only: a retried attempt reads again.
    """
    kept = g.pop("checkin_read", None) if has_request_context() else None
    if kept is not None and kept[:2] == (session_id, user.id):
        found = kept[2]
    else:
        row = db.session.connection().execute(  # plain rows: no ORM layer needed
            _checkin_read(), {"session_id": session_id, "user_id": user.id}
        ).first()
        found = row[1:] if row is not None else (None,)  # None: the user is gone meanwhile
    if found[0] is None:
        raise NotFound()
    session = SessionView(*found[:9], klass=ClassView(*found[9:12]))
    if found[12] is None:  # no settings row saved yet (the join found none): the defaults
        settings = AttendanceSettings(
            _DEFAULTS["checkin_opens_minutes"], _DEFAULTS["checkin_late_after_minutes"],
            _DEFAULTS["lock_after_hours"],
        )
    else:
        settings = AttendanceSettings(found[12], found[13], found[14])
    row = tuple(found[15:]) if found[15] is not None else None
    return session, settings, row


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

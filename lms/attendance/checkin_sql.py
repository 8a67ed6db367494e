"""The check-in POST's SQL, built once: one read (session, class, settings, enrolment, mark)
into plain read-only views, and the four writes of a new check-in.

Measured under gunicorn + wrk: building statements and loading ORM rows per request cost more
than running them on SQLite (scripts/bench_checkin.py). The rules stay in checkin.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import NotFound

from lms.attendance.clock import AttendanceSettings
from lms.attendance.models import Attendance
from lms.attendance.services import attendances, enrollments, sessions_table
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core.models import AuditLog, CenterSettings
from lms.core.settings import _DEFAULTS
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


@functools.cache
def _checkin_read():
    """Built once (bound parameters): see load_for_checkin."""
    return (
        select(
            ClassSession.id, ClassSession.class_id, ClassSession.on_date,
            ClassSession.starts_at, ClassSession.ends_at, ClassSession.topic,
            ClassSession.room, ClassSession.checkin_secret, ClassSession.cancelled_at,
            Class.title, Class.cancelled_at, Class.closed_at,
            CenterSettings.checkin_opens_minutes,
            CenterSettings.checkin_late_after_minutes,
            CenterSettings.lock_after_hours,
            Enrollment.id, Enrollment.status, Enrollment.enrolled_on, Attendance.status,
        )
        .select_from(ClassSession)
        .join(Class, Class.id == ClassSession.class_id)
        .outerjoin(CenterSettings, CenterSettings.id == 1)
        .outerjoin(
            Enrollment,
            and_(Enrollment.class_id == ClassSession.class_id,
                 Enrollment.user_id == bindparam("user_id")),
        )
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id,
                 Attendance.session_id == ClassSession.id),
        )
        .where(ClassSession.id == bindparam("session_id"))
    )


def load_for_checkin(
    session_id: int, user: User
) -> tuple[SessionView, AttendanceSettings, EnrolmentRow | None]:
    """The hot path's one read: session + class, the settings, the enrolment and its mark.

    The session with its class, attendance_settings and _enrolment_row, in one statement (the
    settings are read fresh every time: an admin's change applies to the next check-in).
    """
    found = db.session.connection().execute(  # plain rows: no ORM layer needed
        _checkin_read(), {"session_id": session_id, "user_id": user.id}
    ).first()
    if found is None:
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


@dataclass(frozen=True)
class _WriteStatements:
    count_session: Any
    insert_mark: Any
    count_enrolment: Any
    audit: Any


@functools.cache
def write_statements(dialect_name: str) -> _WriteStatements:
    """The four writes of a new check-in, built once per dialect (bound parameters only):
    building a statement per request cost more than running it on SQLite."""
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return _WriteStatements(
        count_session=update(sessions_table)
        .where(sessions_table.c.id == bindparam("session_id"))
        .values(marked_count=sessions_table.c.marked_count + 1),
        insert_mark=insert(attendances)
        .values(session_id=bindparam("session_id"), enrollment_id=bindparam("enrollment_id"),
                status=bindparam("status"), note="", method="checkin",
                marked_by_id=bindparam("marked_by_id"), marked_at=bindparam("marked_at"))
        .on_conflict_do_nothing(index_elements=["session_id", "enrollment_id"])
        .returning(attendances.c.id),
        count_enrolment=update(enrollments)
        .where(enrollments.c.id == bindparam("enrollment_id"))
        .values(attended_count=enrollments.c.attended_count + 1),
        audit=AuditLog.__table__.insert().values(
            at=bindparam("at"), actor_id=bindparam("actor_id"), action="attendance",
            object_type="enrollments", object_id=bindparam("object_id"),
            session_id=bindparam("session_id"), old_value=None, new_value=bindparam("new_value"),
            method="checkin",
        ),
    )

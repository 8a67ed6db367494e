"""Marking attendance: who may mark, when, and the one write path of the marks.

Every change of an attendance row goes through `write_marks` (roster, walk-in, import; the
check-in has its own lean insert-only path in checkin_sql.py): only rows whose status or note
differ from the database are written, and one audit entry is added per change. The counters
(Enrollment.attended/excused/absent_count, ClassSession.marked_count) are moved by the
database itself, in the same statement, whoever writes the rows (lms.reports.rollups.counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, bindparam, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key
from werkzeug.exceptions import NotFound

from lms.attendance.clock import (
    AttendanceSettings,
    attendance_settings,
    is_locked,
    local_now,
    starts,
)
from lms.attendance.models import STATUSES, Attendance
from lms.auth.models import User
from lms.classes.models import Class, ClassSession, class_instructors
from lms.core.actors import actor_id
from lms.core.models import AuditLog
from lms.core.text import nfc
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

NOTE_MAX = 500
MARK_METHODS = ("roster", "import", "walkin")

attendances = Attendance.__table__
enrollments = Enrollment.__table__
sessions_table = ClassSession.__table__


@dataclass(frozen=True)
class MarkResult:
    changed: int  # rows written (inserted + updated)
    inserted: int


def is_instructor_of(class_id: int, user: User) -> bool:
    """One statement: is the user among the class's instructors?"""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    class_instructors.c.class_id == class_id,
                    class_instructors.c.user_id == user.id,
                )
            )
        )
    )


def can_mark(klass: Class, *, actor: User) -> bool:
    return actor.is_director or (actor.is_instructor and is_instructor_of(klass.id, actor))


def require_marker(klass: Class, *, actor: User) -> None:
    """Instructors of this class and directors; for anyone else the class does not exist."""
    if not can_mark(klass, actor=actor):
        raise NotFound()


def check_markable(
    session: ClassSession,
    *,
    actor: User,
    reason: str | None,
    now: datetime,
    settings: AttendanceSettings,
) -> None:
    """Refuse marks on cancelled, closed, not yet open or (for non-directors) locked sessions."""
    klass = session.klass
    if session.is_cancelled or klass.is_cancelled:
        raise DomainError(_l("This session is cancelled: attendance cannot be taken."))
    if klass.closed_at is not None:
        raise DomainError(_l("The class has been closed out: its attendance can no longer change."))
    if now < starts(session) - timedelta(minutes=settings.checkin_opens_minutes):
        raise DomainError(_l("This session has not started yet: attendance cannot be taken."))
    if is_locked(session, settings, now):
        if not actor.is_director:
            raise DomainError(
                _l("Attendance of this session is locked. Only a director can change it now.")
            )
        if not reason:
            raise DomainError(
                _l("Attendance of this session is locked: give a reason for the change."),
                field="reason",
            )


def mark_attendance(
    session: ClassSession,
    marks: dict[int, tuple[str, str | None]],
    *,
    actor: User,
    method: str = "roster",
    reason: str | None = None,
    now: datetime | None = None,
) -> MarkResult:
    """Save marks {enrollment_id: (status, note)} for one session; write only what changed."""
    if method not in MARK_METHODS:
        raise ValueError(f"unknown method {method!r}")
    require_marker(session.klass, actor=actor)
    settings = attendance_settings()
    reason = nfc(reason) or None
    check_markable(session, actor=actor, reason=reason, now=now or local_now(), settings=settings)
    clean: dict[int, tuple[str, str]] = {}
    for enrollment_id, (status, note) in marks.items():
        if status not in STATUSES:
            raise DomainError(_l("Unknown attendance status."))
        note = nfc(note) or ""
        if len(note) > NOTE_MAX:
            raise DomainError(_l("A note can be at most 500 characters long."))
        clean[int(enrollment_id)] = (status, note)
    if not clean:
        return MarkResult(0, 0)
    return write_marks(session, clean, actor=actor, method=method, reason=reason)


def lock_session_row(session_id: int) -> None:
    """Serialise the writers of one session's attendance.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite (whose
    driver starts the transaction at the first write), so every read that follows sees the
    latest committed marks and no other writer of this session can interleave.
    """
    db.session.execute(
        update(sessions_table)
        .where(sessions_table.c.id == session_id)
        .values(marked_count=sessions_table.c.marked_count)
    )


def dialect_insert(table):
    """INSERT with ON CONFLICT support on the database in use (SQLite or PostgreSQL)."""
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def write_marks(
    session: ClassSession,
    marks: dict[int, tuple[str, str]],
    *,
    actor: User,
    method: str,
    reason: str | None = None,
    audit_method: str | None = None,
    marked_at: dict[int, datetime] | None = None,
    details: dict[int, dict] | None = None,
) -> MarkResult:
    """The write path after the checks: compare with the database, write only the changes.

    Marks sent later from an offline device (lms.attendance.offline) pass the time each was
    made on the device (`marked_at`, kept on the row: the later mark wins by it), how the audit
    log names them (`audit_method`: "offline"; a card scan is a mark by the staff audited as
    "scan") and what it keeps of each (`details`)."""
    lock_session_row(session.id)
    ids = list(marks)
    known = db.session.execute(
        select(enrollments.c.id, enrollments.c.class_id, enrollments.c.status,
               enrollments.c.enrolled_on).where(enrollments.c.id.in_(ids))
    ).all()
    valid = {
        row.id
        for row in known
        if row.class_id == session.class_id
        and row.status == "enrolled"
        and (row.enrolled_on is None or row.enrolled_on <= session.on_date)
    }
    if len(valid) != len(ids):
        raise DomainError(
            _l("Some of these people are not enrolled in this class for this session. "
               "Reload the page and try again.")
        )
    current = {
        row.enrollment_id: row
        for row in db.session.execute(
            select(attendances.c.id, attendances.c.enrollment_id, attendances.c.status,
                   attendances.c.note).where(
                attendances.c.session_id == session.id, attendances.c.enrollment_id.in_(ids)
            )
        )
    }
    now = utcnow()
    marker_id = actor_id(actor)
    times = marked_at or {}
    extra = details or {}
    to_insert, to_update, audit = [], [], []
    for enrollment_id, (status, note) in marks.items():
        old = current.get(enrollment_id)
        if old is not None and old.status == status and old.note == note:
            continue
        values = {"status": status, "note": note, "method": method,
                  "marked_by_id": marker_id, "marked_at": times.get(enrollment_id, now)}
        if old is None:
            to_insert.append({"session_id": session.id, "enrollment_id": enrollment_id, **values})
        else:
            to_update.append({"_id": old.id, **{f"_{k}": v for k, v in values.items()}})
        old_status = old.status if old is not None else None
        detail = {"note": note} if note or (old is not None and old.note) else {}
        detail.update(extra.get(enrollment_id, {}))
        audit.append({
            "at": now, "actor_id": marker_id, "action": "attendance",
            "object_type": "enrollments", "object_id": enrollment_id, "session_id": session.id,
            "old_value": old_status, "new_value": status, "method": audit_method or method,
            "reason": reason, "details": detail or None,
        })
    if not audit:
        return MarkResult(0, 0)
    if to_insert:
        inserted = _insert_new_marks(to_insert)
        if len(inserted) != len(to_insert):  # only a writer that skipped the lock gets here
            raise DomainError(
                _l("Someone else changed this attendance at the same moment. Reload and retry.")
            )
    if to_update:
        _update_marks(to_update)
    db.session.execute(AuditLog.__table__.insert(), audit)
    _expire_loaded(session, marks)
    return MarkResult(len(audit), len(to_insert))


def _insert_new_marks(rows: list[dict]) -> list:
    """INSERT the marks (one session, one writer), skipping any that exists;
    the enrolment ids inserted.

    On PostgreSQL the varying columns go as three arrays through unnest(): a VALUES list of 300
    rows (2,100 parameters) is many times slower through SQLAlchemy and psycopg
    (docs/benchmarks.md).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(
            dialect_insert(attendances)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["session_id", "enrollment_id"])
            .returning(attendances.c.enrollment_id)
        ).all()
    first = rows[0]
    marks = func.unnest(
        bindparam("_ids", [r["enrollment_id"] for r in rows], type_=postgresql.ARRAY(Integer)),
        bindparam("_statuses", [r["status"] for r in rows], type_=postgresql.ARRAY(String)),
        bindparam("_notes", [r["note"] for r in rows], type_=postgresql.ARRAY(String)),
        bindparam("_times", [r["marked_at"] for r in rows],
                  type_=postgresql.ARRAY(DateTime(timezone=True))),
    ).table_valued("enrollment_id", "status", "note", "marked_at").render_derived(name="marks")
    columns = attendances.c
    source = select(
        literal(first["session_id"], columns.session_id.type),
        marks.c.enrollment_id,
        marks.c.status,
        marks.c.note,
        literal(first["method"], columns.method.type),
        literal(first["marked_by_id"], columns.marked_by_id.type),
        marks.c.marked_at,
    )
    names = ["session_id", "enrollment_id", "status", "note", "method", "marked_by_id",
             "marked_at"]
    return db.session.execute(
        postgresql.insert(attendances)
        .from_select(names, source)
        .on_conflict_do_nothing(index_elements=["session_id", "enrollment_id"])
        .returning(attendances.c.enrollment_id)
    ).all()


def _update_marks(rows: list[dict]) -> None:
    """UPDATE the changed marks (one writer: method and marker alike; times per mark).

    On PostgreSQL one statement over arrays (unnest), not an executemany: the database moves
    the counters once per statement (a statement trigger), so 300 changes stay one UPDATE of
    the counters, not 300."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(
            update(attendances)
            .where(attendances.c.id == bindparam("_id"))
            .values(status=bindparam("_status"), note=bindparam("_note"),
                    method=bindparam("_method"), marked_by_id=bindparam("_marked_by_id"),
                    marked_at=bindparam("_marked_at")),
            rows,
        )
        return
    first = rows[0]
    marks = func.unnest(
        bindparam("_ids", [r["_id"] for r in rows], type_=postgresql.ARRAY(Integer)),
        bindparam("_statuses", [r["_status"] for r in rows], type_=postgresql.ARRAY(String)),
        bindparam("_notes", [r["_note"] for r in rows], type_=postgresql.ARRAY(String)),
        bindparam("_times", [r["_marked_at"] for r in rows],
                  type_=postgresql.ARRAY(DateTime(timezone=True))),
    ).table_valued("id", "status", "note", "marked_at").render_derived(name="marks")
    db.session.execute(
        update(attendances)
        .where(attendances.c.id == marks.c.id)
        .values(status=marks.c.status, note=marks.c.note, method=first["_method"],
                marked_by_id=first["_marked_by_id"], marked_at=marks.c.marked_at)
    )


def _expire_loaded(session: ClassSession, enrollment_ids) -> None:
    """Core statements bypass the ORM, and the database moved the counters: make
    already-loaded objects re-read them."""
    db.session.expire(session, ["marked_count"])
    identity_map = db.session.identity_map
    for enrollment_id in enrollment_ids:
        loaded = identity_map.get(identity_key(Enrollment, enrollment_id))
        if loaded is not None:
            db.session.expire(loaded, ["attended_count", "excused_count", "absent_count"])
    for obj in list(identity_map.values()):
        if isinstance(obj, Attendance) and obj.session_id == session.id:
            db.session.expire(obj)

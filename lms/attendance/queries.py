"""Read side of attendance: the roster of a session and its audit trail (bounded statements)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.classes.models import ClassSession
from lms.core.models import AuditLog
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.units.models import Unit


@dataclass(frozen=True)
class RosterRow:
    enrollment_id: int
    full_name: str
    search_name: str
    username: str
    unit_id: int | None
    unit_name: str
    status: str | None
    note: str
    method: str | None


def session_enrollments(session: ClassSession):
    """Enrolments that belong on this session's roster: enrolled, and enrolled by its date."""
    return and_(
        Enrollment.class_id == session.class_id,
        Enrollment.status == "enrolled",
        or_(Enrollment.enrolled_on.is_(None), Enrollment.enrolled_on <= session.on_date),
    )


def list_roster(session: ClassSession) -> list[RosterRow]:
    """Every trainee of the session with their current mark, sorted Vietnamese style: one query."""
    statement = (
        select(
            Enrollment.id,
            User.full_name,
            User.search_name,
            User.username,
            Unit.id.label("unit_id"),
            Unit.name.label("unit_name"),
            Attendance.status,
            Attendance.note,
            Attendance.method,
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(Unit, Unit.id == Enrollment.unit_id)
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id, Attendance.session_id == session.id),
        )
        .where(session_enrollments(session))
        .order_by(User.sort_key, User.id)
    )
    return [
        RosterRow(
            row.id, row.full_name, row.search_name, row.username, row.unit_id,
            row.unit_name or "", row.status, row.note or "", row.method,
        )
        for row in db.session.execute(statement)
    ]


@dataclass(frozen=True)
class AuditRow:
    at: object
    actor_name: str | None
    trainee_name: str | None
    old_value: str | None
    new_value: str | None
    method: str | None
    reason: str | None
    note: str | None
    superseded: bool = False  # an offline mark a later one beat: logged, never written


def list_session_audit(session_id: int, limit: int = 500) -> list[AuditRow]:
    """The session's attendance changes, newest first, with who did it and to whom: one query.

    The newest `limit` entries are chosen first and only they are joined to the names: the
    log only grows, and joining all of it before the limit made the page slower with every
    correction (figures: docs/benchmarks.md)."""
    actor = aliased(User)
    trainee = aliased(User)
    newest = (
        select(AuditLog.id)
        .where(AuditLog.session_id == session_id, AuditLog.action == "attendance")
        .order_by(AuditLog.id.desc())
        .limit(limit)
        .subquery()
    )
    statement = (  # columns, not AuditLog rows: 500 ORM objects cost more than the query
        select(
            AuditLog.at, actor.full_name, trainee.full_name, AuditLog.old_value,
            AuditLog.new_value, AuditLog.method, AuditLog.reason, AuditLog.details,
        )
        .join(newest, newest.c.id == AuditLog.id)
        .outerjoin(actor, actor.id == AuditLog.actor_id)
        .outerjoin(
            Enrollment,
            and_(AuditLog.object_type == "enrollments", Enrollment.id == AuditLog.object_id),
        )
        .outerjoin(trainee, trainee.id == Enrollment.user_id)
        .order_by(AuditLog.id.desc())
    )
    return [
        AuditRow(*row[:7], (row.details or {}).get("note"),
                 bool((row.details or {}).get("superseded")))
        for row in db.session.execute(statement)
    ]

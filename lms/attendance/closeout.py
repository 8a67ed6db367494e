"""Close-out of a class: every enrolment becomes completed or not completed by the class's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm.util import identity_key
from werkzeug.exceptions import NotFound

from lms.attendance.clock import has_started
from lms.attendance.grid import class_grid
from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.core import audit
from lms.core.actors import SystemActor, actor_id, require
from lms.core.clock import local_now
from lms.core.text import nfc
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

LIST_LIMIT = 30


@dataclass(frozen=True)
class Missing:
    full_name: str
    on_date: date
    starts_at: object
    topic: str


def list_missing_marks(klass: Class, now: datetime) -> tuple[int, list[Missing]]:
    """Enrolled trainees without a mark at a held session (the first few, and how many)."""
    held_ids = [
        s.id for s in klass.sessions if not s.is_cancelled and has_started(s, now)
    ]
    if not held_ids:
        return 0, []
    condition = and_(
        Enrollment.class_id == klass.id,
        Enrollment.status == "enrolled",
        ClassSession.id.in_(held_ids),
        or_(Enrollment.enrolled_on.is_(None), ClassSession.on_date >= Enrollment.enrolled_on),
        ~exists().where(
            Attendance.session_id == ClassSession.id, Attendance.enrollment_id == Enrollment.id
        ),
    )
    base = (
        select(Enrollment.id)
        .join(ClassSession, ClassSession.class_id == Enrollment.class_id)
        .join(User, User.id == Enrollment.user_id)
        .where(condition)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(
        base.with_only_columns(
            User.full_name, ClassSession.on_date, ClassSession.starts_at, ClassSession.topic
        )
        .order_by(ClassSession.on_date, ClassSession.starts_at, User.sort_key)
        .limit(LIST_LIMIT)
    )
    return total, [Missing(*row) for row in rows]


@dataclass(frozen=True)
class CloseOutResult:
    completed: int
    not_completed: int


def close_out(
    klass: Class, *, actor: User | SystemActor, now: datetime | None = None
) -> CloseOutResult:
    """Director action: refuse while sessions remain or marks are missing; else set outcomes."""
    try:
        require(actor, "director")
    except DomainError:  # for anyone else the class's attendance does not exist, as elsewhere
        raise NotFound() from None
    now = now or local_now()
    if klass.is_cancelled:
        raise DomainError(_l("A cancelled class cannot be closed out."))
    if klass.closed_at is not None:
        raise DomainError(_l("This class has already been closed out."))
    sessions = [s for s in klass.sessions if not s.is_cancelled]
    if not sessions:
        raise DomainError(_l("This class has no session: there is nothing to close out."))
    upcoming = [s for s in sessions if not has_started(s, now)]
    if upcoming:
        raise DomainError(
            _l("%(count)s session(s) have not taken place yet: wait for them or cancel them.",
               count=len(upcoming))
        )
    missing, _sample = list_missing_marks(klass, now)
    if missing:
        raise DomainError(
            _l("%(count)s attendance mark(s) are missing: every enrolled trainee must be marked "
               "at every session before close-out.", count=missing)
        )
    grid = class_grid(klass, now)
    stamp = utcnow()
    outcomes = [
        {"_id": row.enrollment_id,
         "_outcome": "completed" if row.summary.meets_rule else "not_completed"}
        for row in grid.rows
    ]
    if outcomes:
        table = Enrollment.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(outcome=bindparam("_outcome"), outcome_at=stamp),
            outcomes,
        )
    completed = sum(1 for o in outcomes if o["_outcome"] == "completed")
    klass.closed_at = stamp
    klass.closed_by_id = actor_id(actor)
    audit.record(
        "close_out", klass, actor=actor, new_value="closed",
        details={"completed": completed, "not_completed": len(outcomes) - completed},
    )
    db.session.flush()
    for row in grid.rows:  # loaded Enrollment objects re-read their outcome
        loaded = db.session.identity_map.get(identity_key(Enrollment, row.enrollment_id))
        if loaded is not None:
            db.session.expire(loaded, ["outcome", "outcome_at"])
    return CloseOutResult(completed, len(outcomes) - completed)


def reopen(klass: Class, reason: str, *, actor: User | SystemActor) -> None:
    """Director: reopen a closed-out class with a reason (audited), so that its marks and
    sessions can be corrected by the usual roles and locks. The outcomes stay as they were
    until the class is closed out again, which recomputes every one of them by the class's
    rule (DOMAIN.md "Corrections after close-out"). Certificates are never touched."""
    try:
        require(actor, "director")
    except DomainError:
        raise NotFound() from None
    reason = nfc(reason) or ""
    if not reason:
        raise DomainError(_l("Give the reason for reopening the class."), field="reason")
    if klass.is_cancelled:
        raise DomainError(_l("A cancelled class cannot be reopened."))
    if klass.closed_at is None:
        raise DomainError(_l("This class is not closed out."))
    old = klass.closed_at.isoformat()
    klass.closed_at = None
    klass.closed_by_id = None
    klass.reopened_at = utcnow()
    audit.record("class.reopen", klass, actor=actor, old_value=old, new_value="reopened",
                 reason=reason)
    db.session.flush()


@dataclass(frozen=True)
class Reopening:
    at: datetime
    by: str
    reason: str


def last_reopening(klass: Class) -> Reopening | None:
    """The latest time the class was reopened (from the audit log), for its pages."""
    row = db.session.execute(
        select(audit.AuditLog.at, User.full_name, audit.AuditLog.reason)
        .outerjoin(User, User.id == audit.AuditLog.actor_id)
        .where(audit.AuditLog.object_type == Class.__tablename__,
               audit.AuditLog.object_id == klass.id,
               audit.AuditLog.action == "class.reopen")
        .order_by(audit.AuditLog.id.desc())
        .limit(1)
    ).first()
    return Reopening(row[0], row[1] or "", row[2] or "") if row else None

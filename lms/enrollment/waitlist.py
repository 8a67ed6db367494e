"""Places on waitlists: the position of a waitlisted enrolment is one plus the number queued
before it in the same class (first come, first served: queued_at, then id), as the seats are
given (lms.enrollment.services.fill_from_waitlist)."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager

from lms.classes.models import Class
from lms.enrollment.models import Enrollment
from lms.extensions import db


def waitlist_positions(enrollment_ids) -> dict[int, int]:
    """enrolment id → its place on its class's waitlist (1 = next to get a seat): one
    statement. Enrolments that are not waitlisted are left out."""
    ids = list(enrollment_ids)
    if not ids:
        return {}
    ahead = Enrollment.__table__.alias("ahead")
    rows = db.session.execute(
        select(Enrollment.id, func.count(ahead.c.id) + 1)
        .outerjoin(
            ahead,
            and_(
                ahead.c.class_id == Enrollment.class_id,
                ahead.c.status == "waitlisted",
                (ahead.c.queued_at < Enrollment.queued_at)
                | ((ahead.c.queued_at == Enrollment.queued_at) & (ahead.c.id < Enrollment.id)),
            ),
        )
        .where(Enrollment.id.in_(ids), Enrollment.status == "waitlisted")
        .group_by(Enrollment.id)
    )
    return dict(rows.all())


def my_waitlist(user_id: int) -> list[tuple[Enrollment, int]]:
    """The person's waitlisted enrolments (classes not cancelled) with their places: two
    statements."""
    waiting = list(
        db.session.scalars(
            select(Enrollment)
            .join(Enrollment.klass)
            .options(contains_eager(Enrollment.klass))
            .where(
                Enrollment.user_id == user_id,
                Enrollment.status == "waitlisted",
                Class.cancelled_at.is_(None),
            )
            .order_by(Class.start_date, Class.id)
        )
    )
    positions = waitlist_positions(e.id for e in waiting)
    return [(e, positions.get(e.id, 0)) for e in waiting]

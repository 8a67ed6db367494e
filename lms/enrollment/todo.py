"""A trainee's next sessions, for the home page: one statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from lms.classes.models import Class, ClassSession
from lms.enrollment.models import Enrollment
from lms.extensions import db


def next_sessions(user_id: int, now: datetime, *, limit: int = 3) -> list[ClassSession]:
    """The next sessions (today's not yet over first) of the classes the person is enrolled in,
    with their classes."""
    today = now.date()
    enrolled = select(Enrollment.class_id).where(
        Enrollment.user_id == user_id, Enrollment.status == "enrolled"
    )
    return list(
        db.session.scalars(
            select(ClassSession)
            .join(ClassSession.klass)
            .options(contains_eager(ClassSession.klass))
            .where(
                ClassSession.class_id.in_(enrolled),
                ClassSession.cancelled_at.is_(None),
                Class.cancelled_at.is_(None),
                or_(
                    ClassSession.on_date > today,
                    and_(ClassSession.on_date == today, ClassSession.ends_at > now.time()),
                ),
            )
            .order_by(ClassSession.on_date, ClassSession.starts_at)
            .limit(limit)
        )
    )

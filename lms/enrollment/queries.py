"""Read-only queries of the enrollment pages: roster, "My classes", the calendar feed.

Each runs a fixed number of statements whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from lms.auth.models import User
from lms.classes.models import Class, ClassSession, class_instructors
from lms.classes.rules import is_class_instructor
from lms.core.clock import local_today
from lms.enrollment.models import Enrollment
from lms.enrollment.waitlist import waitlist_positions
from lms.extensions import db
from lms.units.models import Unit

ROSTER_SORTS = ("name", "unit", "status")
_STATUS_ORDER = case(
    {"enrolled": 0, "waitlisted": 1, "withdrawn": 2}, value=Enrollment.status, else_=3
)


def roster_class(class_id: int, viewer: User) -> Class | None:
    """The class whose roster this person may see: directors, and the class's instructors."""
    klass = db.session.scalar(
        select(Class).where(Class.id == class_id).options(selectinload(Class.instructors))
    )
    if klass is None:
        return None
    if viewer.is_director or is_class_instructor(klass, viewer):
        return klass
    return None


def list_roster(klass: Class, *, sort: str = "name", status: str | None = None) -> list[Enrollment]:
    """Enrolments with their person and recorded unit, sorted Vietnamese style: one query."""
    query = (
        select(Enrollment)
        .join(Enrollment.user)
        .join(Unit, Unit.id == Enrollment.unit_id)
        .where(Enrollment.class_id == klass.id)
        .options(contains_eager(Enrollment.user), contains_eager(Enrollment.unit))
    )
    if status:
        query = query.where(Enrollment.status == status)
    by_name = (User.sort_key, User.id)
    if sort == "unit":
        order = (Unit.name, *by_name)
    elif sort == "status":
        order = (_STATUS_ORDER, Enrollment.queued_at, *by_name)
    else:
        order = by_name
    return list(db.session.scalars(query.order_by(*order)).unique())


def enrollment_of(klass: Class, user: User) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.class_id == klass.id, Enrollment.user_id == user.id)
    )


def roster_counts(klass: Class) -> dict[str, int]:
    rows = db.session.execute(
        select(Enrollment.status, func.count())
        .where(Enrollment.class_id == klass.id)
        .group_by(Enrollment.status)
    )
    return dict(rows.all())


@dataclass
class MyClass:
    enrollment: Enrollment
    held: int  # sessions held (not cancelled, up to today) since the trainee's enrollment date
    waitlist_position: int | None = None


def my_enrollments(user: User) -> list[MyClass]:
    """The person's current enrolments (enrolled and waitlisted), newest class first."""
    today = local_today()
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .join(Enrollment.klass)
            .where(Enrollment.user_id == user.id, Enrollment.status != "withdrawn")
            .options(contains_eager(Enrollment.klass))
            .order_by(Class.start_date.desc())
        )
    )
    held = dict(
        db.session.execute(
            select(Enrollment.id, func.count(ClassSession.id))
            .join(
                ClassSession,
                and_(
                    ClassSession.class_id == Enrollment.class_id,
                    ClassSession.cancelled_at.is_(None),
                    ClassSession.on_date <= today,
                    ClassSession.on_date >= func.coalesce(Enrollment.enrolled_on, today),
                ),
            )
            .where(Enrollment.user_id == user.id, Enrollment.status == "enrolled")
            .group_by(Enrollment.id)
        ).all()
    )
    positions = waitlist_positions(e.id for e in enrollments if e.status == "waitlisted")
    return [MyClass(e, held.get(e.id, 0), positions.get(e.id)) for e in enrollments]


def upcoming_sessions(user: User, *, limit: int = 30) -> list[ClassSession]:
    """The next sessions of the classes this person is enrolled in or teaches."""
    today = local_today()
    return list(
        db.session.scalars(
            _sessions_of(user)
            .where(ClassSession.on_date >= today)
            .order_by(ClassSession.on_date, ClassSession.starts_at)
            .limit(limit)
        )
    )


def _sessions_of(user: User):
    enrolled = select(Enrollment.class_id).where(
        Enrollment.user_id == user.id, Enrollment.status == "enrolled"
    )
    teaching = select(class_instructors.c.class_id).where(class_instructors.c.user_id == user.id)
    return (
        select(ClassSession)
        .join(ClassSession.klass)
        .where(
            ClassSession.cancelled_at.is_(None),
            Class.cancelled_at.is_(None),
            ClassSession.class_id.in_(enrolled.union(teaching)),
        )
        .options(contains_eager(ClassSession.klass))
    )


def calendar_sessions(user: User, *, since: date) -> list[ClassSession]:
    return list(
        db.session.scalars(
            _sessions_of(user)
            .where(ClassSession.on_date >= since)
            .order_by(ClassSession.on_date, ClassSession.starts_at)
        )
    )


def taught_classes(user: User) -> list[Class]:
    """Classes this person teaches that are not over, for the instructor's part of the page."""
    if not user.is_instructor:
        return []
    return list(
        db.session.scalars(
            select(Class)
            .join(class_instructors, class_instructors.c.class_id == Class.id)
            .where(class_instructors.c.user_id == user.id, Class.end_date >= local_today())
            .order_by(Class.start_date)
        )
    )


def pending_promotions(user: User) -> list[Enrollment]:
    return list(
        db.session.scalars(
            select(Enrollment).where(
                Enrollment.user_id == user.id,
                Enrollment.status == "enrolled",
                Enrollment.promoted_at.is_not(None),
                Enrollment.promotion_seen.is_(False),
            )
        )
    )


def user_by_calendar_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(User).where(User.calendar_token == token, User.active.is_(True))
    )

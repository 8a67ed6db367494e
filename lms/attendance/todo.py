"""What is waiting on attendance, for the home pages: classes and sessions with marks missing,
classes waiting for close-out, an instructor's sessions of today and the next days.

Each function runs one or two statements whatever the number of classes (home-page tests
count them). A mark is "missing" as at close-out: an enrolled trainee, due at a session that
is not cancelled (enrolled on or before its day), without a mark. The home pages count only
sessions that have ended: one under way is still being marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from lms.attendance.models import Attendance
from lms.classes.models import Class, ClassSession, class_instructors
from lms.enrollment.models import Enrollment
from lms.extensions import db

LIMIT = 20  # rows of each list on a home page; the count says when there are more


@dataclass(frozen=True)
class ClassCount:
    klass: Class
    count: int


@dataclass(frozen=True)
class SessionCount:
    session: ClassSession  # with its class loaded
    count: int


def _open_classes():
    return and_(Class.closed_at.is_(None), Class.cancelled_at.is_(None))


def _ended(now: datetime):
    today = now.date()
    return or_(
        ClassSession.on_date < today,
        and_(ClassSession.on_date == today, ClassSession.ends_at <= now.time()),
    )


def _missing_pairs(now: datetime):
    """(session, enrolment) pairs without a mark, at ended sessions of open classes."""
    return (
        select(ClassSession.id, ClassSession.class_id)
        .join(Class, Class.id == ClassSession.class_id)
        .join(
            Enrollment,
            and_(
                Enrollment.class_id == ClassSession.class_id,
                Enrollment.status == "enrolled",
                or_(
                    Enrollment.enrolled_on.is_(None), Enrollment.enrolled_on <= ClassSession.on_date
                ),
            ),
        )
        .where(
            _open_classes(),
            ClassSession.cancelled_at.is_(None),
            _ended(now),
            ~exists().where(
                Attendance.session_id == ClassSession.id, Attendance.enrollment_id == Enrollment.id
            ),
        )
    )


def _taught_by(user_id: int):
    return select(class_instructors.c.class_id).where(class_instructors.c.user_id == user_id)


def missing_marks_by_class(now: datetime) -> dict[int, int]:
    """class id → marks missing at its ended sessions, for every open class: one statement."""
    pairs = _missing_pairs(now).subquery()
    rows = db.session.execute(
        select(pairs.c.class_id, func.count()).group_by(pairs.c.class_id)
    ).all()
    return dict(rows)


def load_classes(ids) -> dict[int, Class]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Class).where(Class.id.in_(list(ids))))}


def classes_with_missing_marks(
    missing: dict[int, int], classes: dict[int, Class]
) -> list[ClassCount]:
    """The classes of `missing_marks_by_class`, those that finished first."""
    rows = [ClassCount(classes[i], n) for i, n in missing.items() if i in classes]
    return sorted(rows, key=lambda r: (r.klass.start_date, r.klass.id))


def awaiting_close_out(today: date) -> list[tuple[int, date]]:
    """(class id, last session day) of open classes whose sessions are all over: one
    statement, the longest waiting first."""
    last = func.max(ClassSession.on_date)
    return [
        (class_id, day)
        for class_id, day in db.session.execute(
            select(ClassSession.class_id, last)
            .join(Class, Class.id == ClassSession.class_id)
            .where(_open_classes(), ClassSession.cancelled_at.is_(None))
            .group_by(ClassSession.class_id)
            .having(last < today)
            .order_by(last, ClassSession.class_id)
        )
    ]


def sessions_with_missing_marks(user_id: int, now: datetime) -> list[SessionCount]:
    """An instructor's ended sessions with marks missing (open classes): two statements."""
    pairs = _missing_pairs(now).where(ClassSession.class_id.in_(_taught_by(user_id))).subquery()
    counts = dict(
        db.session.execute(select(pairs.c.id, func.count()).group_by(pairs.c.id)).all()
    )
    if not counts:
        return []
    sessions = db.session.scalars(
        select(ClassSession)
        .join(ClassSession.klass)
        .options(contains_eager(ClassSession.klass))
        .where(ClassSession.id.in_(list(counts)))
        .order_by(ClassSession.on_date, ClassSession.starts_at)
        .limit(LIMIT)
    )
    return [SessionCount(s, counts[s.id]) for s in sessions]


def instructor_sessions(user_id: int, now: datetime, *, days: int = 14) -> list[ClassSession]:
    """The instructor's sessions today (also those over) and in the next `days` days, with
    their classes: one statement."""
    today = now.date()
    return list(
        db.session.scalars(
            select(ClassSession)
            .join(ClassSession.klass)
            .options(contains_eager(ClassSession.klass))
            .where(
                ClassSession.class_id.in_(_taught_by(user_id)),
                ClassSession.cancelled_at.is_(None),
                Class.cancelled_at.is_(None),
                ClassSession.on_date >= today,
                ClassSession.on_date <= today + timedelta(days=days),
            )
            .order_by(ClassSession.on_date, ClassSession.starts_at)
            .limit(LIMIT)
        )
    )

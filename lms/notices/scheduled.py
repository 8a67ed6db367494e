"""The scheduled notices, written by `flask --app wsgi lms send-reminders` (cron, every few
minutes): tomorrow's sessions to each trainee (one notice a day, whatever the number of
sessions) and, to instructors, yesterday's sessions whose attendance is incomplete.

Idempotent: each notice has the key (kind, person, day), unique in the database, and a row
whose key exists is left out (INSERT ... ON CONFLICT DO NOTHING): running the command twice,
or two copies at once, writes each notice once. People who turned reminders off get neither.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.classes.models import Class, ClassSession, class_instructors
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.notices.models import NoticePreference
from lms.notices.services import rows_for, session_values, write_rows


def _wants_reminders():
    """Users who did not turn reminders off (no preference row: on)."""
    return ~exists().where(
        NoticePreference.user_id == User.id, NoticePreference.reminders.is_(False)
    )


def _session_dict(session: ClassSession, klass: Class) -> dict:
    return session_values(session) | {
        "class_code": klass.code,
        "class_title": klass.title,
        "place": klass.place or "",
    }


def write_reminders(today: date) -> int:
    """One notice per trainee enrolled in a class with sessions tomorrow (not cancelled)."""
    tomorrow = today + timedelta(days=1)
    rows = db.session.execute(
        select(User, ClassSession, Class)
        .join(Enrollment, Enrollment.user_id == User.id)
        .join(Class, Class.id == Enrollment.class_id)
        .join(ClassSession, ClassSession.class_id == Class.id)
        .where(
            ClassSession.on_date == tomorrow,
            ClassSession.cancelled_at.is_(None),
            Class.cancelled_at.is_(None),
            Enrollment.status == "enrolled",
            User.active,
            _wants_reminders(),
        )
        .order_by(User.id, ClassSession.starts_at, ClassSession.id)
    ).all()
    people: dict[int, tuple[User, list[dict]]] = {}
    for user, session, klass in rows:
        people.setdefault(user.id, (user, []))[1].append(_session_dict(session, klass))
    out = []
    for user, sessions in people.values():
        params = {"day": tomorrow.isoformat(), "sessions": sessions}
        out += rows_for("reminder", [user], params, dedupe=f"reminder:{{user}}:{tomorrow}")
    return write_rows(out, unique=True)


def write_missing_marks(today: date) -> int:
    """One notice per instructor whose class had a session yesterday with enrolled trainees
    still not marked (enrolled that day or before; the session and class not cancelled)."""
    yesterday = today - timedelta(days=1)
    unmarked = (
        select(func.count(Enrollment.id))
        .where(
            Enrollment.class_id == ClassSession.class_id,
            Enrollment.status == "enrolled",
            or_(Enrollment.enrolled_on.is_(None), Enrollment.enrolled_on <= ClassSession.on_date),
            ~exists().where(
                and_(
                    Attendance.session_id == ClassSession.id,
                    Attendance.enrollment_id == Enrollment.id,
                )
            ),
        )
        .scalar_subquery()
    )
    sessions = db.session.execute(
        select(ClassSession, Class, unmarked)
        .join(Class, Class.id == ClassSession.class_id)
        .where(
            ClassSession.on_date == yesterday,
            ClassSession.cancelled_at.is_(None),
            Class.cancelled_at.is_(None),
            unmarked > 0,
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
    ).all()
    if not sessions:
        return 0
    by_class = defaultdict(list)
    for session, klass, missing in sessions:
        by_class[klass.id].append(_session_dict(session, klass) | {"missing": missing})
    teachers = db.session.execute(
        select(class_instructors.c.class_id, User)
        .join(User, User.id == class_instructors.c.user_id)
        .where(class_instructors.c.class_id.in_(list(by_class)), User.active, _wants_reminders())
    ).all()
    people: dict[int, tuple[User, list[dict]]] = {}
    for class_id, user in teachers:
        people.setdefault(user.id, (user, []))[1].extend(by_class[class_id])
    out = []
    for user, items in people.values():
        params = {"day": yesterday.isoformat(), "sessions": items}
        out += rows_for("marks_missing", [user], params, dedupe=f"marks_missing:{{user}}:{today}")
    return write_rows(out, unique=True)


def write_scheduled(now: datetime) -> tuple[int, int]:
    """Both kinds for the local day of `now`, from REMINDERS_FROM_HOUR on (none at night)."""
    if now.hour < current_app.config["REMINDERS_FROM_HOUR"]:
        return 0, 0
    today = now.date()
    return write_reminders(today), write_missing_marks(today)

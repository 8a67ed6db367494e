"""The class attendance grid (trainees × sessions) and a trainee's own attendance.

Both read the same few statements and compute rates with rules.summarise, like close-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import NotFound

from lms.attendance.clock import has_started
from lms.attendance.models import Attendance
from lms.attendance.rules import SessionMark, Summary, summarise
from lms.auth.models import User
from lms.classes.models import Class, ClassSession
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.units.models import Unit

# A cell outside the enrollment (a session before the enrollment date).
OUTSIDE = "outside"


@dataclass(frozen=True)
class GridRow:
    enrollment_id: int
    full_name: str
    username: str
    unit_name: str
    enrolled_on: date | None
    outcome: str | None
    cells: list[str | None]  # per session: a status, None (not yet marked), OUTSIDE or ""
    summary: Summary


@dataclass(frozen=True)
class Grid:
    klass: Class
    sessions: list[ClassSession]
    held: list[bool]
    rows: list[GridRow]

    @property
    def at_risk(self) -> int:
        return sum(1 for row in self.rows if row.summary.at_risk)

    @property
    def behind(self) -> int:
        return sum(1 for row in self.rows if row.summary.behind)


def list_sessions(class_id: int) -> list[ClassSession]:
    return list(
        db.session.scalars(
            select(ClassSession)
            .where(ClassSession.class_id == class_id)
            .order_by(ClassSession.on_date, ClassSession.starts_at, ClassSession.id)
        )
    )


def _marks_by_enrollment(class_id: int, enrollment_id: int | None = None):
    statement = (
        select(Attendance.enrollment_id, Attendance.session_id, Attendance.status)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.class_id == class_id)
    )
    if enrollment_id is not None:
        statement = statement.where(Attendance.enrollment_id == enrollment_id)
    marks: dict[int, dict[int, str]] = {}
    for eid, sid, status in db.session.execute(statement):
        marks.setdefault(eid, {})[sid] = status
    return marks


def _row_marks(sessions, held, own: dict[int, str]) -> list[SessionMark]:
    return [
        SessionMark(s.on_date, own.get(s.id), held=h, cancelled=s.is_cancelled)
        for s, h in zip(sessions, held, strict=True)
    ]


def _cells(sessions, held, own, enrolled_on) -> list[str | None]:
    cells: list[str | None] = []
    for s, h in zip(sessions, held, strict=True):
        if s.is_cancelled or not h:
            cells.append(own.get(s.id, ""))
        elif enrolled_on is not None and s.on_date < enrolled_on:
            cells.append(own.get(s.id, OUTSIDE))
        else:
            cells.append(own.get(s.id))
    return cells


def class_grid(klass: Class, now: datetime) -> Grid:
    """Every enrolled trainee's marks and rate: three statements whatever the size."""
    sessions = list_sessions(klass.id)
    held = [has_started(s, now) for s in sessions]
    marks = _marks_by_enrollment(klass.id)
    enrollments = db.session.execute(
        select(Enrollment.id, Enrollment.enrolled_on, Enrollment.outcome, User.full_name,
               User.username, Unit.name)
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(Unit, Unit.id == Enrollment.unit_id)
        .where(Enrollment.class_id == klass.id, Enrollment.status == "enrolled")
        .order_by(User.sort_key, User.id)
    )
    rows = []
    for eid, enrolled_on, outcome, full_name, username, unit_name in enrollments:
        own = marks.get(eid, {})
        summary = summarise(
            _row_marks(sessions, held, own), enrolled_on=enrolled_on,
            excused_rule=klass.excused_rule, min_pct=klass.min_attendance_pct,
        )
        rows.append(GridRow(eid, full_name, username, unit_name or "", enrolled_on, outcome,
                            _cells(sessions, held, own, enrolled_on), summary))
    return Grid(klass, sessions, held, rows)


@dataclass(frozen=True)
class MyAttendance:
    klass: Class
    enrollment: Enrollment
    sessions: list[ClassSession]
    cells: list[str | None]
    summary: Summary


def my_attendance(user: User, class_id: int, now: datetime) -> MyAttendance:
    """A trainee's own marks in one class; a class they are not enrolled in does not exist."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.class_id == class_id,
            Enrollment.user_id == user.id,
            Enrollment.status == "enrolled",
        )
    )
    if enrollment is None:
        raise NotFound()
    sessions = list_sessions(class_id)
    held = [has_started(s, now) for s in sessions]
    own = _marks_by_enrollment(class_id, enrollment.id).get(enrollment.id, {})
    klass = enrollment.klass
    summary = summarise(
        _row_marks(sessions, held, own), enrolled_on=enrollment.enrolled_on,
        excused_rule=klass.excused_rule, min_pct=klass.min_attendance_pct,
    )
    return MyAttendance(
        klass, enrollment, sessions, _cells(sessions, held, own, enrollment.enrolled_on), summary
    )


def my_classes(user: User) -> list[Enrollment]:
    return list(
        db.session.scalars(
            select(Enrollment)
            .join(Class, Class.id == Enrollment.class_id)
            .options(contains_eager(Enrollment.klass))
            .where(Enrollment.user_id == user.id, Enrollment.status == "enrolled")
            .order_by(Class.start_date.desc())
        )
    )

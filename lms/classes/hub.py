"""What the class hub shows: one class's sessions with their marks, its roster counts, what
still blocks its close-out (with names) and its certificates. A fixed number of statements
whatever the size of the class (tests/classes/test_hub.py counts them).

The hub is read-only: its buttons post to the pages that own each action (close-out,
certificates, enrolment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lms.attendance.clock import has_started
from lms.attendance.closeout import Reopening, last_reopening, list_missing_marks
from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.classes.models import Class, ClassSession
from lms.classes.rules import class_status, is_class_instructor
from lms.enrollment.models import Enrollment
from lms.enrollment.queries import roster_counts
from lms.extensions import db


@dataclass(frozen=True)
class SessionLine:
    """A session with how many of the trainees due at it have a mark."""

    session: ClassSession
    held: bool  # not cancelled and started: its attendance is due
    expected: int  # enrolled trainees due at it (enrolled on or before its day)
    marked: int

    @property
    def missing(self) -> int:
        return self.expected - self.marked if self.held else 0


@dataclass
class CloseOut:
    """Whether the class can be closed out, and if not, why (everything that blocks it)."""

    closed_at: datetime | None = None
    cancelled: bool = False
    no_sessions: bool = False
    upcoming: list[ClassSession] = field(default_factory=list)
    missing_total: int = 0
    # Sessions with marks missing: (session, how many, the first few names).
    missing_by_session: list[tuple[ClassSession, int, list[str]]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return (
            self.closed_at is None
            and not self.cancelled
            and not self.no_sessions
            and not self.upcoming
            and not self.missing_total
        )


@dataclass(frozen=True)
class Outcomes:
    completed: int = 0
    not_completed: int = 0
    issued: int = 0  # valid certificates of completed enrollments
    # Valid certificates of enrollments that are no longer completed (a close-out redone after
    # corrections): never revoked automatically, the director decides (DOMAIN.md).
    stale: int = 0

    @property
    def waiting(self) -> int:
        return self.completed - self.issued


@dataclass
class Hub:
    klass: Class
    status: str
    counts: dict[str, int]
    sessions: list[SessionLine]
    next_session: ClassSession | None
    close_out: CloseOut | None  # directors only
    outcomes: Outcomes | None  # directors only
    today: date | None = None
    reopened: Reopening | None = None  # the latest reopening after a close-out (audited)

    @property
    def seats_left(self) -> int | None:
        if self.klass.capacity is None:
            return None
        return max(self.klass.capacity - self.klass.enrolled_count, 0)

    @property
    def missing_total(self) -> int:
        return sum(line.missing for line in self.sessions)

    @property
    def held(self) -> int:
        return sum(1 for line in self.sessions if line.held)


def hub_class(class_id: int, viewer: User) -> Class | None:
    """The class with its sessions and instructors, if this person may open its hub:
    directors, and the class's instructors (anyone else: None, a 404)."""
    klass = db.session.scalar(
        select(Class)
        .where(Class.id == class_id)
        .options(selectinload(Class.sessions), selectinload(Class.instructors))
    )
    if klass is None or not (viewer.is_director or is_class_instructor(klass, viewer)):
        return None
    return klass


def _marks_per_session(klass: Class) -> dict[int, tuple[int, int]]:
    """session id → (trainees due, trainees marked): one aggregate statement. Due: enrolled,
    and enrolled on or before the session's day (the rule of the roster and of close-out)."""
    rows = db.session.execute(
        select(ClassSession.id, func.count(Enrollment.id), func.count(Attendance.id))
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
        .outerjoin(
            Attendance,
            and_(
                Attendance.session_id == ClassSession.id, Attendance.enrollment_id == Enrollment.id
            ),
        )
        .where(ClassSession.class_id == klass.id)
        .group_by(ClassSession.id)
    )
    return {session_id: (due, marked) for session_id, due, marked in rows}


def _outcomes(klass: Class) -> Outcomes:
    """Completed / not completed enrolments and their valid certificates: one statement."""
    rows = db.session.execute(
        select(Enrollment.outcome, func.count(Enrollment.id), func.count(Certificate.id))
        .outerjoin(
            Certificate,
            and_(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)),
        )
        .where(Enrollment.class_id == klass.id)
        .group_by(Enrollment.outcome)
    ).all()
    by_outcome = {outcome: (count, certificates) for outcome, count, certificates in rows}
    completed, issued = by_outcome.get("completed", (0, 0))
    stale = sum(certs for outcome, (_n, certs) in by_outcome.items() if outcome != "completed")
    return Outcomes(
        completed=completed,
        not_completed=by_outcome.get("not_completed", (0, 0))[0],
        issued=issued,
        stale=stale,
    )


def _close_out(klass: Class, lines: list[SessionLine], now: datetime) -> CloseOut:
    state = CloseOut(closed_at=klass.closed_at, cancelled=klass.is_cancelled)
    if klass.closed_at is not None or klass.is_cancelled:
        return state
    live = [line.session for line in lines if not line.session.is_cancelled]
    state.no_sessions = not live
    state.upcoming = [s for s in live if not has_started(s, now)]
    if any(line.missing for line in lines):
        state.missing_total, first = list_missing_marks(klass, now)
        names: dict[tuple, list[str]] = {}
        for item in first:  # in session order, then name order
            names.setdefault((item.on_date, item.starts_at), []).append(item.full_name)
        state.missing_by_session = [
            (
                line.session,
                line.missing,
                names.get((line.session.on_date, line.session.starts_at), []),
            )
            for line in lines
            if line.missing
        ]
    return state


def class_hub(klass: Class, viewer: User, now: datetime) -> Hub:
    """Everything the hub shows of a class loaded by hub_class (see the module)."""
    marks = _marks_per_session(klass)
    lines = []
    for session in klass.sessions:
        due, marked = marks.get(session.id, (0, 0))
        held = not session.is_cancelled and has_started(session, now)
        lines.append(SessionLine(session, held, due, marked))
    live = [s for s in klass.sessions if not s.is_cancelled]
    last = max((s.on_date for s in live), default=None)
    director = viewer.is_director
    return Hub(
        klass=klass,
        status=class_status(klass, now.date(), last),
        counts=roster_counts(klass),
        sessions=lines,
        next_session=next((s for s in live if not has_started(s, now)), None),
        close_out=_close_out(klass, lines, now) if director else None,
        outcomes=_outcomes(klass) if director else None,
        today=now.date(),
        reopened=last_reopening(klass),
    )

"""Sessions (buổi) of a class: add one, generate a series, edit, cancel; double-booking warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import notices
from lms.classes.models import Class, ClassSession
from lms.classes.rules import DIRECTORS_ONLY
from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.text import fold, nfc
from lms.core.types import utcnow
from lms.errors import DomainError
from lms.extensions import db

MAX_SERIES = 200  # a year of daily sessions is a mistake, not a schedule


@dataclass
class SessionData:
    on_date: date
    starts_at: time
    ends_at: time
    topic: str = ""
    room: str = ""


@dataclass
class SeriesData:
    first_date: date
    last_date: date
    starts_at: time
    ends_at: time
    weekdays: tuple[int, ...] = ()  # 0 = Monday; empty: every day
    topic: str = ""
    room: str = ""


@dataclass
class Conflict:
    """Another session at the same time that shares an instructor or the room."""

    session: ClassSession  # the session of this class
    other: ClassSession  # the overlapping one, in another class
    reason: str  # "room" or "instructor"
    who: str = ""  # the shared instructor's name


def _check_times(klass: Class, on_date: date, starts_at: time, ends_at: time) -> None:
    if ends_at <= starts_at:
        raise DomainError(_l("The session ends before it starts."), field="ends_at")
    if not klass.start_date <= on_date <= klass.end_date:
        raise DomainError(
            _l(
                "The session date %(day)s is outside the class dates (%(start)s – %(end)s).",
                day=on_date.strftime("%d/%m/%Y"),
                start=klass.start_date.strftime("%d/%m/%Y"),
                end=klass.end_date.strftime("%d/%m/%Y"),
            ),
            field="on_date",
        )


def _require_active(klass: Class) -> None:
    if klass.is_cancelled:
        raise DomainError(_l("This class is cancelled; it can no longer be changed."))


def add_session(klass: Class, data: SessionData, *, actor: Actor) -> ClassSession:
    """Add one session to a class."""
    require(actor, "director", message=DIRECTORS_ONLY)
    _require_active(klass)
    _check_times(klass, data.on_date, data.starts_at, data.ends_at)
    session = ClassSession(
        klass=klass,
        on_date=data.on_date,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        topic=data.topic or "",
        room=data.room or "",
    )
    db.session.add(session)
    db.session.flush()
    record("session.create", session, actor=actor, new_value=str(data.on_date))
    return session


def series_dates(data: SeriesData) -> list[date]:
    """Every chosen weekday (or every day) from the first to the last date, inclusive."""
    days = []
    day = data.first_date
    while day <= data.last_date and len(days) <= MAX_SERIES:
        if not data.weekdays or day.weekday() in data.weekdays:
            days.append(day)
        if day == date.max:  # 31/12/9999: no next day to step to
            break
        day += timedelta(days=1)
    return days


def generate_series(klass: Class, data: SeriesData, *, actor: Actor) -> list[ClassSession]:
    """Add a session on each chosen day between two dates, at the same times; all or nothing."""
    require(actor, "director", message=DIRECTORS_ONLY)
    _require_active(klass)
    if data.last_date < data.first_date:
        raise DomainError(_l("The last date is before the first date."), field="last_date")
    days = series_dates(data)
    if not days:
        raise DomainError(_l("No day between these dates matches the chosen weekdays."))
    if len(days) > MAX_SERIES:
        raise DomainError(_l("A series has at most %(n)d sessions.", n=MAX_SERIES))
    for day in (days[0], days[-1]):  # the rest lie between them
        _check_times(klass, day, data.starts_at, data.ends_at)
    sessions = [
        ClassSession(
            klass=klass,
            on_date=day,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            topic=data.topic or "",
            room=data.room or "",
        )
        for day in days
    ]
    db.session.add_all(sessions)
    db.session.flush()
    record("session.series", klass, actor=actor, new_value=str(len(sessions)))
    return sessions


def update_session(session: ClassSession, data: SessionData, *, actor: Actor) -> None:
    """Move or rename a session."""
    require(actor, "director", message=DIRECTORS_ONLY)
    _require_active(session.klass)
    if session.is_cancelled:
        raise DomainError(_l("This session is cancelled; it can no longer be changed."))
    _check_times(session.klass, data.on_date, data.starts_at, data.ends_at)
    old = f"{session.on_date} {session.starts_at:%H:%M}"
    session.on_date, session.starts_at, session.ends_at = data.on_date, data.starts_at, data.ends_at
    session.topic, session.room = data.topic or "", data.room or ""
    notices.session_changed(session)
    db.session.flush()
    record(
        "session.update",
        session,
        actor=actor,
        old_value=old,
        new_value=f"{session.on_date} {session.starts_at:%H:%M}",
    )


def cancel_session(
    session: ClassSession, reason: str, *, actor: Actor, marks_confirmed: int | None = None
) -> None:
    """Cancel one session with a reason: it leaves every attendance denominator, and its marks
    count nowhere (DOMAIN.md "Cancelled sessions never count"; the triggers move the counters).
    A session with marks is cancelled only once the director has confirmed how many marks it
    sets aside (`marks_confirmed`, the count shown to them)."""
    require(actor, "director", message=DIRECTORS_ONLY)
    reason = nfc(reason) or ""
    if not reason:
        raise DomainError(_l("Give the reason for cancelling."), field="reason")
    if session.is_cancelled:
        raise DomainError(_l("This session is already cancelled."))
    _require_open(session.klass)
    marks = marks_at(session)
    if marks and marks_confirmed != marks:
        raise MarksToConfirm(marks)
    session.cancelled_at = utcnow()
    session.cancel_reason = reason
    db.session.flush()
    record("session.cancel", session, actor=actor, reason=reason,
           details={"marks_set_aside": marks} if marks else None)
    notices.session_cancelled(session)


class MarksToConfirm(DomainError):
    """A session with marks: cancelling it sets them aside, and the director must say so."""

    def __init__(self, marks: int):
        super().__init__(
            _l("This session has %(n)d attendance mark(s): cancelling it sets them aside (they "
               "will count nowhere until the session is restored). Confirm to cancel.", n=marks)
        )
        self.marks = marks


def marks_at(session: ClassSession) -> int:
    """How many attendance marks the session holds (the counter the database keeps)."""
    return db.session.scalar(
        select(ClassSession.marked_count).where(ClassSession.id == session.id)
    ) or 0


def _require_open(klass: Class) -> None:
    # A closed-out class's outcomes were computed from its sessions: reopen it first, and
    # closing it out again recomputes them.
    if klass.closed_at is not None:
        raise DomainError(
            _l("The class has been closed out: reopen it before changing its sessions.")
        )


def restore_session(session: ClassSession, reason: str, *, actor: Actor) -> int:
    """Director: undo a session's cancellation, with a reason (audited). Its marks count
    again; returns how many."""
    require(actor, "director", message=DIRECTORS_ONLY)
    reason = nfc(reason) or ""
    if not reason:
        raise DomainError(_l("Give the reason for restoring the session."), field="reason")
    if not session.is_cancelled:
        raise DomainError(_l("This session is not cancelled."))
    _require_active(session.klass)
    _require_open(session.klass)
    old = session.cancel_reason
    session.cancelled_at = None
    session.cancel_reason = None
    db.session.flush()
    marks = marks_at(session)
    record("session.restore", session, actor=actor, reason=reason, old_value=old,
           details={"marks_restored": marks})
    return marks


def find_conflicts(klass: Class) -> list[Conflict]:
    """Sessions of other classes at overlapping times that share the room or an instructor.

    A warning for the director, not a refusal: a big hall may host two things, and an
    instructor may be listed on a class without teaching every session. Two queries.
    """
    mine = [s for s in klass.sessions if not s.is_cancelled]
    if not mine:
        return []
    others = db.session.scalars(
        select(ClassSession)
        .join(Class, Class.id == ClassSession.class_id)
        .where(
            ClassSession.on_date.in_({s.on_date for s in mine}),
            ClassSession.class_id != klass.id,
            ClassSession.cancelled_at.is_(None),
            Class.cancelled_at.is_(None),
        )
        .options(selectinload(ClassSession.klass).selectinload(Class.instructors))
    ).all()
    my_instructors = {i.id: i for i in klass.instructors}
    conflicts = []
    for session in mine:
        for other in others:
            if other.on_date != session.on_date or not (
                other.starts_at < session.ends_at and session.starts_at < other.ends_at
            ):
                continue
            if session.room and fold(session.room) == fold(other.room):
                conflicts.append(Conflict(session, other, "room"))
            for teacher in other.klass.instructors:
                if teacher.id in my_instructors:
                    conflicts.append(Conflict(session, other, "instructor", teacher.full_name))
    return conflicts


def load_class_with_sessions(class_id: int) -> Class | None:
    return db.session.scalar(
        select(Class)
        .where(Class.id == class_id)
        .options(selectinload(Class.sessions), selectinload(Class.instructors))
    )

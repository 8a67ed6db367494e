"""Self check-in with rotating codes: HMAC of a per-session secret and the 30-second time step.

No table of codes: the server recomputes the code of the current and the previous step
(the grace period), so a code photographed and sent away stops working within a minute.
The check-in itself is insert-only and lean: one read and one write (checkin_sql.py), no QR or
PDF work.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from lms.attendance.checkin_sql import (  # load_for_checkin: the view's entry point
    EnrollmentRow,
    SessionView,
    enrollment_columns,
    load_for_checkin,  # noqa: F401
    record_checkin,
)
from lms.attendance.clock import (
    AttendanceSettings,
    attendance_settings,
    ends,
    local_now,
    starts,
)
from lms.attendance.models import ATTENDED, Attendance
from lms.attendance.services import (
    require_marker,
)
from lms.auth.models import User
from lms.classes.models import ClassSession
from lms.core.labels import ATTENDANCE_STATUS_LABELS
from lms.core.types import utcnow
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db

STEP_SECONDS = 30
CODE_DIGITS = 6


class NotEnrolled(DomainError):
    """The person has no enrolment for this session (or the session does not exist)."""

    def __init__(self):
        super().__init__(_l("You are not enrolled in this class, so you cannot check in to it."))


class AlreadyCheckedIn(Exception):
    """A concurrent request of the same trainee won the insert: roll back, answer "already"."""

    def __init__(self, session: ClassSession | SessionView, status: str):
        super().__init__("already checked in")
        self.session = session
        self.status = status


@dataclass(frozen=True)
class CheckinResult:
    session: ClassSession | SessionView
    status: str  # present or late
    already: bool


def time_step(unix_time: float | None = None) -> int:
    return int(time.time() if unix_time is None else unix_time) // STEP_SECONDS


def code_for(secret: bytes, step: int) -> str:
    """The six-digit code of one time step: HMAC-SHA256(secret, str(step)), truncated."""
    digest = hmac.new(secret, str(step).encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def code_is_valid(secret: bytes | None, code: str, unix_time: float | None = None) -> bool:
    """The current code or the previous one (grace), compared in constant time."""
    if not secret:
        return False
    step = time_step(unix_time)
    valid = False
    for candidate in (step, step - 1):
        valid |= hmac.compare_digest(code_for(secret, candidate), code)
    return valid


def clean_code(raw: str | None) -> str:
    code = "".join((raw or "").split())
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise DomainError(_l("The check-in code has 6 digits."), field="code")
    return code


def open_checkin(session: ClassSession, *, actor: User) -> None:
    """Give the session its check-in secret (once): the projector can then show codes."""
    require_marker(session.klass, actor=actor)
    if session.is_cancelled or session.klass.is_cancelled:
        raise DomainError(_l("This session is cancelled: attendance cannot be taken."))
    if session.checkin_secret is None:
        session.checkin_secret = secrets.token_bytes(32)
        db.session.flush()


def qr_svg(url: str) -> str:
    """The QR code of a URL as inline SVG (no style attributes: the CSP allows it)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, border=2, omitsize=True,
        svgclass="qr", lineclass=None, title=None,
    )
    return buffer.getvalue().decode()


def count_checked_in(session_id: int) -> int:
    """Trainees present or late at the session (by any method): one statement."""
    return db.session.scalar(
        select(func.count()).select_from(Attendance).where(
            Attendance.session_id == session_id, Attendance.status.in_(ATTENDED)
        )
    ) or 0


def _window_error(
    session: ClassSession | SessionView, now: datetime, settings: AttendanceSettings
) -> DomainError | None:
    klass = session.klass
    if session.is_cancelled or klass.is_cancelled:
        return DomainError(_l("This session is cancelled: there is nothing to check in to."))
    if klass.closed_at is not None or session.checkin_secret is None:
        return DomainError(_l("Self check-in is not open for this session."))
    opens = starts(session) - timedelta(minutes=settings.checkin_opens_minutes)
    if now < opens:
        return DomainError(
            _l("Check-in for this session opens at %(time)s on %(date)s.",
               time=f"{opens:%H:%M}", date=f"{opens:%d/%m/%Y}")
        )
    if now > ends(session):
        return DomainError(_l("Check-in for this session has closed (the session has ended)."))
    return None


def _other_session_with_code(
    session: ClassSession | SessionView, code: str, now: datetime
) -> bool:
    """Only on the failure path: does the code belong to another session running today?"""
    secrets_today = db.session.scalars(
        select(ClassSession.checkin_secret).where(
            ClassSession.on_date == now.date(),
            ClassSession.id != session.id,
            ClassSession.checkin_secret.is_not(None),
        )
    )
    return any(code_is_valid(secret, code, now.timestamp()) for secret in secrets_today)


def _enrollment_row(session: ClassSession, user: User) -> EnrollmentRow | None:
    """The trainee's enrolment in the session's class and any mark already there: one statement."""
    found = db.session.execute(
        select(*enrollment_columns())
        .select_from(Enrollment)
        .outerjoin(
            Attendance,
            and_(Attendance.enrollment_id == Enrollment.id, Attendance.session_id == session.id),
        )
        .where(Enrollment.class_id == session.class_id, Enrollment.user_id == user.id)
    ).first()
    return EnrollmentRow(**found._mapping) if found is not None else None


def check_in(
    user: User,
    session: ClassSession | SessionView,
    raw_code: str | None,
    *,
    now: datetime | None = None,
    preloaded: tuple[AttendanceSettings, EnrollmentRow | None] | None = None,
) -> CheckinResult:
    """A trainee checks in with the code on the screen: present, or late after the delay.

    `preloaded` is the (settings, enrolment row) pair load_for_checkin read with the session.
    """
    now = now or local_now()
    code = clean_code(raw_code)
    if preloaded is None:
        settings, row = attendance_settings(), None
    else:
        settings, row = preloaded
    if preloaded is None:
        row = _enrollment_row(session, user)
    # Enrollment first: to anyone else a session answers as a missing one does (no oracle of
    # whether it exists or is open).
    if (row is None or row.status != "enrolled"
            or (row.enrolled_on is not None and row.enrolled_on > session.on_date)):
        raise NotEnrolled()
    error = _window_error(session, now, settings)
    if error is not None:
        raise error
    enrollment_id, marked = row.id, row.mark
    if marked in ATTENDED:
        return CheckinResult(session, marked, already=True)
    if marked is not None:
        raise DomainError(
            _l("Your attendance at this session is already recorded as “%(status)s”. "
               "Ask your instructor if this is wrong.",
               status=ATTENDANCE_STATUS_LABELS[marked])
        )
    if not code_is_valid(session.checkin_secret, code, now.timestamp()):
        if _other_session_with_code(session, code, now):
            raise DomainError(_l("This code belongs to another session."), field="code")
        raise DomainError(
            _l("This code is wrong or has expired. Type the code shown on the screen now."),
            field="code",
        )
    late_after = starts(session) + timedelta(minutes=settings.checkin_late_after_minutes)
    status = "late" if now > late_after else "present"
    if not record_checkin(session_id=session.id, enrollment_id=enrollment_id, user_id=user.id,
                          status=status, at=utcnow()):
        raise AlreadyCheckedIn(session, status)
    if isinstance(session, ClassSession):  # an ORM row: the database moved its count
        db.session.expire(session, ["marked_count"])
    return CheckinResult(session, status, already=False)


def checkin_candidates(user: User, today) -> list[ClassSession]:
    """Sessions of the trainee's classes today with self check-in open: one statement."""
    return list(
        db.session.scalars(
            select(ClassSession)
            .join(Enrollment, Enrollment.class_id == ClassSession.class_id)
            .options(joinedload(ClassSession.klass))
            .where(
                Enrollment.user_id == user.id,
                Enrollment.status == "enrolled",
                ClassSession.on_date == today,
                ClassSession.cancelled_at.is_(None),
                ClassSession.checkin_secret.is_not(None),
            )
            .order_by(ClassSession.starts_at)
        )
    )


def find_session_by_code(user: User, raw_code: str | None, now: datetime) -> ClassSession:
    """For the "type the code" page: the trainee's session today whose code this is."""
    code = clean_code(raw_code)
    candidates = checkin_candidates(user, now.date())
    for session in candidates:
        if code_is_valid(session.checkin_secret, code, now.timestamp()):
            return session
    others = db.session.scalars(
        select(ClassSession).options(joinedload(ClassSession.klass)).where(
            ClassSession.on_date == now.date(), ClassSession.checkin_secret.is_not(None)
        )
    )
    for session in others:
        if code_is_valid(session.checkin_secret, code, now.timestamp()):
            return session  # check_in then says "not enrolled" (or why else it refuses)
    raise DomainError(
        _l("This code is wrong or has expired. Type the code shown on the screen now."),
        field="code",
    )

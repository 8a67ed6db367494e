"""When a session starts, ends and locks (on the center's wall clock, lms.core.clock) and the
center settings that govern check-in and locking. "Now" and "today" come from lms.core.clock
(local_now is imported here only for the modules that still import it from this one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.classes.models import ClassSession
from lms.core.clock import (
    local_now,  # noqa: F401  (re-exported for services.py, checkin.py, views_checkin.py)
    local_zone,
)
from lms.core.settings import get_settings


@dataclass(frozen=True)
class AttendanceSettings:
    checkin_opens_minutes: int = 30
    checkin_late_after_minutes: int = 15
    lock_after_hours: int = 48


def attendance_settings() -> AttendanceSettings:
    """The three durations from the center settings (one statement, cached per request)."""
    row = get_settings()
    return AttendanceSettings(
        row.checkin_opens_minutes, row.checkin_late_after_minutes, row.lock_after_hours
    )


def starts(session: ClassSession) -> datetime:
    return datetime.combine(session.on_date, session.starts_at, tzinfo=local_zone())


def ends(session: ClassSession) -> datetime:
    return datetime.combine(session.on_date, session.ends_at, tzinfo=local_zone())


def locks_at(session: ClassSession, settings: AttendanceSettings) -> datetime:
    return ends(session) + timedelta(hours=settings.lock_after_hours)


def is_locked(session: ClassSession, settings: AttendanceSettings, now: datetime) -> bool:
    return now >= locks_at(session, settings)


def has_started(session: ClassSession, now: datetime) -> bool:
    return now >= starts(session)

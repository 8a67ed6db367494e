"""A class with an instructor, a session happening now (local time) and enrolled trainees."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from lms.extensions import db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE)


def session_times_around_now(started_minutes_ago: int = 60) -> tuple:
    """A session that started a while ago (or at midnight) and ends two hours from now."""
    now = datetime.now(ZONE)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - timedelta(minutes=started_minutes_ago), midnight)
    end = min(now + timedelta(hours=2), now.replace(hour=23, minute=59, second=0, microsecond=0))
    return now.date(), time(start.hour, start.minute), time(end.hour, end.minute)


@dataclass
class Room:
    klass: object
    session: object
    instructor: object
    trainees: list = field(default_factory=list)
    enrollments: list = field(default_factory=list)


@pytest.fixture
def room(make):
    """A class running today: one instructor, a session now, three enrolled trainees."""
    day, starts, ends = session_times_around_now()
    instructor = make.instructor(full_name="Lê Thị Thu Hà")
    klass = make.klass(start_date=day, instructors=[instructor])
    session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
    result = Room(klass, session, instructor)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường"):
        trainee = make.trainee(full_name=name)
        result.trainees.append(trainee)
        result.enrollments.append(make.enrollment(klass, trainee))
    db.session.commit()
    return result


@pytest.fixture
def opened(room):
    """The room with its session open for self check-in (a secret, a rotating code)."""
    from lms.attendance import checkin

    checkin.open_checkin(room.session, actor=room.instructor)
    db.session.commit()
    return room


class StatementCounter:
    def __init__(self):
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany):
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_statements(app):
    """with count_statements() as counter: ...; counter.count"""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting

"""A closed-out class to correct (tests/classes/test_corrections*.py)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from lms.attendance.closeout import close_out
from lms.attendance.services import mark_attendance
from lms.extensions import db

Y = 2019
LATER = datetime(Y, 4, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # after every session


@pytest.fixture
def world(make):
    """One class (rule 80%), two past sessions, three trainees A, B, C:
    s1: A present, B present, C absent; s2: A present, B absent, C absent. Closed out."""
    director = make.director()
    klass = make.klass(start_date=date(Y, 3, 5), end_date=date(Y, 3, 12), min_attendance_pct=80)
    s1 = make.session(klass, on_date=date(Y, 3, 5), starts_at=time(8), ends_at=time(11))
    s2 = make.session(klass, on_date=date(Y, 3, 12), starts_at=time(8), ends_at=time(11))
    a, b, c = (make.enrollment(klass, enrolled_on=date(Y, 3, 1)) for _ in range(3))
    for session, statuses in ((s1, ("present", "present", "absent")),
                              (s2, ("present", "absent", "absent"))):
        marks = {e.id: (st, "") for e, st in zip((a, b, c), statuses, strict=True)}
        mark_attendance(session, marks, actor=director, reason="Sổ giấy", now=LATER)
    close_out(klass, actor=director, now=LATER)
    db.session.commit()
    return klass, s1, s2, (a, b, c), director



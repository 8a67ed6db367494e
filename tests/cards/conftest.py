"""A class running now: its instructor, a session in progress, three enrolled trainees with
check-in cards; another class with its own instructor and trainee."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest

from lms.cards.services import issue_cards
from lms.core.actors import SYSTEM
from lms.extensions import db
from tests.attendance.conftest import ZONE


@dataclass
class Door:
    klass: object
    session: object
    instructor: object
    director: object
    trainees: list = field(default_factory=list)
    enrollments: list = field(default_factory=list)
    cards: dict = field(default_factory=dict)  # user id → card
    other_class: object = None
    other_instructor: object = None
    outsider: object = None  # enrolled in the other class only
    starts: datetime = None


@pytest.fixture
def door(make):
    now = datetime.now(ZONE).replace(second=0, microsecond=0)
    # The session starts now (a scan right away is "present"); near midnight it starts
    # earlier, so that the tests' scans up to 40 minutes after its start stay in its day.
    start = min(now, now.replace(hour=23, minute=19))
    end = min(start + timedelta(hours=2), now.replace(hour=23, minute=59))
    instructor = make.instructor(full_name="Lê Thị Thu Hà")
    director = make.director(full_name="Vũ Văn Giám")
    unit = make.unit(name="Phường Hoàng Liệt")
    klass = make.klass(start_date=now.date(), instructors=[instructor])
    session = make.session(klass, on_date=now.date(), starts_at=time(start.hour, start.minute),
                           ends_at=time(end.hour, end.minute))
    door = Door(klass, session, instructor, director, starts=start)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường"):
        trainee = make.trainee(full_name=name, unit=unit)
        door.trainees.append(trainee)
        door.enrollments.append(make.enrollment(klass, trainee))
    door.other_instructor = make.instructor(full_name="Phạm Thị Dạy")
    door.other_class = make.klass(start_date=now.date(), instructors=[door.other_instructor])
    door.outsider = make.trainee(full_name="Hoàng Thị Ngoài", unit=unit)
    make.enrollment(door.other_class, door.outsider)
    db.session.flush()
    door.cards = issue_cards([*door.trainees, door.outsider], actor=SYSTEM)
    db.session.commit()
    return door

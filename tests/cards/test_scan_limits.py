"""Card numbers cannot be guessed at the door: unknown codes are limited per scanning user,
and so are all scans (a stuck scanner loop); the limits do not stop a normal queue."""

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.extensions import db


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_SCAN": "6 per minute",
            "RATELIMIT_SCAN_UNKNOWN": "3 per minute"}


def scan(client, session, code):
    return client.post(f"/sessions/{session.id}/scan", data={"code": code},
                       headers={"Accept": "application/json"})


def test_guessing_numbers_is_stopped_but_the_other_scanner_goes_on(door, client, login, make):
    login(door.instructor)
    answers = [scan(client, door.session, f"1000000{i}") for i in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert answers[3].json["kind"] == "busy"
    # Even a real card is refused while the guesser is limited: nothing is recorded.
    blocked = scan(client, door.session, door.cards[door.trainees[0].id].code)
    assert blocked.status_code == 429
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    # The limit is per person: the clerk at the other door scans on.
    client.post("/logout")
    login(door.director)
    assert scan(client, door.session, door.cards[door.trainees[0].id].code).json["kind"] == (
        "recorded")


def test_all_scans_of_one_user_are_limited(door, client, login):
    login(door.instructor)
    code = door.cards[door.trainees[0].id].code
    statuses = [scan(client, door.session, code).status_code for _ in range(8)]
    assert statuses == [200] * 6 + [429, 429]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1

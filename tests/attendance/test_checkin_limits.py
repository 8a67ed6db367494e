"""Codes cannot be brute-forced: check-in attempts are rate-limited per user and per session."""

import pytest

from lms.attendance import checkin
from lms.extensions import db


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHECKIN": "5 per minute",
        "RATELIMIT_CHECKIN_SESSION_FAILURES": "8 per minute",
    }


@pytest.fixture
def opened(room):
    checkin.open_checkin(room.session, actor=room.instructor)
    db.session.commit()
    return room


def wrong_code(session):
    right = {checkin.code_for(session.checkin_secret, checkin.time_step() - i) for i in (0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def test_one_user_is_limited(opened, client, login):
    login(opened.trainees[0])
    url = f"/checkin/{opened.session.id}"
    codes = [client.post(url, data={"code": wrong_code(opened.session)}).status_code
             for _ in range(7)]
    assert codes[:5] == [422] * 5
    assert codes[5:] == [429, 429]


def test_failed_attempts_are_limited_per_session_across_users(opened, client, login, make):
    session = opened.session
    url = f"/checkin/{session.id}"
    trainees = [make.trainee() for _ in range(3)]
    for trainee in trainees:
        make.enrollment(opened.klass, trainee)
    db.session.commit()
    codes = []
    for trainee in trainees:
        login(trainee)
        codes += [client.post(url, data={"code": wrong_code(session)}).status_code
                  for _ in range(4)]
        client.post("/logout")
    assert codes[:8] == [422] * 8
    assert 429 in codes[8:]


def test_the_typed_code_page_has_no_shared_failure_limit(opened, client, login, make):
    # Wrong codes typed by many people must not lock the typed-code page for everyone: only
    # each person's own limit applies there (the per-session limit guards a QR address).
    trainees = [make.trainee() for _ in range(3)]
    for trainee in trainees:
        make.enrollment(opened.klass, trainee)
    db.session.commit()
    codes = []
    for trainee in trainees:
        login(trainee)
        codes += [client.post("/checkin", data={"code": wrong_code(opened.session)}).status_code
                  for _ in range(4)]
        client.post("/logout")
    assert codes == [422] * 12

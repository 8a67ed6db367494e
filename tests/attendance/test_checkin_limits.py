"""Codes cannot be brute-forced: check-in attempts are rate-limited per user and per session."""

import time
import uuid

import pytest
import redis

from lms.attendance import checkin
from lms.extensions import db, limiter
from tests.auth.test_shared_limits import REDIS_URL, _redis_up
from tests.conftest import PG_URL, make_app


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHECKIN": "5 per minute",
        "RATELIMIT_CHECKIN_SESSION_FAILURES": "8 per minute",
    }


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


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
@pytest.mark.skipif(bool(PG_URL), reason="on PostgreSQL the two extra apps left a pooled "
                    "connection to the garbage collector (to find); the storage is the same")
def test_with_redis_two_instances_share_a_trainees_limit(opened, make, tmp_path):
    # The check-in counts its limits directly (lms.ratelimit), in the configured storage.
    trainee = opened.trainees[0]
    prefix = uuid.uuid4().hex  # keys of its own in the shared store
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_CHECKIN": "3 per minute",
              "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = (make_app(tmp_path, **config) for _ in range(2))
    codes = []
    for instance in (first, second, first, second):
        with instance.app_context():
            client = instance.test_client()
            with client.session_transaction() as session:
                session.update({"_user_id": trainee.session_token, "auth_at": int(time.time()),
                                "seen_at": int(time.time())})
            url = f"/checkin/{opened.session.id}"
            codes.append(client.post(url, data={"code": wrong_code(opened.session)}).status_code)
    assert codes == [422, 422, 422, 429]
    assert redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}/checkin-user*")  # counted in Redis
    for instance in (first, second):
        with instance.app_context():
            limiter.reset()
            db.engine.dispose()

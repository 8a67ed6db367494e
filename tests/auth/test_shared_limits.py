"""With LMS_REDIS_URL set, rate limits are shared by every worker and instance."""

import uuid

import pytest
import redis

from lms.extensions import db, limiter
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_two_instances_share_the_sign_in_limit(app, make, tmp_path):
    make.user(username="hoa")
    db.session.commit()
    name = f"hoa-{uuid.uuid4().hex[:6]}"  # a key of its own in the shared store
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN_ACCOUNT_ADDRESS": "3 per minute",
        "REDIS_URL": REDIS_URL,
    }
    first, second = (make_app(tmp_path, **config) for _ in range(2))
    codes = []
    for instance in (first, second, first, second, first):
        with instance.app_context():
            client = instance.test_client()
            codes.append(client.post("/login", data={"login": name, "password": "x"}).status_code)
    assert codes == [200, 200, 200, 429, 429]
    # The counter lives in Redis, where every worker process and instance reads it.
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{name}*")
    assert keys, "the sign-in counter is not in Redis"
    with first.app_context():
        limiter.reset()
    for instance in (first, second):  # close their pooled connections now, not at GC time
        with instance.app_context():
            db.engine.dispose()

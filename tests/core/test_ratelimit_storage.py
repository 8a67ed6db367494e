"""The default rate-limit storage (memory://, per process): counts, refuses and forgets."""

import time

from limits import parse, strategies
from limits.storage import storage_from_string


def test_counts_refuses_and_forgets(app):
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    limiter = strategies.FixedWindowRateLimiter(storage)
    limit = parse("2 per second")
    assert limiter.hit(limit, "trainee-1")
    assert limiter.hit(limit, "trainee-1")
    assert not limiter.hit(limit, "trainee-1")  # the third in the window is refused
    assert limiter.hit(limit, "trainee-2")  # per key
    time.sleep(1.1)
    assert limiter.hit(limit, "trainee-1")  # a new window
    time.sleep(0.1)  # memory:// sweeps expired counters on a timer a few ms after a hit
    assert "trainee-2" not in storage.storage  # swept: memory stays bounded

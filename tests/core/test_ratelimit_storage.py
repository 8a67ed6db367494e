"""The default rate-limit storage: memory:// counters without a timer thread per hit."""

import threading
import time

from limits import parse, strategies
from limits.storage import storage_from_string

from lms.attendance.fastpath import LeanMemoryStorage


def test_counts_refuses_and_forgets_like_memory_storage_without_starting_threads():
    storage = storage_from_string("lms-memory://")
    assert isinstance(storage, LeanMemoryStorage)
    storage.timer.join(timeout=5)  # the one memory:// starts in its constructor, cancelled
    limiter = strategies.FixedWindowRateLimiter(storage)
    limit = parse("2 per second")
    threads = threading.active_count()
    assert limiter.hit(limit, "trainee-1")
    assert not storage.timer.is_alive()  # memory:// would have started a 10 ms timer here
    assert limiter.hit(limit, "trainee-1")
    assert not limiter.hit(limit, "trainee-1")  # the third in the window is refused
    assert limiter.hit(limit, "trainee-2")  # per key
    assert threading.active_count() == threads
    time.sleep(1.1)
    assert limiter.hit(limit, "trainee-1")  # a new window
    assert "trainee-2" not in storage.storage  # swept: memory stays bounded

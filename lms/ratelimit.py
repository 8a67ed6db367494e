"""In-process rate-limit storage without a timer thread (the default when no Redis is set).

limits' MemoryStorage restarts a threading.Timer (10 ms) on every hit to drop expired
counters. Under load that is a new thread every few requests: measured on the check-in
path under gunicorn, ~13% of request time went to Thread.start alone. This subclass keeps
the same counters and the same windows (MemoryStorage.get already drops an expired counter
when it is read), and sweeps the other expired entries inline at most once a second, so
memory stays bounded and no thread is started. Limits are exactly as strict as before.
"""

from __future__ import annotations

import functools
import time

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

from lms.extensions import limiter

SWEEP_SECONDS = 1.0


class LeanMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["lms-memory"]  # registered with `limits` by its metaclass

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the base class starts one; it is never restarted here
        self._next_sweep = 0.0

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.timer.cancel()

    # Overrides MemoryStorage's private __schedule_expiry (name-mangled), called on every hit.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()


# --- direct limits for the hottest route -------------------------------------------------------
#
# Flask-Limiter's decorator resolves, filters and evaluates its limits through many layers on
# every request: measured on the check-in POST, ~200 µs of ~1.3 ms (15%) went there. These two
# functions count in the same storage with the same strategy (Redis when configured, otherwise
# this module's in-process storage) and leave the rest of the app on the decorator.


@functools.lru_cache(maxsize=32)
def _items(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _key(*parts: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return (prefix, *parts) if prefix else parts


def hit(limits: str, *key: str) -> bool:
    """Count one attempt for `key` against each of `limits` ("10 per minute; 50 per hour");
    False if one of them was already used up (then the others are not counted)."""
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    return all(strategy.hit(item, *_key(*key)) for item in _items(limits))


def within(limits: str, *key: str) -> bool:
    """Whether one more attempt for `key` is allowed, without counting it."""
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    return all(strategy.test(item, *_key(*key)) for item in _items(limits))

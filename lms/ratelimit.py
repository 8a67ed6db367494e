"""Direct rate limits for the hottest route (the check-in POST), in Flask-Limiter's storage.

Flask-Limiter's decorator resolves, filters and evaluates its limits through many layers on
every request (its cost on the check-in POST: docs/benchmarks.md). These two functions count in
the same storage with the same strategy (Redis when configured, otherwise the in-process
storage of lms.attendance.fastpath) and leave the rest of the app on the decorator.
"""

from __future__ import annotations

import functools

from flask import current_app
from limits import RateLimitItem, parse_many

from lms.extensions import limiter


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

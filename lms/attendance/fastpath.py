"""The speed tuning the self check-in keeps, in one place (its figures: docs/benchmarks.md).

The QR code's POST is the request hundreds of trainees send within a few minutes. Measured
against the bare Flask read (`make bench BENCH="--only checkin"`) and in one process
(scripts/bench_checkin_inprocess.py), two costs of the plain way were each a large share of a
check-in's time and are avoided here:

- `LeanMemoryStorage`: the rate-limit counters in process memory (the default without Redis)
  without `limits`' MemoryStorage timer thread. That storage starts a new threading.Timer on a
  hit whenever the last one ended (10 ms), so a busy worker starts a thread every few requests
  and waits for it to run. This subclass keeps the same counters and windows (an expired
  counter is dropped when read) and sweeps the other expired entries inline at most once a
  second: memory stays bounded, no thread is started, limits are exactly as strict. It
  overrides a private method of `limits` (`_MemoryStorage__schedule_expiry`): the test
  tests/core/test_ratelimit_storage.py fails if a new `limits` changes it.
- `done_page`: the answer page, rendered once per distinct content and reused (the trainees of
  one session get the same page). The key holds every value the template prints, so a changed
  title, time or room renders anew: never stale. Nothing personal is on the page.
"""

from __future__ import annotations

import time

from flask import render_template
from limits.storage import MemoryStorage

from lms.core.i18n import select_locale

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


_DONE_PAGES: dict[tuple, str] = {}
_DONE_PAGES_MAX = 512


def done_page(session, status: str, *, already: bool) -> str:
    """The check-in's answer page for `session` (an ORM row or a checkin_sql.SessionView)."""
    key = (
        session.id, session.class_id, session.klass.title, session.on_date, session.starts_at,
        session.ends_at, session.topic, session.room, status, already, select_locale(),
    )
    page = _DONE_PAGES.get(key)
    if page is None:
        page = render_template(
            "attendance/checkin_done.html", session=session, status=status, already=already
        )
        if len(_DONE_PAGES) >= _DONE_PAGES_MAX:
            _DONE_PAGES.clear()
        _DONE_PAGES[key] = page
    return page

"""Run a unit of work and commit it, again if the database asks us to.

PostgreSQL aborts one of two transactions that collide (serialization failure 40001, deadlock
40P01); SQLite says "database is locked" when its busy timeout runs out. Neither means the
request was wrong: rolling back and running the same work again usually succeeds. The hot paths
(enrolment, certificate numbers, check-in) go through run_with_retries; after the last attempt
the user gets a clear "busy, try again" message (BusyError, a DomainError), never a 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from lms.errors import BusyError, is_retryable
from lms.extensions import db

__all__ = ["BusyError", "is_retryable", "run_with_retries"]

T = TypeVar("T")


def run_with_retries(work: Callable[[], T], attempts: int = 3) -> T:
    """Run work() and commit. On a serialization failure, a deadlock or a locked SQLite
    database: roll back and run work() again, at most `attempts` times in all, with a short
    growing pause between attempts. Then raise BusyError. Other errors roll back and pass
    through (DomainError included). work() must re-read what it needs: after a rollback the
    session's objects are expired."""
    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            if not is_retryable(error):
                raise
            if attempt == attempts - 1:
                raise BusyError() from error
            time.sleep(0.02 * 2**attempt)
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("attempts must be at least 1")

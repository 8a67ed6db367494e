"""SQLite: WAL journal and a busy timeout, so concurrent writers wait for each other instead of
failing with "database is locked", and readers are never blocked by a writer."""

import threading
import time

import pytest
from sqlalchemy import text

from lms.extensions import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite only")


def test_every_connection_uses_wal_and_waits_when_busy(app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_two_writers_at_once_both_succeed_and_readers_are_not_blocked(app, make):
    first, second = make.klass().id, make.klass().id
    db.session.commit()
    engine = db.engine
    holding = threading.Event()
    results: dict[str, object] = {}

    def long_writer():
        try:
            with engine.begin() as connection:
                connection.execute(text("UPDATE classes SET title = 'one' WHERE id = :id"),
                                   {"id": first})
                holding.set()
                time.sleep(1.0)  # a long transaction: a 300-mark save on a slow disk
            results["long"] = "ok"
        except Exception as error:  # reported by the assertions
            results["long"] = error

    def second_writer():
        holding.wait(10)
        started = time.monotonic()
        try:
            with engine.begin() as connection:
                connection.execute(text("UPDATE classes SET title = 'two' WHERE id = :id"),
                                   {"id": second})
            results["second"] = time.monotonic() - started
        except Exception as error:
            results["second"] = error

    def reader():
        holding.wait(10)
        started = time.monotonic()
        with engine.connect() as connection:
            title = connection.execute(
                text("SELECT title FROM classes WHERE id = :id"), {"id": first}
            ).scalar()
        results["read"] = (title, time.monotonic() - started)

    threads = [threading.Thread(target=f) for f in (long_writer, second_writer, reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["long"] == "ok"
    assert isinstance(results["second"], float), results["second"]
    assert results["second"] > 0.5  # it waited for the first writer instead of failing
    title, seconds = results["read"]
    assert title != "one"  # the committed value, not the open transaction's
    assert seconds < 0.5  # WAL: the reader did not wait for the writer
    with engine.connect() as connection:
        titles = connection.execute(
            text("SELECT title FROM classes WHERE id IN (:a, :b) ORDER BY id"),
            {"a": first, "b": second},
        ).scalars().all()
    assert titles == ["one", "two"]

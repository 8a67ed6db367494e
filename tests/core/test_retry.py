"""run_with_retries: a collision (PostgreSQL serialization failure or deadlock, SQLite "database
is locked") is retried a bounded number of times; then the user reads "busy, try again" in
Vietnamese, never a 500 page."""

import sqlite3
import threading
import time

import psycopg.errors
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from lms.classes.models import Class, Program
from lms.core.retry import BusyError, is_retryable, run_with_retries
from lms.enrollment import services as enrollment_services
from lms.enrollment.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db
from tests.conftest import PG_URL

pg_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (LMS_TEST_DATABASE_URL)")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite's own lock")


def serialization_failure():
    return OperationalError(
        "UPDATE classes ...", {}, psycopg.errors.SerializationFailure("could not serialize")
    )


def deadlock():
    return OperationalError("UPDATE ...", {}, psycopg.errors.DeadlockDetected("deadlock"))


def locked():
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def _flaky(make, failures: list[Exception]):
    """Work that adds a program, after raising each of `failures` on its first calls."""
    calls = []

    def work():
        calls.append(1)
        make.program(code=f"X{len(calls)}")
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return len(calls)

    return work, calls


def _programs() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(Program.code).order_by(Program.code)).all()


@pytest.mark.parametrize("error", [serialization_failure, deadlock, locked])
def test_a_collision_once_is_retried_and_succeeds(make, error):
    work, calls = _flaky(make, [error()])
    assert run_with_retries(work) == 2
    assert _programs() == ["X2"]  # the first attempt was rolled back, the second committed


def test_a_collision_every_time_gives_up_after_the_bounded_attempts(make):
    work, calls = _flaky(make, [serialization_failure() for _ in range(10)])
    with pytest.raises(BusyError) as caught:
        run_with_retries(work, attempts=3)
    assert len(calls) == 3
    assert _programs() == []
    assert isinstance(caught.value, DomainError)
    with force_locale("vi"):
        assert "Hệ thống đang bận" in str(caught.value.message)


def test_other_errors_are_not_retried(make):
    work, calls = _flaky(make, [IntegrityError("INSERT", {}, Exception("duplicate key"))])
    with pytest.raises(IntegrityError):
        run_with_retries(work)
    assert len(calls) == 1
    work, calls = _flaky(make, [DomainError("no")])
    with pytest.raises(DomainError):
        run_with_retries(work)
    assert len(calls) == 1
    assert _programs() == []
    assert not is_retryable(ValueError("database is locked"))


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def test_enrollment_that_stays_busy_answers_a_message_not_a_500(client, login, make, monkeypatch):
    klass = make.klass(capacity=10)
    trainee = make.trainee()
    login(trainee)
    calls = []

    def always_collides(klass, *, actor):
        calls.append(1)
        raise serialization_failure()

    monkeypatch.setattr(enrollment_services, "enrol_self", always_collides)
    response = client.post(f"/classes/{klass.id}/enrol", follow_redirects=True)
    assert response.status_code == 200
    assert "Hệ thống đang bận" in response.text
    assert len(calls) == 3


def test_enrollment_colliding_once_enrols(client, login, make, monkeypatch):
    klass = make.klass(capacity=10)
    trainee = make.trainee()
    login(trainee)
    real, calls = enrollment_services.enrol_self, []

    def collides_once(klass, *, actor):
        calls.append(1)
        result = real(klass, actor=actor)
        if len(calls) == 1:
            raise deadlock()
        return result

    monkeypatch.setattr(enrollment_services, "enrol_self", collides_once)
    response = client.post(f"/classes/{klass.id}/enrol", follow_redirects=True)
    assert "Bạn đã ghi danh" in response.text
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
    db.session.expire_all()
    assert db.session.get(Class, klass.id).enrolled_count == 1


def test_a_collision_outside_the_retried_paths_answers_503_busy(client, login, make, monkeypatch):
    from lms.reports import services as reports

    director = make.director()
    login(director)

    def collides(*args, **kwargs):
        raise deadlock()

    monkeypatch.setattr(reports, "save_plans", collides)
    response = client.post("/reports/plans/2026")
    assert response.status_code == 503
    assert "Hệ thống đang bận" in response.text


# --- real collisions -------------------------------------------------------------------------


@pg_only
def test_a_real_serialization_failure_on_postgresql_is_retried(app, make):
    class_id = make.klass(capacity=10).id
    db.session.commit()
    calls = []

    def work():
        calls.append(1)
        db.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        db.session.scalar(select(Class.enrolled_count).where(Class.id == class_id))  # snapshot
        if len(calls) == 1:  # another request changes the row after our snapshot was taken
            with db.engine.begin() as other:
                other.execute(
                    text("UPDATE classes SET capacity = capacity + 1 WHERE id = :id"),
                    {"id": class_id},
                )
        db.session.execute(
            text("UPDATE classes SET enrolled_count = enrolled_count + 1 WHERE id = :id"),
            {"id": class_id},
        )
        return len(calls)

    assert run_with_retries(work) == 2
    db.session.expire_all()
    klass = db.session.get(Class, class_id)
    assert (klass.capacity, klass.enrolled_count) == (11, 1)


SET_CAPACITY = text("UPDATE classes SET capacity = 5 WHERE id = :id")


@pg_only
def test_a_real_deadlock_on_postgresql_is_retried(app, make):
    a, b = make.klass().id, make.klass().id
    db.session.commit()
    engine = db.engine
    other_has_b = threading.Event()
    other_done: list[object] = []

    def other():
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # not the victim
                connection.execute(SET_CAPACITY, {"id": b})
                other_has_b.set()
                connection.execute(SET_CAPACITY, {"id": a})
            other_done.append("committed")
        except Exception as error:  # reported by the assertion below
            other_done.append(error)

    calls = []
    thread = threading.Thread(target=other)

    def work():
        calls.append(1)
        db.session.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
        db.session.execute(text("UPDATE classes SET title = 'A' WHERE id = :id"), {"id": a})
        if len(calls) == 1:
            thread.start()
            assert other_has_b.wait(10)
            time.sleep(0.3)  # the other transaction now waits for our row a
        db.session.execute(text("UPDATE classes SET title = 'B' WHERE id = :id"), {"id": b})
        return len(calls)

    assert run_with_retries(work) == 2
    thread.join(20)
    assert other_done == ["committed"]
    db.session.expire_all()
    assert [db.session.get(Class, i).title for i in (a, b)] == ["A", "B"]


@sqlite_only
def test_a_real_locked_sqlite_database_is_retried(app, make):
    class_id = make.klass().id
    db.session.commit()
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    calls = []

    def work():
        calls.append(1)
        if len(calls) == 1:
            db.session.execute(text("PRAGMA busy_timeout = 0"))  # fail at once, not in 30 s
        else:
            holder.execute("COMMIT")
            db.session.execute(text("PRAGMA busy_timeout = 30000"))
        db.session.execute(
            text("UPDATE classes SET title = 'saved' WHERE id = :id"), {"id": class_id}
        )
        return len(calls)

    try:
        assert run_with_retries(work) == 2
    finally:
        holder.close()
    db.session.expire_all()
    assert db.session.get(Class, class_id).title == "saved"

"""Check-ins at the same moment (the same trainee twice, others, a roster save of the same
session) leave one mark per trainee and exact rollups; a serialisation failure or deadlock on
the check-in is retried, and one that persists gets a clear message, not a 500.
SQLite and PostgreSQL (LMS_TEST_DATABASE_URL)."""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, select

from lms.attendance import checkin
from lms.attendance.models import ATTENDED, Attendance
from lms.attendance.services import mark_attendance
from lms.classes.models import ClassSession
from lms.core.models import AuditLog
from lms.core.retry import run_with_retries
from lms.enrollment.models import Enrollment
from lms.extensions import db


def signed_in_client(app, user):
    """A test client whose cookie is this user's signed-in session (no password round)."""
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"_user_id": user.session_token, "_fresh": True, "auth_at": now,
                        "seen_at": now})
    return client


def code_now(session) -> str:
    return checkin.code_for(session.checkin_secret, checkin.time_step())


def assert_rollups_equal_a_recount(session_id: int) -> None:
    db.session.expire_all()
    marks = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)
    )
    assert db.session.get(ClassSession, session_id).marked_count == marks
    attended = dict(db.session.execute(
        select(Attendance.enrollment_id, func.count())
        .where(Attendance.session_id == session_id, Attendance.status.in_(ATTENDED))
        .group_by(Attendance.enrollment_id)
    ).all())
    for enrollment in db.session.scalars(select(Enrollment)):
        assert enrollment.attended_count == attended.get(enrollment.id, 0), enrollment.id


def test_checkins_at_once_and_a_roster_save_leave_one_mark_each_and_exact_rollups(
    opened, app, make
):
    session = opened.session
    for _ in range(5):
        make.enrollment(opened.klass, make.trainee())
    db.session.commit()
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.class_id == opened.klass.id)
    ).all()
    trainees = [e.user for e in enrollments]
    code = code_now(session)
    # Every trainee posts twice at once; the instructor saves the roster of the first three
    # (who also check in) at the same moment.
    clients = [signed_in_client(app, t) for t in trainees for _ in range(2)]
    roster = {e.id: ("present", "") for e in enrollments[:3]}
    session_id, instructor_id = session.id, opened.instructor.id
    start = threading.Barrier(len(clients) + 1)
    answers, errors = [], []

    def post(client):
        start.wait(timeout=30)
        answers.append(client.post(f"/checkin/{session_id}", data={"code": code}).status_code)

    def save_roster():
        from lms.auth.models import User

        with app.app_context():
            try:
                start.wait(timeout=30)
                run_with_retries(lambda: mark_attendance(
                    db.session.get(ClassSession, session_id), roster,
                    actor=db.session.get(User, instructor_id),
                ))
            except Exception as error:  # reported by the assertion below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    threads.append(threading.Thread(target=save_roster))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert answers == [200] * len(clients)
    marks = db.session.scalars(select(Attendance.enrollment_id)).all()
    assert sorted(marks) == sorted(e.id for e in enrollments)  # one each: none lost or doubled
    assert_rollups_equal_a_recount(session_id)
    # One audit row per mark a check-in wrote, none doubled (the roster may then have changed
    # a check-in's "late" to its "present": that is its own audit row, method "roster").
    audited = db.session.scalars(
        select(AuditLog.object_id).where(AuditLog.method == "checkin")
    ).all()
    assert len(audited) == len(set(audited))
    by_checkin = db.session.scalars(
        select(Attendance.enrollment_id).where(Attendance.method == "checkin")
    ).all()
    assert set(by_checkin) <= set(audited)


def _driver_error(name: str) -> Exception:
    """What the database driver raises for a transaction that lost a race."""
    if name == "postgresql":
        from psycopg import errors

        return errors.SerializationFailure("could not serialize access (injected)")
    return sqlite3.OperationalError("database is locked")


@pytest.fixture
def fail_checkin_writes(app):
    """fail_checkin_writes(n): the next n check-in writes fail as a lost race would."""
    remaining = [0]
    engine = db.engine

    def fail(_conn, _cursor, statement, _params, _context, _executemany):
        if remaining[0] > 0 and "INSERT INTO attendances" in statement:
            remaining[0] -= 1
            raise _driver_error(engine.dialect.name)

    event.listen(engine, "before_cursor_execute", fail)
    yield lambda n: remaining.__setitem__(0, n)
    event.remove(engine, "before_cursor_execute", fail)


def test_a_lost_race_on_the_write_is_retried_and_the_checkin_succeeds(
    opened, client, login, fail_checkin_writes
):
    s = opened.session
    login(opened.trainees[0])
    fail_checkin_writes(1)
    done = client.post(f"/checkin/{s.id}", data={"code": code_now(s)})
    assert done.status_code == 200
    assert "Đã điểm danh" in done.text
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 1
    assert_rollups_equal_a_recount(s.id)


def test_a_race_lost_every_time_gets_a_clear_message_and_records_nothing(
    opened, client, login, fail_checkin_writes
):
    s = opened.session
    login(opened.trainees[0])
    fail_checkin_writes(100)
    refused = client.post(f"/checkin/{s.id}", data={"code": code_now(s)})
    assert refused.status_code == 503
    assert "Hệ thống đang bận" in refused.text
    assert 'name="code"' in refused.text  # the form again, to press once more
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    fail_checkin_writes(0)
    again = client.post(f"/checkin/{s.id}", data={"code": code_now(s)})
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1

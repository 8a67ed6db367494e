"""A check-in leaves its trainee's report keys pending (lms.reports.rollups): the report counts
them at once, a later write request drains them after its answer has gone out, a GET never
does, and check-ins with drains at the same moment leave exact figures.
SQLite and PostgreSQL (LMS_TEST_DATABASE_URL)."""

import threading

import pytest
from sqlalchemy import func, select, text

from lms.extensions import db
from lms.reports import rollups
from lms.reports.models import PendingTraineeKeys, TraineeKey
from lms.reports.report import compute_report
from tests.attendance.test_checkin_concurrency import code_now, signed_in_client
from tests.reports.test_rollups import assert_rollups_equal_a_recount


@pytest.fixture
def app_config():
    return {"ROLLUP_DRAIN_SECONDS": None}  # each test turns the drain on when it wants it


def pending() -> set[int]:
    """The people pending (a person may be listed twice: the class's first mark also lists
    the participants of the class)."""
    db.session.commit()  # a fresh snapshot (the report reads in one)
    return set(db.session.scalars(select(PendingTraineeKeys.user_id)))


def stored_keys(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(TraineeKey).where(TraineeKey.user_id == user.id)
    )


def unique_trainees(room) -> int:
    return compute_report(room.session.on_date.year).total.unique_trainees


def test_a_checkin_is_counted_at_once_and_stored_by_the_next_write(opened, app):
    first, second, third = opened.trainees
    year_before = unique_trainees(opened)
    code = code_now(opened.session)
    answer = signed_in_client(app, first).post(f"/checkin/{opened.session.id}",
                                               data={"code": code})
    assert answer.status_code == 200
    # Pending, not stored: the report counts the trainee anyway.
    assert pending() == {first.id}
    assert stored_keys(first) == 0
    assert unique_trainees(opened) == year_before + 1

    # A GET never drains, however long since the last drain.
    app.config["ROLLUP_DRAIN_SECONDS"] = 0
    page = signed_in_client(app, opened.instructor).get(f"/sessions/{opened.session.id}/attendance")
    assert page.status_code == 200
    page.close()
    assert pending() == {first.id}

    # The next write request drains once its answer is out: both trainees stored, none pending.
    answer = signed_in_client(app, second).post(f"/checkin/{opened.session.id}",
                                                data={"code": code})
    assert answer.status_code == 200
    answer.close()  # as the WSGI server does once the answer is sent
    assert pending() == set()
    assert stored_keys(first) == stored_keys(second) == 5  # total, program, quarter, month, unit
    assert unique_trainees(opened) == year_before + 2
    assert stored_keys(third) == 0
    assert_rollups_equal_a_recount()


def test_drains_at_the_same_moment_as_checkins_leave_exact_figures(opened, app, make):
    for _ in range(9):
        enrollment = make.enrollment(opened.klass, make.trainee())
        opened.trainees.append(enrollment.user)
    db.session.commit()
    app.config["ROLLUP_DRAIN_SECONDS"] = 0  # every check-in drains after its answer
    year_before = unique_trainees(opened)
    code = code_now(opened.session)
    session_id = opened.session.id
    clients = [signed_in_client(app, t) for t in opened.trainees]
    start = threading.Barrier(len(clients) + 1)
    answers, errors, stop = [], [], threading.Event()

    def post(client):
        start.wait(timeout=30)
        answer = client.post(f"/checkin/{session_id}", data={"code": code})
        answer.close()  # the drain, as the WSGI server does once the answer is sent
        answers.append(answer.status_code)

    def drain_meanwhile():
        # Drains of its own besides the requests' (PostgreSQL: one runs, the others skip).
        with app.app_context():
            try:
                start.wait(timeout=30)
                while not stop.is_set():
                    with db.engine.begin() as connection:
                        rollups.drain(connection, limit=2)
            except Exception as error:  # reported by the assertion below
                errors.append(repr(error))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    drainer = threading.Thread(target=drain_meanwhile)
    for thread in [*threads, drainer]:
        thread.start()
    for thread in threads:
        thread.join(60)
    stop.set()
    drainer.join(60)
    assert errors == []
    assert answers == [200] * len(clients)
    # Exact whatever was drained, and after draining the rest, stored exactly.
    assert unique_trainees(opened) == year_before + len(clients)
    assert_rollups_equal_a_recount()
    assert unique_trainees(opened) == year_before + len(clients)


def test_one_drain_at_a_time_on_postgresql(opened, app):
    """Two drains at once would both subtract the same person's old keys: while one is
    running (its transaction open), another takes nobody."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    for trainee in opened.trainees:
        signed_in_client(app, trainee).post(
            f"/checkin/{opened.session.id}", data={"code": code_now(opened.session)})
    assert len(pending()) == 3
    with db.engine.connect() as first, db.engine.connect() as second:
        second.execute(text("SET lock_timeout = '2s'"))  # no waiting on the first's rows
        assert len(rollups.drain(first, limit=1)) == 1
        assert rollups.drain(second) == []  # the first has not committed: nothing taken
        first.commit()
        # The rest (the first trainee may be listed twice: the class's first mark too).
        assert len(rollups.drain(second)) in (2, 3)
        second.commit()
    assert pending() == set()
    assert_rollups_equal_a_recount()

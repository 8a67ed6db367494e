"""Soak: 60 s of mixed traffic through gunicorn (gunicorn.conf.py) on 127.0.0.1, from a fixed
number of client threads: trainees checking in with the live code, instructors saving whole
rosters, directors opening reports. No 5xx answer, no failed connection; afterwards the
attendance records are exactly what was sent: every trainee whose check-in answered success has
one record (none without), each roster holds the marks of its last answered save, and the
counters (marked_count, attended_count) agree with the rows.

LMS_SOAK_SECONDS shortens it by hand (default 60). The database is the suite's
(LMS_TEST_DATABASE_URL or SQLite)."""

import itertools
import os
import random
import threading
import time
from collections import Counter

from sqlalchemy import func, insert, select

from lms.attendance.checkin import code_for, time_step
from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.classes.models import ClassSession
from lms.core.types import new_token
from lms.enrollment.models import Enrollment
from lms.extensions import db
from tests.attendance.conftest import session_times_around_now
from tests.faults.live import forge_clients, gunicorn

SECONDS = float(os.environ.get("LMS_SOAK_SECONDS", "60"))
TRAINEES = 1500
CHECKIN_THREADS, INSTRUCTORS, DIRECTORS = 6, 2, 2
ROSTER_SIZE = 40
STATUSES = ("present", "late", "excused", "absent")


def _bulk_trainees(unit, klass, count: int, prefix: str) -> list[User]:
    db.session.execute(insert(User), [
        {"username": f"{prefix}{i}", "full_name": f"Học viên {prefix} {i}", "unit_id": unit.id,
         "is_trainee": True, "session_token": new_token(), "calendar_token": new_token(),
         "search_name": f"hoc vien {prefix} {i}", "sort_key": f"{prefix}{i:06d}"}
        for i in range(count)
    ])
    users = db.session.scalars(
        select(User).where(User.username.like(f"{prefix}%")).order_by(User.id)
    ).all()
    db.session.execute(insert(Enrollment), [
        {"class_id": klass.id, "user_id": u.id, "unit_id": unit.id, "status": "enrolled",
         "source": "assigned", "enrolled_on": klass.start_date} for u in users
    ])
    klass.enrolled_count = count
    return list(users)


def test_sixty_seconds_of_mixed_traffic(app, make, tmp_path):
    day, starts, ends = session_times_around_now(started_minutes_ago=5)
    unit = make.unit()
    checkin_class = make.klass(start_date=day)
    checkin_session = make.session(checkin_class, on_date=day, starts_at=starts, ends_at=ends)
    checkin_session.checkin_secret = os.urandom(32)
    trainees = _bulk_trainees(unit, checkin_class, TRAINEES, "soak")
    instructors, rosters = [], []
    for n in range(INSTRUCTORS):
        instructor = make.instructor()
        klass = make.klass(start_date=day, instructors=[instructor])
        session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        _bulk_trainees(unit, klass, ROSTER_SIZE, f"roster{n}-")
        ids = db.session.scalars(select(Enrollment.id).where(Enrollment.class_id == klass.id))
        instructors.append(instructor)
        rosters.append((session.id, sorted(ids)))
    directors = [make.director() for _ in range(DIRECTORS)]
    db.session.commit()
    secret, checkin_id = bytes(checkin_session.checkin_secret), checkin_session.id
    enrollment_of = dict(
        db.session.execute(
            select(Enrollment.user_id, Enrollment.id).where(
                Enrollment.class_id == checkin_class.id
            )
        ).all()
    )
    year = day.year

    statuses: Counter = Counter()
    failures: list[str] = []
    succeeded: set[int] = set()  # enrollment ids whose check-in answered success
    last_saved: dict[int, dict[int, str]] = {}
    lock = threading.Lock()

    def note(status: int) -> None:
        with lock:
            statuses[status] += 1

    with gunicorn(app, tmp_path / "gunicorn.log") as base:
        trainee_clients = forge_clients(app, base, trainees)
        queue = itertools.cycle(list(zip(trainees, trainee_clients, strict=True)))
        deadline = time.monotonic() + SECONDS

        def guarded(work):
            def run():
                try:
                    while time.monotonic() < deadline:
                        work()
                except Exception as error:  # a refused connection, a timeout: the test fails
                    with lock:
                        failures.append(repr(error))

            return run

        def check_in():
            with lock:
                trainee, client = next(queue)
            code = code_for(secret, time_step())
            status, _body = client.request("POST", f"/checkin/{checkin_id}", {"code": code})
            note(status)
            if status == 200:
                with lock:
                    succeeded.add(enrollment_of[trainee.id])

        def roster_saver(client, session_id, ids, rng):
            def save():
                marks = {eid: rng.choice(STATUSES) for eid in ids}
                form = {f"s-{eid}": s for eid, s in marks.items()}
                form |= {f"o-{eid}": "" for eid in ids}
                status, _body = client.request("POST", f"/sessions/{session_id}/attendance", form)
                note(status)
                if status == 302:
                    last_saved[session_id] = marks
                time.sleep(0.2)  # a person, not a loop

            return save

        def reports(client):
            def read():
                for path in (f"/reports/?year={year}", f"/reports/{year}/details",
                             f"/reports/{year}/export.csv"):
                    note(client.request("GET", path)[0])
                time.sleep(0.2)

            return read

        works = [check_in] * CHECKIN_THREADS
        for (session_id, ids), client, n in zip(
            rosters, forge_clients(app, base, instructors), itertools.count(), strict=False
        ):
            works.append(roster_saver(client, session_id, ids, random.Random(n)))  # noqa: S311
        works += [reports(c) for c in forge_clients(app, base, directors)]
        threads = [threading.Thread(target=guarded(w)) for w in works]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 120)
        elapsed = time.monotonic() - started

    print(f"soak: {sum(statuses.values())} requests in {elapsed:.0f} s, {dict(statuses)}, "
          f"load {os.getloadavg()[0]:.1f}")
    assert failures == []
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[200] > 50, statuses  # check-ins and report pages
    assert statuses[302] > 10, statuses  # roster saves

    db.session.expire_all()
    rows = db.session.execute(
        select(Attendance.enrollment_id).where(Attendance.session_id == checkin_id)
    ).scalars().all()
    assert len(rows) == len(set(rows))  # none doubled
    assert set(rows) == succeeded  # none lost, none invented
    session = db.session.get(ClassSession, checkin_id)
    assert session.marked_count == len(succeeded)
    attended = db.session.scalar(
        select(func.sum(Enrollment.attended_count)).where(
            Enrollment.class_id == checkin_class.id
        )
    )
    assert (attended or 0) == len(succeeded)

    for session_id, ids in rosters:
        assert session_id in last_saved
        stored = dict(
            db.session.execute(
                select(Attendance.enrollment_id, Attendance.status).where(
                    Attendance.session_id == session_id
                )
            ).all()
        )
        assert stored == last_saved[session_id]
        assert db.session.get(ClassSession, session_id).marked_count == len(ids)
        for enrollment in db.session.scalars(select(Enrollment).where(Enrollment.id.in_(ids))):
            status = stored[enrollment.id]
            assert enrollment.attended_count == (status in ("present", "late"))
            assert enrollment.excused_count == (status == "excused")
            assert enrollment.absent_count == (status == "absent")

"""Benchmark: server time to load a 300-trainee session roster and to save 300 marks, on a
database holding only that class (bench/pages.py measures the same at province size).

    .venv/bin/python scripts/bench_attendance.py [--runs 15]

In-process requests through the Flask test client (server time, no network), the SQL statements
of one request counted; baseline: the instructor's home page in the same run.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, event, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import Result, emit  # noqa: E402
from lms import create_app  # noqa: E402
from lms.attendance.models import Attendance  # noqa: E402
from lms.classes.models import ClassSession  # noqa: E402
from lms.enrollment.models import Enrollment  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.attendance.conftest import session_times_around_now  # noqa: E402
from tests.conftest import Client  # noqa: E402
from tests.factories import Factories  # noqa: E402

TARGET_MS = 150


def main(runs: int = 15) -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app({
        "SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": f"sqlite:///{folder / 'b.sqlite3'}",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        make = Factories()
        day, starts, ends = session_times_around_now()
        instructor = make.instructor(username="gv")
        klass = make.klass(start_date=day, instructors=[instructor])
        session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        units = [make.unit() for _ in range(10)]
        ids = [make.enrollment(klass, make.trainee(unit=units[i % 10])).id for i in range(300)]
        db.session.commit()
        session_id = session.id
    client = app.test_client()
    client.post("/login", data={"login": "gv", "password": "secret-pass"})
    form = {}
    for i, eid in enumerate(ids):
        form.update({f"o-{eid}": "", f"s-{eid}": "absent" if i % 40 == 0 else "present",
                     f"n-{eid}": "", f"on-{eid}": ""})
    counts = [0]

    def count(*_args):
        counts[-1] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    homes, loads, saves = [], [], []
    for _ in range(runs + 1):  # the first run warms the caches and is left out
        with app.app_context():  # start from no marks
            db.session.execute(delete(Attendance))
            db.session.execute(update(Enrollment).values(attended_count=0, absent_count=0))
            db.session.execute(update(ClassSession).values(marked_count=0))
            db.session.commit()
        t = time.perf_counter()
        assert client.get("/").status_code == 200
        homes.append(time.perf_counter() - t)
        counts.append(0)
        t = time.perf_counter()
        response = client.get(f"/sessions/{session_id}/attendance")
        loads.append(time.perf_counter() - t)
        load_statements = counts[-1]
        assert response.status_code == 200
        counts.append(0)
        t = time.perf_counter()
        response = client.post(f"/sessions/{session_id}/attendance", data=form)
        saves.append(time.perf_counter() - t)
        save_statements = counts[-1]
        assert response.status_code == 302, response.status_code
    home = statistics.median(homes[1:]) * 1000
    rows = []
    for measure, times, statements in (
        ("session roster load, 300 trainees", loads, load_statements),
        ("save 300 attendance marks, one POST", saves, save_statements),
    ):
        value = statistics.median(times[1:]) * 1000
        rows.append(Result(
            measure=measure, database="sqlite", size="300 trainees, empty database",
            value=value, baseline="home page", baseline_value=home, ratio=value / home,
            target=f"< {TARGET_MS} ms", ok=value < TARGET_MS, statements=statements,
        ))
    print(f"load average {os.getloadavg()[0]:.2f}")
    emit(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    main(parser.parse_args().runs)

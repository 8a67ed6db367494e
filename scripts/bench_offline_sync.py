"""Benchmark: server time to receive 300 marks made offline in one sync request (issue 17: under
150 ms), and the same batch sent again (300 duplicates, nothing written); and 300 cards scanned
offline on the scan page (the server finds each card and the status by the time of scanning).

    .venv/bin/python scripts/bench_offline_sync.py [--runs 15] [--pg URL]

In-process requests through the Flask test client (server time, no network) on a database
holding only that class: SQLite in a temporary folder, and PostgreSQL when --pg names a scratch
database (its tables are dropped and created). From LMS_BENCH_DATABASE_URL (`make bench`, the
province database) it uses `<name>_checkin` beside it, as scripts/bench_checkin.py does: the
province data is never dropped.
Baseline: the instructor's home page in the same run.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import delete, event, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import Result, emit  # noqa: E402
from lms import create_app  # noqa: E402
from lms.attendance.models import Attendance, OfflineMark  # noqa: E402
from lms.cards.services import issue_cards  # noqa: E402
from lms.classes.models import ClassSession  # noqa: E402
from lms.core.actors import SYSTEM  # noqa: E402
from lms.core.models import AuditLog  # noqa: E402
from lms.core.types import utcnow  # noqa: E402
from lms.enrollment.models import Enrollment  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.attendance.conftest import session_times_around_now  # noqa: E402
from tests.conftest import Client  # noqa: E402
from tests.factories import Factories  # noqa: E402

TARGET_MS = 150


def measure(url: str, name: str, runs: int) -> list[Result]:
    app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    app.test_client_class = Client
    with app.app_context():
        if name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        make = Factories()
        day, starts, ends = session_times_around_now()
        instructor = make.instructor(username="gv")
        klass = make.klass(start_date=day, instructors=[instructor])
        session = make.session(klass, on_date=day, starts_at=starts, ends_at=ends)
        units = [make.unit() for _ in range(10)]
        trainees = [make.trainee(unit=units[i % 10]) for i in range(300)]
        ids = [make.enrollment(klass, t).id for t in trainees]
        db.session.flush()
        cards = issue_cards(trainees, actor=SYSTEM)
        numbers = [cards[t.id].number for t in trainees]
        db.session.commit()
        session_id = session.id
    client = app.test_client()
    client.post("/login", data={"login": "gv", "password": "secret-pass"})
    counts = [0]

    def count(*_args):
        counts[-1] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    homes, sends, replays, scans = [], [], [], []
    statements = replay_statements = scan_statements = 0
    for _ in range(runs + 1):  # the first run warms the caches and is left out
        with app.app_context():  # start from no marks
            for model in (OfflineMark, Attendance):
                db.session.execute(delete(model))
            db.session.execute(update(Enrollment).values(attended_count=0, absent_count=0))
            db.session.execute(update(ClassSession).values(marked_count=0))
            db.session.commit()
        now = utcnow().isoformat()
        body = {"session_id": session_id, "marks": [
            {"key": str(uuid.uuid4()), "enrollment_id": eid,
             "status": "absent" if i % 40 == 0 else "present", "note": "", "marked_at": now}
            for i, eid in enumerate(ids)]}
        t = time.perf_counter()
        assert client.get("/").status_code == 200
        homes.append(time.perf_counter() - t)
        for times in (sends, replays):
            counts.append(0)
            t = time.perf_counter()
            response = client.post(f"/sessions/{session_id}/attendance/sync", json=body)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.text[:300]
            if times is sends:
                statements = counts[-1]
            else:
                replay_statements = counts[-1]
        with app.app_context():  # the same people, scanned this time
            for model in (OfflineMark, Attendance):
                db.session.execute(delete(model))
            db.session.commit()
        scanned = {"session_id": session_id, "marks": [
            {"key": str(uuid.uuid4()), "card": number, "marked_at": now} for number in numbers]}
        counts.append(0)
        t = time.perf_counter()
        response = client.post(f"/sessions/{session_id}/attendance/sync", json=scanned)
        scans.append(time.perf_counter() - t)
        assert response.status_code == 200, response.text[:300]
        assert {r["outcome"] for r in response.json["results"]} == {"applied"}
        scan_statements = counts[-1]
    with app.app_context():
        assert db.session.query(Attendance).count() == 300
        assert db.session.query(AuditLog).filter(AuditLog.method == "offline").count() >= 300
    home = statistics.median(homes[1:]) * 1000
    rows = []
    for label, times, count_ in (
        ("sync 300 offline marks, one request", sends, statements),
        ("the same batch again (300 duplicates)", replays, replay_statements),
        ("sync 300 cards scanned offline, one request", scans, scan_statements),
    ):
        value = statistics.median(times[1:]) * 1000
        rows.append(Result(
            measure=label, database=name, size="300 trainees, one class",
            value=value, baseline="home page", baseline_value=home, ratio=value / home,
            target=f"< {TARGET_MS} ms", ok=value < TARGET_MS, statements=count_,
        ))
    return rows


def main(runs: int, pg: str | None, sqlite: bool = True) -> None:
    rows = []
    if sqlite:
        folder = Path(tempfile.mkdtemp())
        rows += measure(f"sqlite:///{folder / 'b.sqlite3'}", "sqlite", runs)
    if pg:
        rows += measure(pg, "postgresql", runs)
    print(f"load average {os.getloadavg()[0]:.2f}")
    emit(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", default="", help="a scratch PostgreSQL database (emptied)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.pg and os.environ.get("LMS_BENCH_DATABASE_URL"):
        from scripts.bench_checkin import scratch_url

        args.pg = scratch_url(os.environ["LMS_BENCH_DATABASE_URL"])
    main(args.runs, args.pg or None, not args.no_sqlite)

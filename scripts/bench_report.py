"""Benchmark: the annual report and the director's dashboard over a province-sized database.

    .venv/bin/python scripts/bench_report.py [--scale 7.8] [--years 5] [--runs 9] [--pg URL]

Builds the database once with the demo generator (SQLite file under bench-data/, reused when
it exists; PostgreSQL when --pg or LMS_BENCH_DATABASE_URL names an empty or already built
database), then prints one table per database: the rows, the median time of the whole annual
report (every breakdown, full year and year to date), the median time of one hand-written SQL
query over the raw attendance table computing the per-program totals (the baseline, measured
in the same run), their ratio, and the median server time of the dashboard page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lms import create_app  # noqa: E402
from lms.attendance.models import Attendance  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.enrollment.models import Enrollment  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.reports.report import compute_report  # noqa: E402
from tests.conftest import Client  # noqa: E402

# The baseline: per program, for the classes whose first non-cancelled session falls in the
# year, the held classes, trainee-attendances (enrolments present or late at least once) and
# unique trainees, straight from the attendance records.
RAW_QUERY = """
WITH first AS (
    SELECT s.class_id, MIN(s.on_date) AS first_date
    FROM class_sessions s WHERE s.cancelled_at IS NULL GROUP BY s.class_id
)
SELECT c.program_id,
       COUNT(DISTINCT c.id) AS held_classes,
       COUNT(DISTINCT a.enrollment_id) AS trainee_attendances,
       COUNT(DISTINCT e.user_id) AS unique_trainees
FROM attendances a
JOIN enrollments e ON e.id = a.enrollment_id AND e.status = 'enrolled'
JOIN class_sessions s ON s.id = a.session_id AND s.cancelled_at IS NULL
JOIN classes c ON c.id = e.class_id AND c.cancelled_at IS NULL
JOIN first f ON f.class_id = c.id
WHERE f.first_date BETWEEN :start AND :end AND a.status IN ('present', 'late')
GROUP BY c.program_id
"""


def median_ms(fn, runs: int) -> float:
    fn()  # warm the caches once; the medians are of warm runs
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def make_app(url: str):
    app = create_app(
        {
            "SECRET_KEY": "bench-" + "x" * 40,
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    app.test_client_class = Client
    return app


def build(app, args) -> None:
    from flask_migrate import upgrade

    from lms.demo import database_is_empty, load_demo

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if database_is_empty():
            print(
                load_demo(
                    year=args.year, years=args.years, scale=args.scale, population=args.population
                ),
                flush=True,
            )
        db.session.commit()
        # Fresh statistics (and on PostgreSQL the visibility map that index-only scans need),
        # as autovacuum would leave them after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def measure(name: str, url: str, args) -> dict:
    app = make_app(url)
    build(app, args)
    year = args.year
    with app.app_context():
        rows = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Attendance, Enrollment, User)
        ]
        bounds = {"start": date(year, 1, 1), "end": date(year, 12, 31)}

        def report():
            compute_report(year)

        def to_date():
            compute_report(year, as_of=date(year, 9, 30))

        def raw():
            db.session.execute(text(RAW_QUERY), bounds).all()

        report_ms = median_ms(report, args.runs)
        ytd_ms = median_ms(to_date, args.runs)
        raw_ms = median_ms(raw, max(3, args.runs // 2))
        db.session.rollback()
    client = app.test_client()
    response = client.post("/login", data={"login": "director", "password": "demo"})
    assert response.status_code == 302, response.status_code

    def page():
        assert client.get(f"/reports/?year={year}").status_code == 200

    page_ms = median_ms(page, args.runs)
    return {
        "database": name,
        "attendance": rows[0],
        "enrolments": rows[1],
        "users": rows[2],
        "report": report_ms,
        "ytd": ytd_ms,
        "raw": raw_ms,
        "page": page_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=7.8)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--population", type=int, default=110_000)
    parser.add_argument("--year", type=int, default=2025, help="the last finished year")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sqlite", default=str(ROOT / "bench-data" / "report-1m.sqlite3"))
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    targets = []
    if not args.no_sqlite:
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
        targets.append(("sqlite", f"sqlite:///{Path(args.sqlite).resolve()}"))
    if args.pg:
        targets.append(("postgresql", args.pg))
    results = [measure(name, url, args) for name, url in targets]
    print(
        f"\nannual report {args.year}, every breakdown, median of {args.runs};"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    header = (
        "database",
        "attendance",
        "enrolments",
        "users",
        "report ms",
        "to 30/09 ms",
        "raw ms",
        "raw/report",
        "dashboard ms",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        print(
            f"| {r['database']} | {r['attendance']:,} | {r['enrolments']:,} | {r['users']:,} |"
            f" {r['report']:.0f} | {r['ytd']:.0f} | {r['raw']:.0f} |"
            f" {r['raw'] / r['report']:.1f}× |"
            f" {r['page']:.0f} |"
        )


if __name__ == "__main__":
    main()

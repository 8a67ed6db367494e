"""The province-sized database every page benchmark reads, built once with the demo generator.

The sizes (five finished years 2021–2025 and the current year, ≥ 1 M attendance records,
≥ 200,000 enrolments, ≥ 100,000 users) serve scripts/bench_report.py and the page benchmarks
alike, so `make bench` builds one SQLite file that they share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"


@dataclass(frozen=True)
class Size:
    name: str  # "1m", "10m"
    scale: float
    population: int
    years: int = 5
    year: int = 2025  # the last finished year

    @property
    def sqlite_path(self) -> Path:
        return DATA / f"report-{self.name}.sqlite3"


SIZES = {
    "1m": Size("1m", scale=7.8, population=110_000),
    # Ten times the classes and people: ~10 M attendance records (builds for ~10 minutes).
    "10m": Size("10m", scale=78, population=1_100_000),
}


def make_app(url: str, **config):
    from lms import create_app
    from tests.conftest import Client

    settings = {
        "SECRET_KEY": "bench-" + "x" * 40,
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    settings.update(config)
    app = create_app(settings)
    app.test_client_class = Client
    return app


def ensure(url: str, size: Size) -> None:
    """Migrate the database and, when it is empty, load the demo center at `size`; analyse."""
    from flask_migrate import upgrade

    from lms.demo import database_is_empty, load_demo
    from lms.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if database_is_empty():
            started = time.perf_counter()
            print(f"building the {size.name} database ({url.split('@')[-1]}) ...", flush=True)
            summary = load_demo(
                year=size.year, years=size.years, scale=size.scale, population=size.population
            )
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                analyse = "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
                conn.execute(text(analyse))
            print(f"{summary}\nbuilt in {time.perf_counter() - started:.0f} s", flush=True)
        db.session.remove()
        db.engine.dispose()


def counts(app) -> str:
    """'1.01 M attendance, 674 k enrolments, 110 k users' of the app's database."""
    from lms.attendance.models import Attendance
    from lms.auth.models import User
    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    with app.app_context():
        n = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Attendance, Enrollment, User)
        ]
    return f"{short(n[0])} attendance, {short(n[1])} enrolments, {short(n[2])} users"


def short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f} M"
    if n >= 10_000:
        return f"{n / 1000:.0f} k"
    return f"{n:,}"

"""The demo center: a district political-training center shaped like the 2019 news article.

Only this loader creates the demo accounts (admin, director, instructor, trainee; password
"demo"), and it refuses to run in production. The pieces: center.py (settings, units, the demo
accounts), story.py (the years: classes, attendance, certificates, plans), gen.py (bulk rows),
names.py (Vietnamese names and topics).
"""

from time import perf_counter

from flask import current_app
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.clock import local_today
from lms.demo.center import MIN_POPULATION, MIN_SCALE, DemoRefused, database_is_empty
from lms.extensions import db
from lms.reports import rollups

__all__ = ["MIN_POPULATION", "MIN_SCALE", "DemoRefused", "database_is_empty", "load_demo"]


def load_demo(
    *, year=None, years=1, scale=1.0, seed=2019, population=None, today=None, echo=print
) -> str:
    """Load the demo center into an empty database; commit; return a summary.

    Default: the story year 2019 and the current year in progress. `year`/`years`/`scale`:
    the finished years year-years+1 … year, each `scale` times the story's size (benchmarks);
    `population`: the number of trainees to draw from (default 5,200 × scale); `today`: the
    day the current year is built around (default: today on the center's clock).
    """
    from lms.demo.story import Demo  # on use: the generator is large, the CLI loads this module

    if current_app.config["ENV"] == "production":
        raise DemoRefused("the demo center is refused when LMS_ENV=production")
    if not database_is_empty():
        raise DemoRefused("the database already holds users; the demo needs an empty database")
    today = today or local_today()
    last = 2019 if year is None else year
    finished = list(range(last - max(years, 1) + 1, last + 1))
    if finished[-1] >= today.year:
        raise DemoRefused(f"finished years must be before {today.year}")
    if scale < MIN_SCALE:
        raise DemoRefused(f"the scale must be at least {MIN_SCALE}")
    if population is not None and population < MIN_POPULATION:
        raise DemoRefused(f"the population must be at least {MIN_POPULATION}")

    started = perf_counter()
    # Bulk rows: the report rollups' triggers are dropped meanwhile and every rollup is
    # recounted once at the end (a trigger per generated row would take hours at 10 M).
    with rollups.paused():
        demo = Demo(seed=seed, scale=scale, echo=echo, population=population)
        for finished_year in finished:
            demo.finished_year(finished_year)
        demo.current_year(today)
        demo.writer.finish()
    db.session.commit()
    users = db.session.scalar(select(func.count()).select_from(User))
    return (
        f"demo center loaded in {perf_counter() - started:.1f} s: {users} users,"
        f" {demo.writer.attendance_rows} attendance records, years {', '.join(map(str, finished))}"
        f" and {today.year}"
    )

"""The demo center: a district political-training center shaped like the 2019 news article.

Only this loader creates the demo accounts (admin, director, instructor, trainee; password
"demo"), and it refuses to run in production.
"""

from time import perf_counter

from flask import current_app
from sqlalchemy import func, inspect, select

from lms.auth.models import User
from lms.auth.services import hash_password
from lms.core.clock import local_today
from lms.core.models import CenterSettings
from lms.extensions import db
from lms.reports import rollups
from lms.units.models import Unit

DEMO_PASSWORD = "demo"  # noqa: S105  (documented demo accounts, refused in production)
# The smallest demo that builds: a course of ~200 and a conference of ~380 people need this many
# to draw from, and the story year needs at least one class of each kind.
MIN_POPULATION = 400
MIN_SCALE = 0.05


class DemoRefused(RuntimeError):
    pass


def database_is_empty() -> bool:
    if "users" not in inspect(db.engine).get_table_names():
        return True
    return not db.session.scalar(select(func.count()).select_from(User))


# (code, name, parent code)
UNITS = [
    ("QU", "Đảng bộ Quận Hoàng Mai", None),
    ("P-HM", "Đảng bộ phường Hoàng Liệt", "QU"),
    ("P-DC", "Đảng bộ phường Định Công", "QU"),
    ("P-TM", "Đảng bộ phường Tương Mai", "QU"),
    ("P-GB", "Đảng bộ phường Giáp Bát", "QU"),
    ("P-VH", "Đảng bộ phường Vĩnh Hưng", "QU"),
    ("P-YS", "Đảng bộ phường Yên Sở", "QU"),
    ("CQ-UB", "Đảng bộ cơ quan Ủy ban nhân dân quận", "QU"),
    ("CQ-KT", "Đảng bộ Khối doanh nghiệp", "QU"),
    ("CB-HL1", "Chi bộ khu dân cư số 1 Hoàng Liệt", "P-HM"),
    ("CB-HL2", "Chi bộ khu dân cư số 2 Hoàng Liệt", "P-HM"),
    ("CB-DC1", "Chi bộ khu dân cư số 1 Định Công", "P-DC"),
    ("TT", "Trung tâm Bồi dưỡng chính trị quận", "QU"),
]

# (username, full name, roles, unit code)
STAFF = [
    ("admin", "Trần Quốc Hùng", {"admin"}, "TT"),
    ("director", "Nguyễn Thế Thạch", {"director"}, "TT"),
    ("instructor", "Lê Thị Thu Hà", {"instructor"}, "TT"),
    ("trainee", "Phạm Văn Đức", {"trainee"}, "CB-HL1"),
]


def seed_center() -> dict[str, User]:
    """Settings, the unit tree and the four demo accounts."""
    db.session.add(
        CenterSettings(
            id=1,
            parent_body="QUẬN ỦY HOÀNG MAI",
            center_name="TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ",
            header_kind="party",
            place="Quận Hoàng Mai",
            signer_title="GIÁM ĐỐC",
            signer_name="Nguyễn Thế Thạch",
        )
    )
    units: dict[str, Unit] = {}
    for code, name, parent in UNITS:
        units[code] = Unit(code=code, name=name, parent=units.get(parent) if parent else None)
        db.session.add(units[code])
    password_hash = hash_password(DEMO_PASSWORD)
    people = {}
    for username, full_name, roles, unit_code in STAFF:
        user = User(username=username, full_name=full_name, unit=units[unit_code])
        user.email = f"{username}@demo.lms.invalid"
        user.roles = roles
        user.password_hash = password_hash
        db.session.add(user)
        people[username] = user
    db.session.flush()
    return people


def load_demo(
    *, year=None, years=1, scale=1.0, seed=2019, population=None, today=None, echo=print
) -> str:
    """Load the demo center into an empty database; commit; return a summary.

    Default: the story year 2019 and the current year in progress. `year`/`years`/`scale`:
    the finished years year-years+1 … year, each `scale` times the story's size (benchmarks);
    `population`: the number of trainees to draw from (default 5,200 × scale); `today`: the
    day the current year is built around (default: today on the center's clock).
    """
    from lms.demo_story import Demo

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

"""The demo center itself: its settings, unit tree and the four demo accounts (password
"demo"), and the limits below which the demo cannot be built."""

from sqlalchemy import func, inspect, select

from lms.auth.models import User
from lms.auth.services import hash_password
from lms.core.models import CenterSettings
from lms.extensions import db
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
        user.is_demo = True
        db.session.add(user)
        people[username] = user
    db.session.flush()
    return people

"""A worker process killed with SIGKILL in the middle of an import or an attendance save (after
part of the rows reached the database, before the commit) leaves the database as before: the
database itself rolls the open transaction back. Each worker runs the same service calls and
the one commit that the view makes."""


import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.reports.models import AnnualPlan
from tests.faults.helpers import kill_worker_halfway, snapshot

IMPORT_USERS = """
from lms.admin.importing import import_users
from lms.auth.models import User
data = open({path!r}, "rb").read()
import_users(data, actor=db.session.get(User, {actor}))
db.session.commit()
"""

IMPORT_ROSTER = """
from lms.auth.models import User
from lms.classes.models import Class
from lms.enrollment.services import import_roster
data = open({path!r}, "rb").read()
import_roster(db.session.get(Class, {class_id}), data, actor=db.session.get(User, {actor}))
db.session.commit()
"""

IMPORT_PLANS = """
from lms.auth.models import User
from lms.reports.services import import_plans
data = open({path!r}, "rb").read()
import_plans(2026, data, actor=db.session.get(User, {actor}))
db.session.commit()
"""

SAVE_MARKS = """
from lms.attendance.services import mark_attendance
from lms.auth.models import User
from lms.classes.models import ClassSession
marks = {{eid: ("late", "") for eid in {ids!r}}}
mark_attendance(db.session.get(ClassSession, {session_id}), marks,
                actor=db.session.get(User, {actor}))
db.session.commit()
"""


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _killed(app, body, **where):
    before = snapshot()
    kill_worker_halfway(app, body, **where)
    assert snapshot() == before


@pytest.fixture
def file_of(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "upload.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_killed_during_a_user_import(app, make, file_of):
    unit = make.unit(code="P1")
    admin = make.admin()
    for n in range(100):
        make.trainee(username=f"old{n:03d}", unit=unit)
    db.session.commit()
    lines = ["full_name,username,email,date_of_birth,unit_code,roles"]
    lines += [f"Tên Mới {n},old{n:03d},,,P1,trainee" for n in range(100)]
    lines += [f"Người Mới {n},new{n:03d},,,P1,trainee" for n in range(100)]
    body = IMPORT_USERS.format(path=file_of("\n".join(lines)), actor=admin.id)
    _killed(app, body, table="users")
    assert _count(User) == 101


def test_killed_during_a_roster_import(app, make, file_of):
    unit = make.unit()
    klass = make.klass(capacity=None)
    director = make.director()
    names = [make.trainee(unit=unit).username for _ in range(150)]
    db.session.commit()
    body = IMPORT_ROSTER.format(
        path=file_of("username\n" + "\n".join(names)), class_id=klass.id, actor=director.id
    )
    _killed(app, body, table="enrollments")
    assert _count(Enrollment) == 0


def test_killed_during_a_plan_import(app, make, file_of):
    codes = [make.program(code=f"CT{n}").code for n in range(6)]
    director = make.director()
    db.session.commit()
    rows = [f"{code},{10 + n},{500 + n}" for n, code in enumerate(codes)]
    text = "program_code,planned_classes,planned_attendances\n" + "\n".join(rows)
    body = IMPORT_PLANS.format(path=file_of(text), actor=director.id)
    _killed(app, body, table="annual_plans", nth=5)  # at the third program
    assert _count(AnnualPlan) == 0


def test_killed_during_a_300_mark_save(app, make):
    session, instructor, enrollments = make.session_now(trainees=300)
    ids = [e.id for e in enrollments]
    db.session.commit()
    body = SAVE_MARKS.format(ids=ids, session_id=session.id, actor=instructor.id)
    # The 300 rows are inserted (the database moved the counters with them); killed at their
    # audit rows.
    _killed(app, body, table="audit_log")
    assert _count(Attendance) == 0


def test_the_worker_finishes_when_not_killed(app, make, file_of):
    """The harness itself: without the kill point the same worker saves everything."""
    codes = [make.program(code=f"CT{n}").code for n in range(3)]
    director = make.director()
    db.session.commit()
    text = "program_code,planned_classes,planned_attendances\n" + "\n".join(
        f"{code},1,2" for code in codes
    )
    body = IMPORT_PLANS.format(path=file_of(text), actor=director.id)
    with pytest.raises(AssertionError, match="FINISHED"):
        kill_worker_halfway(app, body, table="no_such_table")
    assert _count(AnnualPlan) == 3

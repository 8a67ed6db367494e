"""A crash halfway through an import or an attendance save leaves the database as it was.

Each test sends the real request (the view owns the one commit) and injects an exception right
after the database has already taken part of the work (rows inserted or updated inside the open
transaction). The server answers its 500 page, and every table holds exactly what it held
before. Then the same request without the fault succeeds, which shows the crash hit real work.
"""

import io

import pytest
from sqlalchemy import func, select

from lms.attendance import services as attendance
from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.reports.models import AnnualPlan
from tests.faults.helpers import crash_after_write, snapshot


@pytest.fixture
def app_config():
    # As in production: an unexpected error renders the 500 page instead of reaching pytest.
    return {"PROPAGATE_EXCEPTIONS": False}


def _crashes(client, url, data, *, table, nth=1) -> None:
    before = snapshot()
    with crash_after_write(table, nth) as seen:
        response = client.post(url, data=data)
    assert seen["n"] >= nth, "the fault never fired: the request did not reach the database"
    assert response.status_code == 500
    assert "Chưa có gì được lưu" in response.text
    assert snapshot() == before


def test_a_crash_halfway_through_a_user_import_saves_nothing(client, login, make):
    unit = make.unit(code="P1")
    admin = make.admin(username="boss")
    for n in range(150):
        make.trainee(username=f"old{n:03d}", full_name=f"Người Cũ {n}", unit=unit)
    lines = ["full_name,username,email,date_of_birth,unit_code,roles"]
    lines += [f"Tên Mới {n},old{n:03d},,,P1,trainee" for n in range(150)]  # 150 updates
    lines += [f"Người Mới {n},new{n:03d},,,P1,trainee" for n in range(150)]  # 150 new users
    data = "\n".join(lines).encode()
    login(admin)

    def post():
        return {"file": (io.BytesIO(data), "users.csv")}

    _crashes(client, "/admin/users/import", post(), table="users")

    assert client.post("/admin/users/import", data=post()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User)) == 1 + 150 + 150


def test_a_crash_halfway_through_a_roster_import_saves_nothing(client, login, make):
    unit = make.unit()
    klass = make.klass(capacity=None)
    director = make.director()
    names = [make.trainee(unit=unit).username for _ in range(200)]
    data = ("username\n" + "\n".join(names) + "\n").encode()
    login(director)

    def post():
        return {"kind": "import", "file": (io.BytesIO(data), "roster.csv")}

    url = f"/classes/{klass.id}/assign"
    _crashes(client, url, post(), table="enrollments")

    assert client.post(url, data=post()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 200


def test_a_crash_halfway_through_a_plan_import_saves_nothing(client, login, make):
    codes = [make.program(code=f"CT{n}").code for n in range(6)]
    director = make.director()
    rows = [f"{code},{10 + n},{500 + n}" for n, code in enumerate(codes)]
    data = ("program_code,planned_classes,planned_attendances\n" + "\n".join(rows)).encode()
    login(director)

    def post():
        return {"file": (io.BytesIO(data), "plan.csv")}

    # Programs are saved one after the other: crash at the third program's plan.
    _crashes(client, "/reports/plans/2026/import", post(), table="annual_plans", nth=5)

    assert client.post("/reports/plans/2026/import", data=post()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AnnualPlan)) == 6


def test_a_crash_halfway_through_saving_300_marks_saves_none_of_them(client, login, make):
    session, instructor, enrollments = make.session_now(trainees=300)
    # 100 marks were saved earlier: the save below updates those and inserts 200 new ones.
    attendance.mark_attendance(
        session, {e.id: ("present", "") for e in enrollments[:100]}, actor=instructor
    )
    db.session.commit()
    form = {}
    for n, enrollment in enumerate(enrollments):
        form[f"s-{enrollment.id}"] = "absent" if n % 3 == 0 else "late"
        form[f"o-{enrollment.id}"] = "present" if n < 100 else ""
    login(instructor)
    url = f"/sessions/{session.id}/attendance"

    # After the INSERT of the new rows and the UPDATE of the old ones (the counters moved by the
    # database with them), before the audit rows.
    _crashes(client, url, form, table="attendances", nth=2)

    assert client.post(url, data=form).status_code == 302
    statuses = db.session.scalars(select(Attendance.status)).all()
    assert sorted(set(statuses)) == ["absent", "late"]
    assert len(statuses) == 300

"""`flask --app wsgi lms backup` while gunicorn serves requests (reports read, plans written),
then `lms restore` into an empty database: the restored center gives the same annual report
(the CSV export, byte for byte), the same rows in every table the traffic did not touch, and a
consistent state of the ones it did. SQLite (the online backup API) and PostgreSQL (pg_dump)."""

import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lms.auth.models import User
from lms.classes.models import Program
from lms.demo import load_demo
from lms.extensions import db
from lms.reports.models import AnnualPlan, PlanRevision
from lms.reports.services import PLAN_FIELDS
from tests.conftest import PG_URL, make_app
from tests.faults.helpers import ROOT, snapshot
from tests.faults.live import forge_clients, gunicorn, server_env

WRITTEN_BY_TRAFFIC = {"annual_plans", "plan_revisions"}
THIS_YEAR = time.localtime().tm_year


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database of the same kind as the test's."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


def _revisions() -> int:
    db.session.rollback()  # a fresh snapshot
    return db.session.scalar(select(func.count()).select_from(PlanRevision))


def flask(app, *args, database_url=None):
    env = server_env(app)
    if database_url:
        env["LMS_DATABASE_URL"] = database_url
    result = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-m", "flask", "--app", "wsgi", "lms", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_backup_while_serving_then_restore_gives_the_same_report(app, tmp_path, empty_database):
    load_demo(scale=0.05, population=400, echo=lambda *a: None)
    director = db.session.scalar(select(User).where(User.username == "director"))
    programs = db.session.scalars(select(Program.id)).all()
    db.session.commit()
    statuses: list[int] = []
    stop = threading.Event()

    def reader(client):
        while not stop.is_set():
            for path in ("/reports/?year=2019", "/reports/2019/export.csv"):
                statuses.append(client.request("GET", path)[0])

    def plan_writer(client):
        n = 0
        while not stop.is_set():
            n += 1
            form = {f"p{pid}-planned_classes": str(n + i) for i, pid in enumerate(programs)}
            form |= {f"p{pid}-planned_attendances": str(50 * n) for pid in programs}
            statuses.append(client.request("POST", f"/reports/plans/{THIS_YEAR}", form)[0])

    backup_file = tmp_path / ("backup.pgdump" if PG_URL else "backup.sqlite3")
    with gunicorn(app, tmp_path / "gunicorn.log") as base:
        [client] = forge_clients(app, base, [director])
        threads = [threading.Thread(target=reader, args=(client,)) for _ in range(2)]
        threads.append(threading.Thread(target=plan_writer, args=(client,)))
        for thread in threads:
            thread.start()
        try:
            time.sleep(2)
            during = len(statuses)
            saved_before = _revisions()
            flask(app, "backup", str(backup_file))
            saved_after = _revisions()
            time.sleep(1)
            assert len(statuses) > during  # requests were answered while the backup ran
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
    assert statuses
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    assert 302 in statuses  # plans were saved while serving

    flask(app, "restore", str(backup_file), database_url=empty_database)

    source_csv, restored_csv = tmp_path / "source.csv", tmp_path / "restored.csv"
    flask(app, "report", "--year", "2019", "--format", "csv", "--output", str(source_csv))
    flask(app, "report", "--year", "2019", "--format", "csv", "--output", str(restored_csv),
          database_url=empty_database)
    assert source_csv.read_bytes() == restored_csv.read_bytes()
    assert len(source_csv.read_text(encoding="utf-8-sig").splitlines()) > 5

    source = snapshot()
    target = make_app(tmp_path / "other", DATABASE_URL=empty_database)
    with target.app_context():
        restored = snapshot()
        # Every save committed before the backup began is in it; none from after it ended.
        assert saved_before <= _revisions() <= saved_after
        plans = db.session.scalars(select(AnnualPlan).where(AnnualPlan.year == THIS_YEAR)).all()
        assert plans, "the backup holds some of the plan saves"
        for plan in plans:  # a whole save or none: each figure is its last revision's value
            for field in PLAN_FIELDS:
                last = db.session.scalar(
                    select(PlanRevision.new_value)
                    .where(PlanRevision.plan_id == plan.id, PlanRevision.field == field)
                    .order_by(PlanRevision.id.desc())
                    .limit(1)
                )
                assert getattr(plan, field) == last, (plan.program_id, field)
        db.session.remove()
        db.engine.dispose()
    for table, rows in source.items():
        if table not in WRITTEN_BY_TRAFFIC:
            assert restored[table] == rows, table

"""The `lms` command group: create-user, demo, backup, restore."""

import os

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import authenticate
from lms.extensions import db
from tests.conftest import make_app


@pytest.mark.parametrize(
    "command", ["create-user", "demo", "backup", "restore", "jobs-cleanup", "drain-report-keys"]
)
def test_every_command_has_help(app, command):
    result = app.test_cli_runner().invoke(args=["lms", command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_create_user(app, make):
    unit = make.unit(code="P1")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=[
            "lms",
            "create-user",
            "--username",
            "Hoa",
            "--full-name",
            "Ngô Thị Hoa",
            "--unit",
            "P1",
            "--role",
            "trainee",
            "--role",
            "instructor",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    user = authenticate("hoa", "long-enough-pw")
    assert user.roles == {"trainee", "instructor"}
    assert user.unit_id == unit.id


def test_create_user_explains_a_bad_unit(app):
    result = app.test_cli_runner().invoke(
        args=[
            "lms",
            "create-user",
            "--username",
            "hoa",
            "--full-name",
            "Ngô Thị Hoa",
            "--unit",
            "NOPE",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code != 0
    assert "NOPE" in result.output


def test_demo_loads_once_with_the_four_accounts(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lms", "demo", "--if-empty"]).exit_code == 0
    count = db.session.scalar(select(func.count()).select_from(User))
    for name in ("admin", "director", "instructor", "trainee"):
        assert authenticate(name, "demo") is not None, name
    # Every account the loader made is marked, generated people too, and refused in production.
    assert count > 4
    assert db.session.scalar(select(func.count()).where(~User.is_demo)) == 0
    app.config["ENV"] = "production"
    try:
        assert authenticate("director", "demo") is None
    finally:
        app.config["ENV"] = "development"
    again = runner.invoke(args=["lms", "demo", "--if-empty"])
    assert again.exit_code == 0
    assert "kept" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count


def test_demo_is_refused_in_production(tmp_path):
    app = make_app(tmp_path, ENV="production", PUBLIC_BASE_URL="https://lms.example.vn")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["lms", "demo"])
        assert result.exit_code != 0
        assert "production" in result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        # End the read transaction and keep the tables: on PostgreSQL the suite shares one
        # schema (created once per run), and DROP TABLE would wait on this open transaction.
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(
    bool(os.environ.get("LMS_TEST_DATABASE_URL")), reason="SQLite file round trip; see PG test"
)
def test_backup_then_restore_into_an_empty_database(app, make, tmp_path):
    make.user(username="hoa", full_name="Ngô Thị Hoa")
    db.session.commit()
    backup_file = tmp_path / "backup.sqlite3"
    assert app.test_cli_runner().invoke(args=["lms", "backup", str(backup_file)]).exit_code == 0

    target = make_app(tmp_path / "other")
    (tmp_path / "other").mkdir()
    with target.app_context():
        runner = target.test_cli_runner()
        result = runner.invoke(args=["lms", "restore", str(backup_file)])
        assert result.exit_code == 0, result.output
        assert (
            db.session.scalar(select(User.full_name).where(User.username == "hoa")) == "Ngô Thị Hoa"
        )
        refused = runner.invoke(args=["lms", "restore", str(backup_file)])
        assert refused.exit_code != 0
        assert "--force" in refused.output
        db.engine.dispose()


@pytest.fixture
def empty_pg_database():
    """A freshly created, empty PostgreSQL database (dropped afterwards)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    pg_url = os.environ["LMS_TEST_DATABASE_URL"]
    name = f"lms_restore_{uuid.uuid4().hex[:8]}"
    server = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL"), reason="needs PostgreSQL (LMS_TEST_DATABASE_URL)"
)
def test_pg_backup_then_restore_into_an_empty_database(app, make, tmp_path, empty_pg_database):
    unit = make.unit(code="P1", name="Phường Đại Kim")
    make.user(username="hoa", full_name="Ngô Thị Hoa", unit=unit, roles=("trainee", "instructor"))
    make.user(username="duc", full_name="Trần Văn Đức", unit=unit)
    db.session.commit()

    def snapshot():
        rows = db.session.execute(
            select(User.username, User.full_name, User.is_instructor, User.unit_id).order_by(
                User.username
            )
        )
        return [tuple(r) for r in rows]

    expected = snapshot()
    backup_file = tmp_path / "backup.pgdump"
    result = app.test_cli_runner().invoke(args=["lms", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    target = make_app(tmp_path / "other", DATABASE_URL=empty_pg_database)
    with target.app_context():
        runner = target.test_cli_runner()
        result = runner.invoke(args=["lms", "restore", str(backup_file)])
        assert result.exit_code == 0, result.output
        assert snapshot() == expected
        refused = runner.invoke(args=["lms", "restore", str(backup_file)])
        assert refused.exit_code != 0
        assert "--force" in refused.output
        db.session.remove()
        db.engine.dispose()


def test_drain_report_keys_stores_every_pending_person(app, make):
    """Past one batch (500 people): all stored, none pending, the same report."""
    from lms.reports import rollups
    from lms.reports.models import PendingTraineeKeys
    from lms.reports.report import compute_report
    from tests.reports.test_rollups import assert_rollups_equal_a_recount

    klass = make.klass()
    session = make.session(klass)
    for _ in range(3):
        make.attendance(session, make.enrollment(klass))
    db.session.commit()
    people = db.session.scalars(select(PendingTraineeKeys.user_id)).all()
    assert len(set(people)) == 3  # appended by the triggers
    db.session.add_all(PendingTraineeKeys(user_id=people[0]) for _ in range(rollups.DRAIN_BATCH))
    db.session.commit()
    year = klass.start_date.year
    before = compute_report(year).total.unique_trainees
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["lms", "drain-report-keys"])
    assert result.exit_code == 0, result.output
    assert "report keys stored for 3 people" in result.output
    assert db.session.scalar(select(func.count()).select_from(PendingTraineeKeys)) == 0
    assert compute_report(year).total.unique_trainees == before == 3
    assert_rollups_equal_a_recount()

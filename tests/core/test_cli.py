"""The `lms` command group: create-user, demo, backup, restore."""

import os

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import authenticate
from lms.extensions import db
from tests.conftest import make_app


@pytest.mark.parametrize("command", ["create-user", "demo", "backup", "restore"])
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
    again = runner.invoke(args=["lms", "demo", "--if-empty"])
    assert again.exit_code == 0
    assert "kept" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count


def test_demo_is_refused_in_production(tmp_path):
    app = make_app(tmp_path, ENV="production")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["lms", "demo"])
        assert result.exit_code != 0
        assert "production" in result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        # No drop_all here: on PostgreSQL it waited forever on this session's open
        # transaction, and once it ran, the shared test schema was gone for later tests.
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

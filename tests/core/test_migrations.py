"""Migrations: one head, they build an empty database, and they match the models."""

import os
import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_a_single_migration_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    pg_url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not pg_url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_an_empty_database_that_matches_the_models(empty_database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_the_pending_report_keys_migration_goes_down_and_up_again(empty_database_url):
    """7c3f9a2d5b18 swaps the rollup triggers: its downgrade restores the previous ones (the
    old keys recounted), and upgrading again gives the same schema as the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade

    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": empty_database_url})
    with app.app_context():
        directory = str(ROOT / "migrations")
        upgrade(directory=directory)
        downgrade(directory=directory, revision="5d2e8c1f4a07")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names())
        assert "trainee_keys_pending" not in tables
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


def _spelling_migration():
    import importlib.util

    path = next(ROOT.glob("migrations/versions/e3b7a1c90d42_*.py"))
    spec = importlib.util.spec_from_file_location("enrollment_spelling", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def _schema_names(connection) -> tuple[set, set]:
    """The database's trigger names and the columns of classes."""
    if connection.dialect.name == "postgresql":
        triggers = connection.execute(text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
    else:
        triggers = connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    columns = {c["name"] for c in db.inspect(connection).get_columns("classes")}
    return set(triggers), columns


def test_the_enrollment_spelling_migration_renames_what_the_models_name(app, empty_database_url):
    """e3b7a1c90d42 renames classes.enrollment_mode and the rollup triggers on enrollments: a
    migrated database has the same triggers as one built from the models (no trigger left under
    its old name to count twice), down and up again."""
    from flask_migrate import downgrade

    with db.engine.connect() as connection:
        expected_triggers, expected_columns = _schema_names(connection)
    assert "enrollment_mode" in expected_columns

    migrated = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": empty_database_url})
    with migrated.app_context():
        directory = str(ROOT / "migrations")
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            assert _schema_names(connection) == (expected_triggers, expected_columns)
        downgrade(directory=directory, revision="d7a2c5e80b14")
        with db.engine.connect() as connection:
            triggers, columns = _schema_names(connection)
        # The names before it, as the migration spells them (this file is in the new spelling).
        spelling = _spelling_migration()
        added_since = {"reopened_at"}  # by f41c8d2a6b53, after it
        assert columns == {spelling.spelled(c, new=False) for c in expected_columns} - added_since
        assert triggers == {spelling.spelled(t, new=False) for t in expected_triggers}
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            assert _schema_names(connection) == (expected_triggers, expected_columns)
        db.engine.dispose()


def test_reopened_at_is_filled_from_the_audit_log(empty_database_url):
    """f41c8d2a6b53 adds classes.reopened_at and fills it from the "class.reopen" entries of
    the audit log: a class reopened before the migration still waits for its close-out."""
    from datetime import date

    from flask_migrate import downgrade

    from lms.attendance.closeout import reopen
    from lms.classes.models import Class
    from lms.core.types import utcnow
    from tests.factories import Factories

    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": empty_database_url})
    with app.app_context():
        directory = str(ROOT / "migrations")
        upgrade(directory=directory)
        make = Factories()
        director = make.director()
        reopened = make.klass(start_date=date(2026, 3, 2), end_date=date(2026, 3, 9))
        untouched = make.klass(start_date=date(2026, 3, 2), end_date=date(2026, 3, 9))
        reopened.closed_at = untouched.closed_at = utcnow()
        db.session.commit()
        reopen(reopened, "Sai điểm danh", actor=director)
        db.session.commit()
        ids = (reopened.id, untouched.id)
        db.session.remove()
        downgrade(directory=directory, revision="e3b7a1c90d42")
        upgrade(directory=directory)
        first, second = (db.session.get(Class, i) for i in ids)
        assert first.reopened_at is not None
        assert second.reopened_at is None
        db.session.remove()
        db.engine.dispose()

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

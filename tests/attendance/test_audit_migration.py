"""The migration installs the audit log's append-only triggers (as create_all does)."""

from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from lms import create_app
from lms.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_migrated_database_refuses_update_and_delete_of_audit_entries(tmp_path):
    app = create_app(
        {"SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO audit_log (at, action, object_type) VALUES ('2026-01-01', 'x', 'y')"
            ))
        for statement in ("UPDATE audit_log SET action = 'z'", "DELETE FROM audit_log"):
            with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as c:
                c.execute(text(statement))
        db.engine.dispose()

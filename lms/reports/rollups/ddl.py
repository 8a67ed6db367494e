"""Every trigger (and PostgreSQL trigger function) of the rollups, per dialect, and how they
travel with the schema: create_all runs them through DDL events; the migrations hold copies."""

from __future__ import annotations

import re

from sqlalchemy import DDL, event, text

from lms.extensions import db
from lms.reports.rollups.postgresql import statements as postgresql_statements
from lms.reports.rollups.sqlite import statements as sqlite_statements

STATEMENTS = {"sqlite": sqlite_statements(), "postgresql": postgresql_statements()}

_CREATE = re.compile(r"CREATE TRIGGER (?:IF NOT EXISTS )?(\w+) (?:AFTER|BEFORE) .*? ON (\w+)")


def trigger_names(statements: list[str]) -> list[tuple[str, str]]:
    """(trigger, table) of every trigger the statements create, in their order."""
    return [m.groups() for s in statements if (m := _CREATE.match(s))]


def drop_triggers() -> None:
    """Drop the rollup triggers (the PostgreSQL functions stay: create_triggers replaces them)."""
    dialect = db.session.get_bind().dialect.name
    for name, table in trigger_names(STATEMENTS.get(dialect, [])):
        on = f" ON {table}" if dialect == "postgresql" else ""
        db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))


def create_triggers() -> None:
    for statement in STATEMENTS.get(db.session.get_bind().dialect.name, []):
        db.session.execute(text(statement))


# create_all (tests, a fresh database) gets the same triggers, once every table exists.
for _dialect, _statements in STATEMENTS.items():
    for _sql in _statements:
        event.listen(
            db.metadata, "after_create", DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect)
        )

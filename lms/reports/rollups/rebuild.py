"""Every rollup recounted from the source rows: the migrations' backfill, and bulk loads
(paused(): the triggers dropped while the rows go in, everything recounted at the end, the
counters of sessions and enrolments included)."""

# ruff: noqa: S608

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

from lms.extensions import db
from lms.reports.rollups.counters import recount_statements
from lms.reports.rollups.ddl import create_triggers, drop_triggers
from lms.reports.rollups.sql import keys_select


def rebuild_statements(dialect: str) -> list[str]:
    """Every rollup recounted from the source rows (the same definitions as the triggers):
    first the counters of sessions and enrolments (the report's rollups read them), then
    the report's rollups from scratch, with nobody left pending."""
    # PostgreSQL: room to group millions of rows in memory (this transaction only).
    memory = ["SET LOCAL work_mem = '256MB'"] if dialect == "postgresql" else []
    return memory + recount_statements() + [
        "DELETE FROM trainee_keys_pending",
        "DELETE FROM class_unit_counts",
        "INSERT INTO class_unit_counts"
        " (class_id, unit_id, enrolled, participants, completions, certificates)"
        " SELECT e.class_id, e.unit_id, COUNT(*),"
        " SUM(CASE WHEN e.attended_count > 0 THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN e.outcome = 'completed' THEN 1 ELSE 0 END), SUM(COALESCE(x.n, 0))"
        " FROM enrollments e LEFT JOIN (SELECT enrollment_id, COUNT(*) AS n FROM certificates"
        " WHERE revoked_at IS NULL GROUP BY enrollment_id) x ON x.enrollment_id = e.id"
        " WHERE e.status = 'enrolled' GROUP BY e.class_id, e.unit_id"
        # In primary-key order: on PostgreSQL a class's rows then share heap pages.
        " ORDER BY e.class_id, e.unit_id",
        "DELETE FROM trainee_keys",
        "INSERT INTO trainee_keys (user_id, year, kind, key, first_date)"
        + keys_select(dialect, None),
        "DELETE FROM trainee_key_counts",
        "INSERT INTO trainee_key_counts (first_date, kind, key, people)"
        " SELECT first_date, kind, key, COUNT(*) FROM trainee_keys"
        " GROUP BY first_date, kind, key ORDER BY first_date, kind, key",
    ]


def rebuild() -> None:
    """Recount every rollup from the source rows (in the caller's transaction); nobody is left
    pending."""
    for statement in rebuild_statements(db.session.get_bind().dialect.name):
        db.session.execute(text(statement))


@contextmanager
def paused():
    """Bulk loads (the demo generator): no trigger per row; every rollup recounted at the end.
    Only for a database nobody else writes to at the same time."""
    drop_triggers()
    try:
        yield
    finally:
        create_triggers()
    rebuild()

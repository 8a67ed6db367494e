"""The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE.

The same statements run from the migration (lms.attendance.audit_guard.STATEMENTS) and from
create_all (DDL events), so test databases and migrated ones behave alike.
"""

from sqlalchemy import DDL, event

from lms.core.models import AuditLog

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]
STATEMENTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}

for _dialect, _statements in STATEMENTS.items():
    for _sql in _statements:
        event.listen(
            AuditLog.__table__,
            "after_create",
            DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect),
        )

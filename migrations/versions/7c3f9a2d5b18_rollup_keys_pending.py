"""report rollups: keys of changed people pending, drained in batches

Revision ID: 7c3f9a2d5b18
Revises: 5d2e8c1f4a07
Create Date: 2026-11-26 14:00:00.000000

The triggers no longer recompute a person's report keys in the transaction of the change (the
check-in's first mark paid ~3 ms of database time for it): they append the person to
trainee_keys_pending, which lms.reports.rollups.drain() folds into trainee_keys and
trainee_key_counts in batches, and the report corrects for meanwhile. The statements are
copied from lms.reports.rollups so that this migration never changes when the code does.
Nobody is pending after the upgrade: the stored keys were exact under the old triggers.
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3f9a2d5b18'
down_revision = '5d2e8c1f4a07'
branch_labels = None
depends_on = None

TRIGGERS = {
    'sqlite': [
        "CREATE TRIGGER IF NOT EXISTS rollup_enrolment_insert AFTER INSERT ON enrollments WHEN NEW.status = 'enrolled' BEGIN INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (NEW.class_id, NEW.unit_id, +(CASE WHEN NEW.status = 'enrolled' THEN 1 ELSE 0 END), +(CASE WHEN (NEW.status = 'enrolled' AND NEW.attended_count > 0) THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' AND NEW.outcome = 'completed' THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = NEW.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; END",
        "CREATE TRIGGER IF NOT EXISTS rollup_enrolment_update AFTER UPDATE OF status, attended_count, outcome, class_id, unit_id ON enrollments WHEN ((OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id) OR OLD.status <> NEW.status OR (OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) OR OLD.outcome IS NOT NEW.outcome) BEGIN INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (OLD.class_id, OLD.unit_id, -(CASE WHEN OLD.status = 'enrolled' THEN 1 ELSE 0 END), -(CASE WHEN (OLD.status = 'enrolled' AND OLD.attended_count > 0) THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' AND OLD.outcome = 'completed' THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = OLD.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (NEW.class_id, NEW.unit_id, +(CASE WHEN NEW.status = 'enrolled' THEN 1 ELSE 0 END), +(CASE WHEN (NEW.status = 'enrolled' AND NEW.attended_count > 0) THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' AND NEW.outcome = 'completed' THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = NEW.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; END",
        "CREATE TRIGGER IF NOT EXISTS rollup_enrolment_delete AFTER DELETE ON enrollments WHEN OLD.status = 'enrolled' BEGIN INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (OLD.class_id, OLD.unit_id, -(CASE WHEN OLD.status = 'enrolled' THEN 1 ELSE 0 END), -(CASE WHEN (OLD.status = 'enrolled' AND OLD.attended_count > 0) THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' AND OLD.outcome = 'completed' THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = OLD.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_enrolment_insert AFTER INSERT ON enrollments WHEN (NEW.status = 'enrolled' AND NEW.attended_count > 0) BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (NEW.user_id); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_enrolment_update AFTER UPDATE OF status, attended_count, class_id, unit_id, user_id ON enrollments WHEN ((OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) OR (((OLD.status = 'enrolled' AND OLD.attended_count > 0) OR (NEW.status = 'enrolled' AND NEW.attended_count > 0)) AND ((OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id) OR OLD.user_id <> NEW.user_id))) BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (OLD.user_id, NEW.user_id); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_enrolment_delete AFTER DELETE ON enrollments WHEN (OLD.status = 'enrolled' AND OLD.attended_count > 0) BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (OLD.user_id); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_certificate_insert AFTER INSERT ON certificates WHEN NEW.revoked_at IS NULL BEGIN UPDATE class_unit_counts SET certificates = certificates + 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = NEW.enrollment_id AND status = 'enrolled'); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_certificate_update AFTER UPDATE OF revoked_at, enrollment_id ON certificates WHEN ((OLD.revoked_at IS NULL) <> (NEW.revoked_at IS NULL) OR OLD.enrollment_id <> NEW.enrollment_id) BEGIN UPDATE class_unit_counts SET certificates = certificates - 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = OLD.enrollment_id AND status = 'enrolled') AND OLD.revoked_at IS NULL; UPDATE class_unit_counts SET certificates = certificates + 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = NEW.enrollment_id AND status = 'enrolled') AND NEW.revoked_at IS NULL; END",
        "CREATE TRIGGER IF NOT EXISTS rollup_certificate_delete AFTER DELETE ON certificates WHEN OLD.revoked_at IS NULL BEGIN UPDATE class_unit_counts SET certificates = certificates - 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = OLD.enrollment_id AND status = 'enrolled'); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_class_update AFTER UPDATE OF cancelled_at, program_id ON classes WHEN ((OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL) OR OLD.program_id <> NEW.program_id) BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (SELECT user_id FROM enrollments WHERE class_id = NEW.id AND status = 'enrolled' AND attended_count > 0); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_session_insert AFTER INSERT ON class_sessions WHEN NEW.cancelled_at IS NULL BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (SELECT user_id FROM enrollments WHERE class_id = NEW.class_id AND status = 'enrolled' AND attended_count > 0); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_session_update AFTER UPDATE OF on_date, cancelled_at, class_id, marked_count ON class_sessions WHEN (OLD.on_date <> NEW.on_date OR OLD.class_id <> NEW.class_id OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL)) OR (((OLD.marked_count > 0) <> (NEW.marked_count > 0) AND NEW.cancelled_at IS NULL) AND NOT EXISTS (SELECT 1 FROM class_sessions o WHERE o.class_id = NEW.class_id AND o.id <> NEW.id AND o.cancelled_at IS NULL AND o.marked_count > 0)) BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (SELECT user_id FROM enrollments WHERE class_id = OLD.class_id AND status = 'enrolled' AND attended_count > 0 UNION SELECT user_id FROM enrollments WHERE class_id = NEW.class_id AND status = 'enrolled' AND attended_count > 0); END",
        "CREATE TRIGGER IF NOT EXISTS rollup_keys_session_delete AFTER DELETE ON class_sessions WHEN OLD.cancelled_at IS NULL BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT id FROM users WHERE id IN (SELECT user_id FROM enrollments WHERE class_id = OLD.class_id AND status = 'enrolled' AND attended_count > 0); END",
    ],
    'postgresql': [
        'CREATE OR REPLACE FUNCTION rollup_defer_keys(users integer[]) RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO trainee_keys_pending (user_id) SELECT DISTINCT u FROM unnest(users) u WHERE u IS NOT NULL; END $$',
        "CREATE OR REPLACE FUNCTION rollup_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'UPDATE' AND OLD.class_id = NEW.class_id AND OLD.unit_id = NEW.unit_id AND OLD.status = NEW.status AND OLD.outcome IS NOT DISTINCT FROM NEW.outcome THEN IF (OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) THEN UPDATE class_unit_counts SET participants = participants + CASE WHEN (NEW.status = 'enrolled' AND NEW.attended_count > 0) THEN 1 ELSE -1 END WHERE class_id = NEW.class_id AND unit_id = NEW.unit_id; END IF; ELSE IF TG_OP <> 'INSERT' THEN INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (OLD.class_id, OLD.unit_id, -(CASE WHEN OLD.status = 'enrolled' THEN 1 ELSE 0 END), -(CASE WHEN (OLD.status = 'enrolled' AND OLD.attended_count > 0) THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' AND OLD.outcome = 'completed' THEN 1 ELSE 0 END), -(CASE WHEN OLD.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = OLD.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO class_unit_counts (class_id, unit_id, enrolled, participants, completions, certificates) VALUES (NEW.class_id, NEW.unit_id, +(CASE WHEN NEW.status = 'enrolled' THEN 1 ELSE 0 END), +(CASE WHEN (NEW.status = 'enrolled' AND NEW.attended_count > 0) THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' AND NEW.outcome = 'completed' THEN 1 ELSE 0 END), +(CASE WHEN NEW.status = 'enrolled' THEN (SELECT COUNT(*) FROM certificates x WHERE x.enrollment_id = NEW.id AND x.revoked_at IS NULL) ELSE 0 END)) ON CONFLICT (class_id, unit_id) DO UPDATE SET enrolled = class_unit_counts.enrolled + excluded.enrolled, participants = class_unit_counts.participants + excluded.participants, completions = class_unit_counts.completions + excluded.completions, certificates = class_unit_counts.certificates + excluded.certificates; END IF; END IF; IF (TG_OP = 'INSERT' AND (NEW.status = 'enrolled' AND NEW.attended_count > 0)) OR (TG_OP = 'DELETE' AND (OLD.status = 'enrolled' AND OLD.attended_count > 0)) OR (TG_OP = 'UPDATE' AND ((OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) OR (((OLD.status = 'enrolled' AND OLD.attended_count > 0) OR (NEW.status = 'enrolled' AND NEW.attended_count > 0)) AND ((OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id) OR OLD.user_id <> NEW.user_id)))) THEN PERFORM rollup_defer_keys(ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.user_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.user_id END]); END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION rollup_certificate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP <> 'INSERT' AND OLD.revoked_at IS NULL THEN UPDATE class_unit_counts SET certificates = certificates - 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = OLD.enrollment_id AND status = 'enrolled'); END IF; IF TG_OP <> 'DELETE' AND NEW.revoked_at IS NULL THEN UPDATE class_unit_counts SET certificates = certificates + 1 WHERE (class_id, unit_id) IN (SELECT class_id, unit_id FROM enrollments WHERE id = NEW.enrollment_id AND status = 'enrolled'); END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION rollup_class() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM rollup_defer_keys(ARRAY(SELECT user_id FROM enrollments WHERE class_id = NEW.id AND status = 'enrolled' AND attended_count > 0)); RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION rollup_session() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'UPDATE' AND NOT ((OLD.on_date <> NEW.on_date OR OLD.class_id <> NEW.class_id OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL))) AND EXISTS (SELECT 1 FROM class_sessions o WHERE o.class_id = NEW.class_id AND o.id <> NEW.id AND o.cancelled_at IS NULL AND o.marked_count > 0) THEN RETURN NULL; END IF; PERFORM rollup_defer_keys(ARRAY(SELECT user_id FROM enrollments WHERE class_id = CASE WHEN TG_OP = 'INSERT' THEN NEW.class_id ELSE OLD.class_id END AND status = 'enrolled' AND attended_count > 0 UNION SELECT user_id FROM enrollments WHERE class_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.class_id ELSE NEW.class_id END AND status = 'enrolled' AND attended_count > 0)); RETURN NULL; END $$",
        'DROP TRIGGER IF EXISTS rollup_enrolment_insert ON enrollments',
        "CREATE TRIGGER rollup_enrolment_insert AFTER INSERT ON enrollments FOR EACH ROW WHEN (NEW.status = 'enrolled') EXECUTE FUNCTION rollup_enrolment()",
        'DROP TRIGGER IF EXISTS rollup_enrolment_update ON enrollments',
        "CREATE TRIGGER rollup_enrolment_update AFTER UPDATE OF status, attended_count, outcome, class_id, unit_id, user_id ON enrollments FOR EACH ROW WHEN (((OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id) OR OLD.status <> NEW.status OR (OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) OR OLD.outcome IS DISTINCT FROM NEW.outcome) OR ((OLD.status = 'enrolled' AND OLD.attended_count > 0) <> (NEW.status = 'enrolled' AND NEW.attended_count > 0) OR (((OLD.status = 'enrolled' AND OLD.attended_count > 0) OR (NEW.status = 'enrolled' AND NEW.attended_count > 0)) AND ((OLD.class_id <> NEW.class_id OR OLD.unit_id <> NEW.unit_id) OR OLD.user_id <> NEW.user_id)))) EXECUTE FUNCTION rollup_enrolment()",
        'DROP TRIGGER IF EXISTS rollup_enrolment_delete ON enrollments',
        "CREATE TRIGGER rollup_enrolment_delete AFTER DELETE ON enrollments FOR EACH ROW WHEN (OLD.status = 'enrolled') EXECUTE FUNCTION rollup_enrolment()",
        'DROP TRIGGER IF EXISTS rollup_certificate ON certificates',
        'CREATE TRIGGER rollup_certificate AFTER INSERT OR UPDATE OF revoked_at, enrollment_id OR DELETE ON certificates FOR EACH ROW EXECUTE FUNCTION rollup_certificate()',
        'DROP TRIGGER IF EXISTS rollup_class ON classes',
        'CREATE TRIGGER rollup_class AFTER UPDATE OF cancelled_at, program_id ON classes FOR EACH ROW WHEN ((OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL) OR OLD.program_id <> NEW.program_id) EXECUTE FUNCTION rollup_class()',
        'DROP TRIGGER IF EXISTS rollup_session_insert ON class_sessions',
        'CREATE TRIGGER rollup_session_insert AFTER INSERT ON class_sessions FOR EACH ROW WHEN (NEW.cancelled_at IS NULL) EXECUTE FUNCTION rollup_session()',
        'DROP TRIGGER IF EXISTS rollup_session_update ON class_sessions',
        'CREATE TRIGGER rollup_session_update AFTER UPDATE OF on_date, cancelled_at, class_id, marked_count ON class_sessions FOR EACH ROW WHEN ((OLD.on_date <> NEW.on_date OR OLD.class_id <> NEW.class_id OR (OLD.cancelled_at IS NULL) <> (NEW.cancelled_at IS NULL)) OR ((OLD.marked_count > 0) <> (NEW.marked_count > 0) AND NEW.cancelled_at IS NULL)) EXECUTE FUNCTION rollup_session()',
        'DROP TRIGGER IF EXISTS rollup_session_delete ON class_sessions',
        'CREATE TRIGGER rollup_session_delete AFTER DELETE ON class_sessions FOR EACH ROW WHEN (OLD.cancelled_at IS NULL) EXECUTE FUNCTION rollup_session()',
    ],
}


def _previous():
    """The migration before this one (its trigger statements, for the downgrade)."""
    path = next(Path(__file__).parent.glob("5d2e8c1f4a07_*.py"))
    spec = importlib.util.spec_from_file_location("rollups_5d2e8c1f4a07", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _drop_triggers(name):
    for statement in _previous().DROP.get(name, []):
        if not statement.startswith("DROP FUNCTION"):
            op.execute(statement)


def upgrade():
    op.create_table(
        'trainee_keys_pending',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trainee_keys_pending')),
    )
    name = op.get_bind().dialect.name
    _drop_triggers(name)  # SQLite's CREATE TRIGGER IF NOT EXISTS would keep the old bodies
    for statement in TRIGGERS.get(name, []):
        op.execute(statement)
    if name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS rollup_refresh_keys(integer[])")


def downgrade():
    name = op.get_bind().dialect.name
    previous = _previous()
    _drop_triggers(name)
    if name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS rollup_defer_keys(integer[])")
    # The old triggers keep stored keys exact: recount them (the pending people included).
    for statement in previous.BACKFILL.get(name, []) + previous.TRIGGERS.get(name, []):
        op.execute(statement)
    op.drop_table('trainee_keys_pending')

"""one spelling of enrollment in identifiers: classes.enrollment_mode, its constraints, triggers

Revision ID: e3b7a1c90d42
Revises: d7a2c5e80b14
Create Date: 2026-12-04 15:30:00.000000

Only names change (issue 16): the column classes.enrolment_mode, its CHECK constraints and the
report rollups' triggers on enrollments (and the PostgreSQL function behind them). Rows, rules
and trigger bodies are the same. SQLite renames the column in place (ALTER TABLE ... RENAME
COLUMN, which also rewrites its CHECK; a batch copy would drop the triggers on classes) but keeps
the CHECK constraints' old names, which SQLite never reads; its triggers cannot be renamed, so
each is dropped and created again from its own stored text under the new name.
"""
import re

from alembic import op
from sqlalchemy import text

revision = 'e3b7a1c90d42'
down_revision = 'd7a2c5e80b14'
branch_labels = None
depends_on = None

TRIGGERS = ('rollup_enrolment_insert', 'rollup_enrolment_update', 'rollup_enrolment_delete',
            'rollup_keys_enrolment_insert', 'rollup_keys_enrolment_update',
            'rollup_keys_enrolment_delete')
CONSTRAINTS = ('ck_classes_enrolment_mode', 'ck_classes_enrolment_window')


def spelled(name, new):
    return name.replace('enrolment', 'enrollment') if new else name.replace('enrollment', 'enrolment')


def rename(new):
    bind = op.get_bind()
    old = lambda name: spelled(name, not new)  # noqa: E731 - the name before this step
    op.execute(f'ALTER TABLE classes RENAME COLUMN {old("enrollment_mode")} '
               f'TO {spelled("enrolment_mode", new)}')
    if bind.dialect.name == 'postgresql':
        for name in CONSTRAINTS:
            op.execute(f'ALTER TABLE classes RENAME CONSTRAINT {old(name)} TO {spelled(name, new)}')
        for name in TRIGGERS:
            if 'keys' not in name:  # PostgreSQL defers the keys inside rollup_enrolment()
                op.execute(f'ALTER TRIGGER {old(name)} ON enrollments RENAME TO {spelled(name, new)}')
        op.execute(f'ALTER FUNCTION {old("rollup_enrollment")}() '
                   f'RENAME TO {spelled("rollup_enrolment", new)}')
        return
    for name in TRIGGERS:
        sql = bind.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND name = :name"), {"name": old(name)}).scalar()
        if sql is None:
            continue
        op.execute(f'DROP TRIGGER {old(name)}')
        op.execute(re.sub(rf'\b{old(name)}\b', spelled(name, new), sql, count=1))


def upgrade():
    rename(new=True)


def downgrade():
    rename(new=False)

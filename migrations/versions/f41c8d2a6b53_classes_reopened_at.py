"""classes.reopened_at: the latest reopening after a close-out, on the class itself

Revision ID: f41c8d2a6b53
Revises: e3b7a1c90d42
Create Date: 2026-12-04 16:40:00.000000

Certificates wait while a class is reopened, and the director's to-do looks again at classes
ever reopened (a certificate issued before may have gone stale); both read it here instead of
searching the audit log. Filled from the audit log's "class.reopen" entries.
"""
import sqlalchemy as sa
from alembic import op

import lms.core.types

revision = 'f41c8d2a6b53'
down_revision = 'e3b7a1c90d42'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy on SQLite: the rollup triggers name the table).
    op.add_column('classes', sa.Column('reopened_at', lms.core.types.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE classes SET reopened_at = (SELECT MAX(a.at) FROM audit_log a"
        " WHERE a.object_type = 'classes' AND a.object_id = classes.id"
        " AND a.action = 'class.reopen')"
    )


def downgrade():
    op.drop_column('classes', 'reopened_at')

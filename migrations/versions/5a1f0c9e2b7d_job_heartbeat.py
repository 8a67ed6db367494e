"""job heartbeat: a running job whose process died is found and marked failed

Revision ID: 5a1f0c9e2b7d
Revises: 489432b7b533
Create Date: 2026-11-26 10:45:00

"""
import sqlalchemy as sa
from alembic import op

from lms.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '5a1f0c9e2b7d'
down_revision = '489432b7b533'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')

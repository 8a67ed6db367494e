"""users.is_demo: accounts made by the demo loader, refused at sign-in in production

Revision ID: d7a2c5e80b14
Revises: 75ea1d3e60ba
Create Date: 2026-12-04 13:00:00.000000

Existing rows are marked when they carry the demo loader's addresses (the four demo staff:
@demo.lms.invalid) or share their password hash (the loader gives every generated person that
one hash): a database loaded with `lms demo` before this migration is caught too.
"""
import sqlalchemy as sa
from alembic import op

revision = 'd7a2c5e80b14'
down_revision = '75ea1d3e60ba'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD/DROP COLUMN (no batch copy on SQLite: the rollup triggers name the table).
    op.add_column('users', sa.Column('is_demo', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.execute(
        "UPDATE users SET is_demo = TRUE WHERE password_hash IN ("
        "SELECT password_hash FROM users WHERE email LIKE '%@demo.lms.invalid')"
    )


def downgrade():
    op.drop_column('users', 'is_demo')

"""check-in cards and class clerks

Revision ID: 839dfcbc23db
Revises: c4e1a9d27f53
Create Date: 2026-12-04 12:18:11.483083

Personal check-in cards (issue 17): trainee_cards holds each card's opaque random code and its
8-digit number, both unique, and at most one valid (not revoked) card per person (a partial
unique index); class_clerks names the people a director allows to scan cards for a class.
"""
from alembic import op
import sqlalchemy as sa
import lms.core.types


# revision identifiers, used by Alembic.
revision = '839dfcbc23db'
down_revision = 'c4e1a9d27f53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trainee_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=27), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('issued_at', lms.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', lms.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(code) = 27', name=op.f('ck_trainee_cards_code_length')),
    sa.CheckConstraint('length(number) = 8', name=op.f('ck_trainee_cards_number_length')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trainee_cards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainee_cards')),
    sa.UniqueConstraint('code', name=op.f('uq_trainee_cards_code')),
    sa.UniqueConstraint('number', name=op.f('uq_trainee_cards_number'))
    )
    with op.batch_alter_table('trainee_cards', schema=None) as batch_op:
        batch_op.create_index('uq_trainee_cards_valid_user', ['user_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('class_clerks',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('named_at', lms.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_clerks_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], name=op.f('fk_class_clerks_named_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_class_clerks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_class_clerks'))
    )
    with op.batch_alter_table('class_clerks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_clerks_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('class_clerks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_clerks_user_id'))

    op.drop_table('class_clerks')
    with op.batch_alter_table('trainee_cards', schema=None) as batch_op:
        batch_op.drop_index('uq_trainee_cards_valid_user', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.drop_table('trainee_cards')

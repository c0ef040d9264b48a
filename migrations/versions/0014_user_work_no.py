"""auth: operators' work numbers (工号), so thirteen 徐师傅 can be told apart

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 10:00:00

A nullable column, unique when set; existing users keep none until one is given.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_no', sa.String(length=20), nullable=True))
        # A unique index, not a constraint: SQLite adds it in place, where a constraint would make batch
        # mode rebuild "user", which the foreign keys of every table that references it refuse.
        batch_op.create_index(batch_op.f('ix_user_work_no'), ['work_no'], unique=True)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_work_no'))
        batch_op.drop_column('work_no')

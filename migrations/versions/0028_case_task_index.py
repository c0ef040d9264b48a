"""plans: an index of case tasks by window end, for the tablet's day

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 07:45:00

The tablet's day carries a case's task while it is open, whatever day it was dispatched; without this
(partial) index the query walked the operator's whole task history to find the few case tasks.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_task_case_window_end', 'task', ['window_end'], unique=False,
                    sqlite_where=sa.text('complaint_id IS NOT NULL'),
                    postgresql_where=sa.text('complaint_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_task_case_window_end', table_name='task')

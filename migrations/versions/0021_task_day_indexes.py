"""plans: an index for the tablet's day (a crew's tasks by window start)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 17:15:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_task_crew_window', 'task', ['crew_id', 'window_start'], unique=False)


def downgrade():
    op.drop_index('ix_task_crew_window', table_name='task')

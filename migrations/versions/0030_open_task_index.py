"""plans: an index of the open tasks by window end, for the sweep that marks missed work

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 11:45:00

mark_missed looks for open tasks whose window has closed. Through the (status, window end) indexes
PostgreSQL walked every entry a task left behind when it stopped being open (17 ms with nothing due
at city scale, growing with the horizon until a vacuum); this partial index holds the open tasks
only, so the answer is a seek whatever the history.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

OPEN = "status IN ('scheduled', 'in_progress')"


def upgrade():
    op.create_index('ix_task_open_window_end', 'task', ['window_end'], unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_task_open_window_end', table_name='task')

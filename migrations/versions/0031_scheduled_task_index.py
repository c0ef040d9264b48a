"""plans: an index of the scheduled tasks by window start, for the reminder sweep

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 15:20:00

The reminder sweep asks every minute for the scheduled tasks whose window starts soon or started a
while ago. When PostgreSQL's statistics were older than the horizon's newest days (autovacuum
analyzes a table of two million tasks after some 200,000 changes: weeks), it read the whole partial
index of open tasks (0030) and filtered it, 52 ms with nothing due at city scale; this index answers
by a seek on the window start, and leads with it, so the planner can read the real newest value.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

SCHEDULED = "status = 'scheduled'"


def upgrade():
    op.create_index('ix_task_scheduled_window_start', 'task', ['window_start'], unique=False,
                    sqlite_where=sa.text(SCHEDULED), postgresql_where=sa.text(SCHEDULED))


def downgrade():
    op.drop_index('ix_task_scheduled_window_start', table_name='task')

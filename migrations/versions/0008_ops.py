"""ops: scheduler runs and count totals (for /metrics and /healthz), field submission replays

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 19:40:00

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_run',
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('runs', sa.BigInteger(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_run_id', sa.String(length=32), nullable=False),
        sa.Column('last_ok_at', propmgmt.database.UTCDateTime(), nullable=True),
        sa.Column('last_failed_at', propmgmt.database.UTCDateTime(), nullable=True),
        sa.Column('last_ms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('job', name=op.f('pk_scheduler_run')),
    )
    op.create_table(
        'scheduler_count',
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('job', 'name', name=op.f('pk_scheduler_count')),
    )
    # In place on SQLite too (field_submission is referenced by nothing, but no rebuild is needed).
    op.add_column('field_submission', sa.Column('replays', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('field_submission') as batch_op:
        batch_op.drop_column('replays')
    op.drop_table('scheduler_count')
    op.drop_table('scheduler_run')

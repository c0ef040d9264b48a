"""oversight: a daily rollup per compound (service type, crew) for the drill-down and the crews page

Revision ID: 0027
Revises: 0022
Create Date: 2026-12-03 07:00:00

Existing databases: every day is marked stale ('all'), so the pages read live until the scheduler's
refresh has rolled the days up again with the new table (BACKFILL_DAYS per run, newest first).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'service_day_compound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('compound_id', sa.Integer(), nullable=False),
        sa.Column('service_type_id', sa.Integer(), nullable=False),
        sa.Column('crew_id', sa.Integer(), nullable=True),
        sa.Column('due', sa.Integer(), nullable=False),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.Column('missed', sa.Integer(), nullable=False),
        sa.Column('verified', sa.Integer(), nullable=False),
        sa.Column('first_pass', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_day_compound')),
    )
    op.create_index('ix_service_day_compound_day', 'service_day_compound', ['day'], unique=False)
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM rollup_stale WHERE utc_day = 'all'")) == 0:
        op.execute("INSERT INTO rollup_stale (utc_day) VALUES ('all')")


def downgrade():
    op.drop_index('ix_service_day_compound_day', table_name='service_day_compound')
    op.drop_table('service_day_compound')

"""oversight: the latest PDF of each month's report, kept with the hash of what it shows

Revision ID: 0026
Revises: 0024_surveys
Create Date: 2026-12-03 07:00:00

A new table only: a cache, empty at first (the next download fills it).
"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0024_surveys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_rendering',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('rendered_at', propmgmt.database.UTCDateTime(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_report_rendering')),
    )


def downgrade():
    op.drop_table('report_rendering')

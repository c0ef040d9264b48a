"""oversight: the monthly dispatch report as produced on the 1st (PDF and ledger)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 22:40:00

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_archive',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('xlsx', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_report_archive')),
    )


def downgrade():
    op.drop_table('report_archive')

"""residents: tracking codes that match no case are counted per address, to throttle guessing

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lookup_miss',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_key', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lookup_miss')),
    )
    op.create_index('ix_lookup_miss_client_at', 'lookup_miss', ['client_key', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_lookup_miss_client_at', table_name='lookup_miss')
    op.drop_table('lookup_miss')

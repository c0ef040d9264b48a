"""residents' window: report rate limits, complaint dispatch/rating/resolution fields, hotline fields

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_report_hit_compound_id_compound'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_hit'))
    )
    with op.batch_alter_table('report_hit', schema=None) as batch_op:
        batch_op.create_index('ix_report_hit_client_at', ['client_key', 'at'], unique=False)
        batch_op.create_index('ix_report_hit_compound_at', ['compound_id', 'at'], unique=False)

    # Plain ADD COLUMN: rebuilding "complaint" in batch mode would fail once tasks and photos
    # reference its rows.
    op.add_column('complaint', sa.Column('dispatched_at', propmgmt.database.UTCDateTime(), nullable=True))
    op.add_column('complaint', sa.Column('rated_at', propmgmt.database.UTCDateTime(), nullable=True))
    op.add_column('complaint', sa.Column('resolution_note', sa.Text(), server_default='', nullable=False))
    op.add_column('complaint', sa.Column('hotline_subdistrict', sa.String(length=80), server_default='',
                                         nullable=False))
    op.add_column('complaint', sa.Column('hotline_compound_name', sa.String(length=120), server_default='',
                                         nullable=False))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('hotline_compound_name')
        batch_op.drop_column('hotline_subdistrict')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('dispatched_at')

    with op.batch_alter_table('report_hit', schema=None) as batch_op:
        batch_op.drop_index('ix_report_hit_compound_at')
        batch_op.drop_index('ix_report_hit_client_at')

    op.drop_table('report_hit')

"""notification preferences and outbox claims

Users choose email and webhook delivery and quiet hours; outbox rows record which sender
claimed them and when, so a crashed sender's rows can be taken over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:18:10.415207

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', propmgmt.database.UTCDateTime(), nullable=True))

    # A plain '0' default (read as false by SQLite and PostgreSQL alike) lets SQLite add the columns
    # in place: an expression default would make batch mode rebuild "user", which the foreign keys
    # of every table that references it refuse once there is data.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_email', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notify_webhook', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('quiet_start', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('quiet_end', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')
        batch_op.drop_column('notify_webhook')
        batch_op.drop_column('notify_email')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim_token')

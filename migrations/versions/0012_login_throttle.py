"""auth: sign-ins throttled per (username, address); the addresses a user signed in from are kept

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 02:20:00

Existing rows are failures, as before (succeeded false).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('succeeded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_login_attempt_pair_at', ['username', 'address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_pair_at')
        batch_op.drop_column('succeeded')

"""auth: sign-in sessions kept server-side, so signing out ends a copied cookie too

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 23:30:00

Existing data is untouched. Cookies of users signed in before this upgrade name no session, so
those users are simply signed out and sign in again.
"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_user_session')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')

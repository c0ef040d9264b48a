"""people: organisations' unified social credit code, one-time passwords, the audit log's indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:45:00

Nullable or defaulted columns: existing organisations keep no credit code until one is entered,
existing users need not change their password.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN and CREATE INDEX, not batch mode: on SQLite a batch rebuild of
    # "user" or "organisation" is refused by the foreign keys of every table that references them.
    op.add_column('organisation', sa.Column('credit_code', sa.String(length=18), nullable=True))
    op.create_index(op.f('ix_organisation_credit_code'), 'organisation', ['credit_code'], unique=True)
    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                    nullable=False))
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'], unique=False)
    op.create_index('ix_audit_entry_actor_at', 'audit_entry', ['actor_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_actor_at')
        batch_op.drop_index('ix_audit_entry_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_credit_code'))
        batch_op.drop_column('credit_code')

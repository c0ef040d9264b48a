"""oversight: each rolled-up day's version, so the pages can keep the sums of days that did not change

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 15:30:00

A day's rollup rows are rewritten whole by the refresh; `version` is a new random word each time, so
the sums of a set of rolled-up days, kept in a web process (oversight/rollups.py, `RolledSums`), are
looked up by the days' versions and can never be the sums of rows since rewritten. Days rolled up
before this migration get a version each here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rollup_day') as batch:
        batch.add_column(sa.Column('version', sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE rollup_day SET version = md5(random()::text || day::text)")
    else:
        op.execute("UPDATE rollup_day SET version = lower(hex(randomblob(16)))")


def downgrade():
    with op.batch_alter_table('rollup_day') as batch:
        batch.drop_column('version')

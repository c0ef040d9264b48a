"""settlement: a month's statement total in 64-bit fen, since a province's month passes int4

Revision ID: 0029
Revises: 0026
Create Date: 2026-12-03 11:40:00

A province (22,400 compounds under fallback) settles about 23 million yuan a month: 2,340,540,972 fen,
past PostgreSQL's `integer` (2,147,483,647). A line (one compound's month) stays far below it. SQLite's
INTEGER is 64-bit already, and rebuilding the table there (batch mode) would trip the lines' foreign key.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('statement', 'total_fen', existing_type=sa.Integer(), type_=sa.BigInteger(),
                        existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('statement', 'total_fen', existing_type=sa.BigInteger(), type_=sa.Integer(),
                        existing_nullable=False)

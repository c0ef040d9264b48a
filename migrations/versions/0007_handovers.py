"""handovers: inspection items and sign-offs, readiness policy and facts, the compound's firm

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:05:00

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# (table, column, referenced table, type): added in place, never by rebuilding a referenced table.
REFERENCES = [
    ("compound", "firm_id", "organisation"),
    ("handover", "firm_signed_by_id", "user"),
    ("handover", "official_signed_by_id", "user"),
]


def _add_reference(table, column, target):
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES "{target}" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ['id'])


def upgrade():
    for table, column, target in REFERENCES:
        _add_reference(table, column, target)
    op.add_column('compound', sa.Column('released_at', propmgmt.database.UTCDateTime(), nullable=True))
    op.add_column('handover', sa.Column('firm_signed_at', propmgmt.database.UTCDateTime(), nullable=True))
    op.add_column('handover', sa.Column('official_signed_at', propmgmt.database.UTCDateTime(), nullable=True))

    op.create_table('inspection_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('facility', sa.String(length=40), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('defect', sa.Text(), nullable=False),
    sa.Column('blocking', sa.Boolean(), nullable=False),
    sa.Column('fixer', sa.String(length=80), nullable=False),
    sa.Column('fix_by', sa.Date(), nullable=True),
    sa.Column('fixed_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.Column('photo_path', sa.String(length=200), nullable=True),
    sa.Column('thumb_path', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("result IN ('ok', 'defect', 'fixed')", name=op.f('ck_inspection_item_result')),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], name=op.f('fk_inspection_item_handover_id_handover'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_item'))
    )
    op.create_index(op.f('ix_inspection_item_handover_id'), 'inspection_item', ['handover_id'], unique=False)

    op.create_table('readiness_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_willingness_min', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('months_in_fallback_min', sa.Integer(), nullable=False),
    sa.Column('stuck_after_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_policy'))
    )
    op.create_table('compound_readiness',
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('owners_committee', sa.Boolean(), nullable=True),
    sa.Column('fee_willingness', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('updated_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_compound_readiness_compound_id_compound'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_compound_readiness_updated_by_id_user')),
    sa.PrimaryKeyConstraint('compound_id', name=op.f('pk_compound_readiness'))
    )


def downgrade():
    op.drop_table('compound_readiness')
    op.drop_table('readiness_policy')
    op.drop_index(op.f('ix_inspection_item_handover_id'), table_name='inspection_item')
    op.drop_table('inspection_item')
    for table, columns in (('handover', ['official_signed_at', 'firm_signed_at', 'official_signed_by_id',
                                         'firm_signed_by_id']), ('compound', ['released_at', 'firm_id'])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)

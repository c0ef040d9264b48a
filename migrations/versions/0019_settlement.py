"""assessment and settlement: the score sheet, spot checks, rectifications, statements; inspectors

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 16:47:10

New tables only, two nullable columns on compound (its location) and the role `inspector` added to
the user table's check constraint. SQLite cannot alter a constraint and a rebuild of "user" fails the
foreign keys that point at it, so there the stored table definition is edited (see _set_roles).
"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'official', 'dispatcher', 'operator', 'firm')"
NEW_ROLES = "role IN ('admin', 'official', 'dispatcher', 'operator', 'firm', 'inspector')"


def _set_roles(old, new):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
            batch_op.create_check_constraint(op.f('ck_user_role'), new)
        return
    # Rebuilding "user" would fail the foreign keys of every table that references it. A looser
    # CHECK changes nothing on disk, so SQLite's documented way applies: edit the stored CREATE
    # TABLE text and bump the schema version (sqlite.org/lang_altertable.html, "other changes").
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'user'",
                         (old, new))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    _set_roles(OLD_ROLES, NEW_ROLES)
    op.create_table('assessment_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_month', sa.Date(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_assessment_policy_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assessment_policy_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_policy')),
    sa.UniqueConstraint('version', name=op.f('uq_assessment_policy_version'))
    )
    op.create_table('spot_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('recorded_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('accuracy_m', sa.Integer(), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=True),
    sa.Column('far_away', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint('accuracy_m IS NULL OR accuracy_m >= 0', name=op.f('ck_spot_check_accuracy_non_negative')),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_spot_check_compound_id_compound')),
    sa.ForeignKeyConstraint(['inspector_id'], ['user.id'], name=op.f('fk_spot_check_inspector_id_user')),
    sa.ForeignKeyConstraint(['policy_id'], ['assessment_policy.id'], name=op.f('fk_spot_check_policy_id_assessment_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_spot_check_idempotency_key'))
    )
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.create_index('ix_spot_check_compound_checked', ['compound_id', 'checked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_check_inspector_id'), ['inspector_id'], unique=False)

    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('drafted_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('approved_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f('ck_statement_status')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_statement_approved_by_id_user')),
    sa.ForeignKeyConstraint(['policy_id'], ['assessment_policy.id'], name=op.f('fk_statement_policy_id_assessment_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement')),
    sa.UniqueConstraint('month', name=op.f('uq_statement_month'))
    )
    op.create_table('spot_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('defects', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('defects >= 0', name=op.f('ck_spot_check_item_defects_non_negative')),
    sa.ForeignKeyConstraint(['check_id'], ['spot_check.id'], name=op.f('fk_spot_check_item_check_id_spot_check'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_item')),
    sa.UniqueConstraint('check_id', 'item_code', name=op.f('uq_spot_check_item_check_id_item_code'))
    )
    op.create_table('statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('corrects_month', sa.Date(), nullable=True),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('floor_area', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('days_in_month', sa.Integer(), nullable=False),
    sa.Column('base_fen', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('scored_fen', sa.Integer(), nullable=False),
    sa.Column('unfixed_rectifications', sa.Integer(), nullable=False),
    sa.Column('deductions_fen', sa.Integer(), nullable=False),
    sa.Column('due_fen', sa.Integer(), nullable=False),
    sa.Column('contest_reason', sa.Text(), nullable=False),
    sa.Column('contested_by_id', sa.Integer(), nullable=True),
    sa.Column('contested_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('regular', 'correction')", name=op.f('ck_statement_line_kind')),
    sa.CheckConstraint('days >= 0', name=op.f('ck_statement_line_days_non_negative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_statement_line_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_statement_line_compound_id_compound')),
    sa.ForeignKeyConstraint(['contested_by_id'], ['user.id'], name=op.f('fk_statement_line_contested_by_id_user')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_line_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_line'))
    )
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.create_index('ix_statement_line_assignment', ['assignment_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_line_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_line_statement_id'), ['statement_id'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('check_item_id', sa.Integer(), nullable=False),
    sa.Column('crew_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('fixed_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.Column('fixed_by_id', sa.Integer(), nullable=True),
    sa.Column('fix_note', sa.Text(), nullable=False),
    sa.Column('verified_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'fixed', 'verified')", name=op.f('ck_rectification_status')),
    sa.ForeignKeyConstraint(['check_item_id'], ['spot_check_item.id'], name=op.f('fk_rectification_check_item_id_spot_check_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_rectification_compound_id_compound')),
    sa.ForeignKeyConstraint(['crew_id'], ['crew.id'], name=op.f('fk_rectification_crew_id_crew')),
    sa.ForeignKeyConstraint(['fixed_by_id'], ['user.id'], name=op.f('fk_rectification_fixed_by_id_user')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_rectification_verified_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification')),
    sa.UniqueConstraint('check_item_id', name=op.f('uq_rectification_check_item_id'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_compound_deadline', ['compound_id', 'deadline'], unique=False)
        batch_op.create_index('ix_rectification_crew_status', ['crew_id', 'status'], unique=False)

    op.create_table('spot_check_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('thumb_path', sa.String(length=200), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['spot_check_item.id'], name=op.f('fk_spot_check_photo_item_id_spot_check_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_photo'))
    )
    with op.batch_alter_table('spot_check_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_photo_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('compound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))



def downgrade():
    op.execute("UPDATE \"user\" SET role = 'official', active = false WHERE role = 'inspector'")
    _set_roles(NEW_ROLES, OLD_ROLES)
    # Not in batch mode: SQLite (3.35+) drops a plain column in place, where a rebuild of "compound"
    # would fail the foreign keys that point at it.
    op.drop_column('compound', 'longitude')
    op.drop_column('compound', 'latitude')

    with op.batch_alter_table('spot_check_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_photo_item_id'))

    op.drop_table('spot_check_photo')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_crew_status')
        batch_op.drop_index('ix_rectification_compound_deadline')

    op.drop_table('rectification')
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_line_statement_id'))
        batch_op.drop_index(batch_op.f('ix_statement_line_compound_id'))
        batch_op.drop_index('ix_statement_line_assignment')

    op.drop_table('statement_line')
    op.drop_table('spot_check_item')
    op.drop_table('statement')
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_inspector_id'))
        batch_op.drop_index('ix_spot_check_compound_checked')

    op.drop_table('spot_check')
    op.drop_table('assessment_policy')

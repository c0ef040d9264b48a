"""complaints: the 12345 ticket as real exports have it (nature, classification, more columns, the rule that
set its deadline), the hotline's steps (签收/退单/延期/催办), its follow-up (回访), the classification mapping

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-02 17:00:00

Existing cases get empty texts and the deadline rule "policy" (what set their deadlines so far); the
mapping table starts empty (the built-in words of complaints/policy.py apply under it).
"""
from alembic import op
import sqlalchemy as sa

from propmgmt.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None

TEXTS = (('hotline_nature', 12), ('hotline_classification', 80), ('hotline_title', 200), ('hotline_urgency', 20),
         ('hotline_channel', 20), ('hotline_place', 200), ('hotline_lead_unit', 120), ('hotline_assist_units', 200),
         ('contact_name', 40), ('deadline_basis', 60), ('handler_name', 40))


def upgrade():
    # Plain ADD COLUMN: rebuilding "complaint" in batch mode would fail once tasks and photos reference its rows.
    for name, length in TEXTS:
        op.add_column('complaint', sa.Column(name, sa.String(length=length), server_default='', nullable=False))
    op.add_column('complaint', sa.Column('hotline_return_allowed', sa.Boolean(), nullable=True))
    op.add_column('complaint', sa.Column('deadline_rule', sa.String(length=20), server_default='policy',
                                         nullable=False))
    op.add_column('complaint', sa.Column('caller_contacted_at', UTCDateTime(), nullable=True))
    op.add_column('complaint', sa.Column('visit_result', sa.String(length=12), nullable=True))
    op.add_column('complaint', sa.Column('visit_reached', sa.Boolean(), nullable=True))
    op.add_column('complaint', sa.Column('visited_at', UTCDateTime(), nullable=True))
    op.create_table(
        'hotline_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('new_due_at', UTCDateTime(), nullable=True),
        sa.Column('decision', sa.String(length=10), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('signed', 'returned', 'extension', 'urged')", name=op.f('ck_hotline_step_kind')),
        sa.CheckConstraint("decision IS NULL OR decision IN ('approved', 'refused')",
                           name=op.f('ck_hotline_step_decision')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_hotline_step_complaint_id_complaint'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_hotline_step_actor_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_step')),
        sa.UniqueConstraint('complaint_id', 'kind', 'at', name='uq_hotline_step_once'),
    )
    op.create_index(op.f('ix_hotline_step_complaint_id'), 'hotline_step', ['complaint_id'], unique=False)
    op.create_table(
        'hotline_category_map',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('classification', sa.String(length=80), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_category_map')),
        sa.UniqueConstraint('classification', name=op.f('uq_hotline_category_map_classification')),
    )
    op.create_table(
        'robot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('target', sa.String(length=30), nullable=False),
        sa.Column('crew_id', sa.Integer(), nullable=True),
        sa.Column('subdistrict_id', sa.Integer(), nullable=True),
        sa.Column('platform', sa.String(length=10), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('keyword', sa.String(length=40), nullable=False),
        sa.Column('url_hint', sa.String(length=80), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('crew', 'subdistrict', 'default')", name=op.f('ck_robot_scope')),
        sa.CheckConstraint("platform IN ('wecom', 'dingtalk')", name=op.f('ck_robot_platform')),
        sa.ForeignKeyConstraint(['crew_id'], ['crew.id'], name=op.f('fk_robot_crew_id_crew'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistrict.id'], name=op.f('fk_robot_subdistrict_id_subdistrict'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_robot')),
        sa.UniqueConstraint('target', name=op.f('uq_robot_target')),
    )
    op.create_table(
        'robot_send',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('robot_id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('notifications', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['robot_id'], ['robot.id'], name=op.f('fk_robot_send_robot_id_robot'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_robot_send')),
    )
    op.create_index('ix_robot_send_robot_at', 'robot_send', ['robot_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_robot_send_robot_at', table_name='robot_send')
    op.drop_table('robot_send')
    op.drop_table('robot')
    op.drop_table('hotline_category_map')
    op.drop_index(op.f('ix_hotline_step_complaint_id'), table_name='hotline_step')
    op.drop_table('hotline_step')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for name in ('visited_at', 'visit_reached', 'visit_result', 'caller_contacted_at', 'deadline_rule',
                     'hotline_return_allowed') + tuple(name for name, _ in reversed(TEXTS)):
            batch_op.drop_column(name)

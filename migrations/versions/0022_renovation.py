"""renovation: projects over compounds, their funding, team, monthly progress and problems; the content list

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 17:10:00

New tables only; the list of content items starts with the kinds of work the district names.
"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CONTENT_ITEMS = ["拆除违建", "整修道路", "外墙", "管线", "立面", "口袋公园", "智能门禁", "视频监控", "停车管理", "引入物业"]


def upgrade():
    op.create_table('renovation_content_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_content_item')),
    sa.UniqueConstraint('name', name=op.f('uq_renovation_content_item_name'))
    )
    op.create_table('renovation_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('contractor', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('planned_new_start_on', sa.Date(), nullable=True),
    sa.Column('actual_new_start_on', sa.Date(), nullable=True),
    sa.Column('planned_under_construction_on', sa.Date(), nullable=True),
    sa.Column('actual_under_construction_on', sa.Date(), nullable=True),
    sa.Column('planned_completed_on', sa.Date(), nullable=True),
    sa.Column('actual_completed_on', sa.Date(), nullable=True),
    sa.Column('planned_accepted_on', sa.Date(), nullable=True),
    sa.Column('actual_accepted_on', sa.Date(), nullable=True),
    sa.Column('stage_entered_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("stage IN ('reserve', 'new_start', 'under_construction', 'completed', 'accepted')", name=op.f('ck_renovation_project_stage')),
    sa.CheckConstraint("tier IN ('basic', 'improvement', 'upgrade')", name=op.f('ck_renovation_project_tier')),
    sa.ForeignKeyConstraint(['leader_id'], ['user.id'], name=op.f('fk_renovation_project_leader_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_project'))
    )
    with op.batch_alter_table('renovation_project', schema=None) as batch_op:
        batch_op.create_index('ix_renovation_project_stage', ['stage'], unique=False)

    op.create_table('renovation_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("source IN ('central', 'provincial', 'district', 'bank', 'social_capital', 'residents')", name=op.f('ck_renovation_funding_source')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_renovation_funding_amount_non_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_project.id'], name=op.f('fk_renovation_funding_project_id_renovation_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_funding')),
    sa.UniqueConstraint('project_id', 'source', name=op.f('uq_renovation_funding_project_id_source'))
    )
    with op.batch_alter_table('renovation_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renovation_funding_project_id'), ['project_id'], unique=False)

    op.create_table('renovation_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_renovation_progress_percent_in_range')),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_project.id'], name=op.f('fk_renovation_progress_project_id_renovation_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_renovation_progress_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_progress')),
    sa.UniqueConstraint('project_id', 'month', name=op.f('uq_renovation_progress_project_id_month'))
    )
    with op.batch_alter_table('renovation_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renovation_progress_project_id'), ['project_id'], unique=False)

    op.create_table('renovation_project_compound',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_renovation_project_compound_compound_id_compound')),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_project.id'], name=op.f('fk_renovation_project_compound_project_id_renovation_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'compound_id', name=op.f('pk_renovation_project_compound'))
    )
    with op.batch_alter_table('renovation_project_compound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renovation_project_compound_compound_id'), ['compound_id'], unique=False)

    op.create_table('renovation_project_content',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['renovation_content_item.id'], name=op.f('fk_renovation_project_content_item_id_renovation_content_item')),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_project.id'], name=op.f('fk_renovation_project_content_project_id_renovation_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'item_id', name=op.f('pk_renovation_project_content'))
    )
    op.create_table('renovation_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('duty', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['renovation_project.id'], name=op.f('fk_renovation_team_member_project_id_renovation_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_renovation_team_member_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_team_member')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_renovation_team_member_project_id_user_id'))
    )
    with op.batch_alter_table('renovation_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renovation_team_member_project_id'), ['project_id'], unique=False)

    op.create_table('renovation_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('solver', sa.String(length=80), nullable=False),
    sa.Column('solve_by', sa.Date(), nullable=True),
    sa.Column('solved_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['renovation_progress.id'], name=op.f('fk_renovation_problem_entry_id_renovation_progress'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renovation_problem'))
    )
    with op.batch_alter_table('renovation_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renovation_problem_entry_id'), ['entry_id'], unique=False)

    items = sa.table('renovation_content_item', sa.column('name', sa.String), sa.column('active', sa.Boolean),
                     sa.column('position', sa.Integer))
    op.bulk_insert(items, [{"name": name, "active": True, "position": i} for i, name in enumerate(CONTENT_ITEMS)])


def downgrade():
    with op.batch_alter_table('renovation_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renovation_problem_entry_id'))

    op.drop_table('renovation_problem')
    with op.batch_alter_table('renovation_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renovation_team_member_project_id'))

    op.drop_table('renovation_team_member')
    op.drop_table('renovation_project_content')
    with op.batch_alter_table('renovation_project_compound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renovation_project_compound_compound_id'))

    op.drop_table('renovation_project_compound')
    with op.batch_alter_table('renovation_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renovation_progress_project_id'))

    op.drop_table('renovation_progress')
    with op.batch_alter_table('renovation_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renovation_funding_project_id'))

    op.drop_table('renovation_funding')
    with op.batch_alter_table('renovation_project', schema=None) as batch_op:
        batch_op.drop_index('ix_renovation_project_stage')

    op.drop_table('renovation_project')
    op.drop_table('renovation_content_item')

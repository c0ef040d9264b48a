"""surveys: the questions, survey rounds over compounds, households' answers and scores; the readiness
policy's survey threshold

Revision ID: 0024_surveys
Revises: 0023_renovation_voice
Create Date: 2026-12-03 06:25:50

New tables, and one column with a default for the existing policy row. The questions start with the
four the district asks (surveys.services.STARTING_QUESTIONS writes the same); officials keep them after.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0024_surveys'
down_revision = '0023_renovation_voice'
branch_labels = None
depends_on = None

QUESTIONS = [("cleanliness", "小区的清扫保洁干净吗？"), ("garbage_sorting", "垃圾分类和清运做得好吗？"),
             ("response", "您反映的问题得到及时处理了吗？"), ("overall", "总体上，您对小区的物业服务满意吗？")]


def upgrade():
    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_question_code'))
    )
    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('schedule_key', sa.String(length=40), nullable=True),
    sa.Column('closed_at', propmgmt.database.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("origin IN ('manual', 'quarterly', 'renovation')", name=op.f('ck_survey_round_origin')),
    sa.CheckConstraint("scope IN ('fallback', 'subdistrict', 'compound', 'project')", name=op.f('ck_survey_round_scope')),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_survey_round_dates_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_survey_round_created_by_id_user')),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistrict.id'], name=op.f('fk_survey_round_subdistrict_id_subdistrict')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round')),
    sa.UniqueConstraint('schedule_key', name=op.f('uq_survey_round_schedule_key'))
    )
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.create_index('ix_survey_round_starts_on', ['starts_on'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=30), nullable=False),
    sa.Column('room_verified', sa.Boolean(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_survey_answer_compound_id_compound')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_answer_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('round_id', 'compound_id', 'room', name='uq_survey_answer_room'),
    sa.UniqueConstraint('round_id', 'device_key', name='uq_survey_answer_device')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_compound_round', ['compound_id', 'round_id'], unique=False)

    op.create_table('survey_round_compound',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compound.id'], name=op.f('fk_survey_round_compound_compound_id_compound')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_round_compound_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'compound_id', name=op.f('pk_survey_round_compound'))
    )
    with op.batch_alter_table('survey_round_compound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_round_compound_compound_id'), ['compound_id'], unique=False)

    op.create_table('survey_round_question',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], name=op.f('fk_survey_round_question_question_id_survey_question')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_round_question_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'question_id', name=op.f('pk_survey_round_question'))
    )
    op.create_table('survey_score',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.CheckConstraint('score >= 1 AND score <= 5', name=op.f('ck_survey_score_score_in_range')),
    sa.ForeignKeyConstraint(['answer_id'], ['survey_answer.id'], name=op.f('fk_survey_score_answer_id_survey_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], name=op.f('fk_survey_score_question_id_survey_question')),
    sa.PrimaryKeyConstraint('answer_id', 'question_id', name=op.f('pk_survey_score'))
    )
    with op.batch_alter_table('survey_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_score_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('readiness_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_satisfaction_min', sa.Integer(), server_default='80', nullable=False))

    questions = sa.table('survey_question', sa.column('code', sa.String), sa.column('text', sa.String),
                         sa.column('position', sa.Integer), sa.column('active', sa.Boolean),
                         sa.column('created_at', propmgmt.database.UTCDateTime))
    now = datetime.now(timezone.utc)
    op.bulk_insert(questions, [{"code": code, "text": text, "position": i, "active": True, "created_at": now}
                               for i, (code, text) in enumerate(QUESTIONS)])


def downgrade():
    with op.batch_alter_table('readiness_policy', schema=None) as batch_op:
        batch_op.drop_column('survey_satisfaction_min')

    with op.batch_alter_table('survey_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_score_question_id'))

    op.drop_table('survey_score')
    op.drop_table('survey_round_question')
    with op.batch_alter_table('survey_round_compound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_round_compound_compound_id'))

    op.drop_table('survey_round_compound')
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_compound_round')

    op.drop_table('survey_answer')
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_round_starts_on')

    op.drop_table('survey_round')
    op.drop_table('survey_question')

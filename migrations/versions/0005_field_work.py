"""field work: idempotent submissions, who started a task, redo count, complaint photos

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:31:28.103121

"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('thumb_path', sa.String(length=200), nullable=False),
    sa.Column('created_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_photo_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_photo'))
    )
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_photo_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('field_submission',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('received_at', propmgmt.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_field_submission_task_id_task'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_field_submission_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_field_submission'))
    )
    with op.batch_alter_table('field_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_submission_user_id'), ['user_id'], unique=False)

    # Plain ADD COLUMN (with an inline reference on SQLite): rebuilding "task" in batch mode would
    # fail once photos and submissions reference its rows.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE task ADD COLUMN started_by_id INTEGER '
                   'CONSTRAINT fk_task_started_by_id_user REFERENCES "user" (id)')
    else:
        op.add_column('task', sa.Column('started_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_task_started_by_id_user', 'task', 'user', ['started_by_id'], ['id'])
    op.add_column('task', sa.Column('rejections', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('rejections')
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint('fk_task_started_by_id_user', type_='foreignkey')
        batch_op.drop_column('started_by_id')

    with op.batch_alter_table('field_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_submission_user_id'))

    op.drop_table('field_submission')
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_photo_complaint_id'))

    op.drop_table('complaint_photo')

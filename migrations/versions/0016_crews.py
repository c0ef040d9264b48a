"""crews: a leader for each crew, and since when a crew serves each of its compounds

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:40:00

Both columns are nullable: existing crews have no leader until a dispatcher names one, and the
compounds they already serve keep no start date. On SQLite the leader's column is added in place
(ALTER TABLE ... ADD COLUMN ... REFERENCES): batch mode would rebuild "crew", which the foreign
keys of the tables that reference it refuse.

Notifications may be about an inspection item too (a defect the incoming firm must fix by a date).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE crew ADD COLUMN leader_id INTEGER REFERENCES "user" (id)')
    else:
        op.add_column('crew', sa.Column('leader_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_crew_leader_id_user'), 'crew', 'user', ['leader_id'], ['id'])
    op.add_column('crew_compound', sa.Column('starts_on', sa.Date(), nullable=True))
    _subject_types(OLD_SUBJECTS + ('inspection_item',))


OLD_SUBJECTS = ('task', 'complaint', 'handover', 'assignment', 'report')


def _subject_types(values):
    allowed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notification_subject_type'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notification_subject_type'), f"subject_type IN ({allowed})")


def downgrade():
    op.execute("DELETE FROM notification WHERE subject_type = 'inspection_item'")
    _subject_types(OLD_SUBJECTS)
    with op.batch_alter_table('crew_compound', schema=None) as batch_op:
        batch_op.drop_column('starts_on')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE crew DROP COLUMN leader_id')
    else:
        op.drop_constraint(op.f('fk_crew_leader_id_user'), 'crew', type_='foreignkey')
        op.drop_column('crew', 'leader_id')

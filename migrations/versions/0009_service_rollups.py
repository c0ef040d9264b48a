"""oversight: daily service rollups, triggers that mark the days whose tasks changed, task (compound, window end) index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:20:00

The triggers live in the database so that no code path (a service, a sweep, a CLI, a manual fix in
psql) can change a task without its day being marked stale. Existing databases need nothing else:
days without rollup rows are read live until the scheduler's refresh backfills them.
"""
from alembic import op
import sqlalchemy as sa

import propmgmt.database


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The task columns a figure depends on; other updates (a note, a photo count) leave the day clean.
COLUMNS = "status, completed_at, device_completed_at, rejections, crew_id, assignee_id, compound_id, " \
          "service_type_id, window_end"

SQLITE_TRIGGERS = [
    """CREATE TRIGGER task_rollup_stale_insert AFTER INSERT ON task BEGIN
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES (date(NEW.window_end)); END""",
    f"""CREATE TRIGGER task_rollup_stale_update AFTER UPDATE OF {COLUMNS} ON task BEGIN
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES (date(NEW.window_end));
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES (date(OLD.window_end)); END""",
    """CREATE TRIGGER task_rollup_stale_delete AFTER DELETE ON task BEGIN
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES (date(OLD.window_end)); END""",
    """CREATE TRIGGER compound_rollup_stale AFTER UPDATE OF community_id ON compound BEGIN
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES ('all'); END""",
    """CREATE TRIGGER community_rollup_stale AFTER UPDATE OF subdistrict_id ON community BEGIN
         INSERT OR IGNORE INTO rollup_stale (utc_day) VALUES ('all'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION task_rollup_stale() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'DELETE' THEN
           INSERT INTO rollup_stale (utc_day) VALUES (to_char(NEW.window_end, 'YYYY-MM-DD')) ON CONFLICT DO NOTHING;
         END IF;
         IF TG_OP <> 'INSERT' THEN
           INSERT INTO rollup_stale (utc_day) VALUES (to_char(OLD.window_end, 'YYYY-MM-DD')) ON CONFLICT DO NOTHING;
         END IF;
         RETURN NULL;
       END $$""",
    f"""CREATE TRIGGER task_rollup_stale AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} ON task
        FOR EACH ROW EXECUTE FUNCTION task_rollup_stale()""",
    """CREATE OR REPLACE FUNCTION area_rollup_stale() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO rollup_stale (utc_day) VALUES ('all') ON CONFLICT DO NOTHING;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER compound_rollup_stale AFTER UPDATE OF community_id ON compound
        FOR EACH ROW EXECUTE FUNCTION area_rollup_stale()""",
    """CREATE TRIGGER community_rollup_stale AFTER UPDATE OF subdistrict_id ON community
        FOR EACH ROW EXECUTE FUNCTION area_rollup_stale()""",
]


def _counts():
    return [sa.Column(name, sa.Integer(), nullable=False)
            for name in ('due', 'completed', 'on_time', 'missed', 'verified', 'first_pass')]


def upgrade():
    op.create_table(
        'service_day_area',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('subdistrict_id', sa.Integer(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_day_area')),
    )
    op.create_index('ix_service_day_area_day', 'service_day_area', ['day'])
    op.create_table(
        'service_day_crew',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('crew_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('service_type_id', sa.Integer(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_day_crew')),
    )
    op.create_index('ix_service_day_crew_day', 'service_day_crew', ['day'])
    op.create_table(
        'rollup_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('computed_at', propmgmt.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_rollup_day')),
    )
    op.create_table(
        'rollup_stale',
        sa.Column('utc_day', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('utc_day', name=op.f('pk_rollup_stale')),
    )
    op.create_index('ix_task_compound_window_end', 'task', ['compound_id', 'window_end'])
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, table in (('task_rollup_stale', 'task'), ('compound_rollup_stale', 'compound'),
                            ('community_rollup_stale', 'community')):
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
        op.execute('DROP FUNCTION IF EXISTS task_rollup_stale()')
        op.execute('DROP FUNCTION IF EXISTS area_rollup_stale()')
    else:
        for name in ('task_rollup_stale_insert', 'task_rollup_stale_update', 'task_rollup_stale_delete',
                     'compound_rollup_stale', 'community_rollup_stale'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.drop_index('ix_task_compound_window_end', table_name='task')
    op.drop_table('rollup_stale')
    op.drop_table('rollup_day')
    op.drop_index('ix_service_day_crew_day', table_name='service_day_crew')
    op.drop_table('service_day_crew')
    op.drop_index('ix_service_day_area_day', table_name='service_day_area')
    op.drop_table('service_day_area')

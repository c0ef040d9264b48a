"""complaints: where in the compound a case is; the repair service type that cases are dispatched as

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 10:00:00

Existing cases get an empty location. The service type 疏通维修 (repair) is added unless the
register already has that code; it has no standard, so approving an assignment makes no plan of it
(its work comes from cases).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

service_type = sa.table('service_type', sa.column('code', sa.String), sa.column('name_zh', sa.String),
                        sa.column('name_en', sa.String), sa.column('active', sa.Boolean))


def upgrade():
    # Plain ADD COLUMN: rebuilding "complaint" in batch mode would fail once tasks and photos reference its rows.
    op.add_column('complaint', sa.Column('location', sa.String(length=120), server_default='', nullable=False))
    exists = op.get_bind().execute(sa.select(service_type.c.code).where(service_type.c.code == 'repair')).first()
    if exists is None:
        op.bulk_insert(service_type, [{'code': 'repair', 'name_zh': '疏通维修', 'name_en': 'Repairs and pipe dredging',
                                       'active': True}])


def downgrade():
    # The service type stays when work was done under it (its tasks name it).
    op.execute("DELETE FROM service_type WHERE code = 'repair' AND NOT EXISTS "
               "(SELECT 1 FROM task WHERE task.service_type_id = service_type.id) AND NOT EXISTS "
               "(SELECT 1 FROM service_plan WHERE service_plan.service_type_id = service_type.id) AND NOT EXISTS "
               "(SELECT 1 FROM service_standard WHERE service_standard.service_type_id = service_type.id) AND NOT EXISTS "
               "(SELECT 1 FROM assignment_service_type WHERE assignment_service_type.service_type_id = service_type.id)")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('location')

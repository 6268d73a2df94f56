"""check-in: a replayed scan recorded once (device_name, client_scan_id)

Revision ID: 810d8a3ff28e
Revises: 9a53712f10fe
Create Date: 2026-12-01 21:22:00.420568

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '810d8a3ff28e'
down_revision = '9a53712f10fe'
branch_labels = None
depends_on = None


def upgrade():
    # Scans already recorded get an empty device_name and no client_scan_id: NULLs are never
    # equal in a unique constraint (SQLite and PostgreSQL alike), so they never clash. The
    # server default only fills them in and is dropped again, as the model has none.
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_scan_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('device_name', sa.String(length=80), nullable=False, server_default=''))
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.alter_column('device_name', server_default=None)
        batch_op.create_unique_constraint(batch_op.f('uq_check_in_device_name'), ['device_name', 'client_scan_id'])


def downgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_check_in_device_name'), type_='unique')
        batch_op.drop_column('device_name')
        batch_op.drop_column('client_scan_id')

"""outbox: worker lease (claimed_by, claimed_until)

Revision ID: df6fc284e986
Revises: a0385250f7d8
Create Date: 2026-11-25 02:40:45.554640

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'df6fc284e986'
down_revision = 'a0385250f7d8'
branch_labels = None
depends_on = None


def upgrade():
    # Messages already queued get an empty claimed_by (not claimed); the server default only
    # fills them in and is dropped again, as the model has none.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('claimed_until', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('claimed_by', server_default=None)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')

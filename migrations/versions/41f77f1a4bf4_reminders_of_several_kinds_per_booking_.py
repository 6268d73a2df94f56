"""reminders of several kinds per booking, each queued once

Revision ID: 41f77f1a4bf4
Revises: fb685d498e19
Create Date: 2026-12-01 22:19:26.502022

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '41f77f1a4bf4'
down_revision = 'fb685d498e19'
branch_labels = None
depends_on = None


def upgrade():
    # One row per (booking, kind of reminder) queued: the claim that makes each kind go once.
    # The day before's stays booking.reminded_at, as before.
    op.create_table('booking_reminder',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('queued_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_reminder_booking_id_booking')),
    sa.PrimaryKeyConstraint('booking_id', 'kind', name=op.f('pk_booking_reminder'))
    )


def downgrade():
    op.drop_table('booking_reminder')

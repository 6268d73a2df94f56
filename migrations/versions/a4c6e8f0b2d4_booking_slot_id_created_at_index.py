"""booking: one index on (slot_id, created_at) instead of slot_id alone

The desk asks at every scan whether someone was booked at the door from the slot's start on:
with slot_id alone that read every booking of the slot; the pair seeks to the first booking
made from the start. It serves the lookups by slot_id as the old index did.

Revision ID: a4c6e8f0b2d4
Revises: f1a3c5e7b9d2
Create Date: 2026-12-02 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d4'
down_revision = 'f1a3c5e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_slot_id_created_at', ['slot_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_booking_slot_id')


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_slot_id', ['slot_id'], unique=False)
        batch_op.drop_index('ix_booking_slot_id_created_at')

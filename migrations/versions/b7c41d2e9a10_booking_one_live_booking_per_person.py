"""booking: one live booking per person per slot (person_key, partial unique index)

Revision ID: b7c41d2e9a10
Revises: c4d35e7a9b10
Create Date: 2026-12-01 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41d2e9a10'
down_revision = 'c4d35e7a9b10'
branch_labels = None
depends_on = None

LIVE_PERSON = "person_key IS NOT NULL AND status IN ('confirmed', 'offered', 'pending', 'waitlisted')"


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_key', sa.String(length=254), nullable=True))
    # Events' live bookings made before: the oldest of each address on each slot gets its key
    # (the others, made twice before the rule, stay as they are, without one).
    op.execute(
        "UPDATE booking SET person_key = lower(trim(contact_email)) WHERE id IN ("
        " SELECT min(b.id) FROM booking b"
        " JOIN slot s ON s.id = b.slot_id JOIN programme p ON p.id = s.programme_id"
        " WHERE p.kind = 'event'"
        " AND b.status IN ('confirmed', 'offered', 'pending', 'waitlisted')"
        " GROUP BY b.slot_id, lower(trim(b.contact_email)))"
    )
    op.create_index(
        'uq_booking_live_person',
        'booking',
        ['slot_id', 'person_key'],
        unique=True,
        sqlite_where=sa.text(LIVE_PERSON),
        postgresql_where=sa.text(LIVE_PERSON),
    )


def downgrade():
    op.drop_index('uq_booking_live_person', table_name='booking')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('person_key')

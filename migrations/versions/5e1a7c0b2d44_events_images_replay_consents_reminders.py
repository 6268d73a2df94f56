"""events: image, alt text, replay link; bookings: consents and reminder

Revision ID: 5e1a7c0b2d44
Revises: df6fc284e986
Create Date: 2026-11-25 02:50:00

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '5e1a7c0b2d44'
down_revision = 'df6fc284e986'
branch_labels = None
depends_on = None

EVENT_TEXTS = ['replay_url', 'image', 'image_alt_it', 'image_alt_en']
LENGTHS = {'replay_url': 500, 'image': 300, 'image_alt_it': 300, 'image_alt_en': 300}


def upgrade():
    # Existing rows get empty texts and no consent; the server defaults only fill them in.
    with op.batch_alter_table('event', schema=None) as batch_op:
        for name in EVENT_TEXTS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=LENGTHS[name]), nullable=False, server_default='')
            )
    with op.batch_alter_table('event', schema=None) as batch_op:
        for name in EVENT_TEXTS:
            batch_op.alter_column(name, server_default=None)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_consent_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('newsletter_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reminded_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.alter_column('newsletter_consent', server_default=None)


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('newsletter_consent')
        batch_op.drop_column('privacy_consent_at')
    with op.batch_alter_table('event', schema=None) as batch_op:
        for name in reversed(EVENT_TEXTS):
            batch_op.drop_column(name)

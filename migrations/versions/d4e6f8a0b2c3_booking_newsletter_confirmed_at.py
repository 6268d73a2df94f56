"""booking: newsletter_confirmed_at (the newsletter counts once confirmed from the address)

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-12-01 22:55:00

"""
from alembic import op
import sqlalchemy as sa

from centrale_booking.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c3'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    # Consents recorded before stay unconfirmed: pending until their address confirms.
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('newsletter_confirmed_at', UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('newsletter_confirmed_at')

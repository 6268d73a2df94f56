"""form_submission: a booking form's one-time token, spent with the booking it made

Revision ID: b7e2c4f1a9d3
Revises: 810d8a3ff28e
Create Date: 2026-12-01 22:20:00

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types


# revision identifiers, used by Alembic.
revision = 'b7e2c4f1a9d3'
down_revision = '810d8a3ff28e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submission',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_form_submission_booking_id_booking')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submission'))
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_booking_id'), ['booking_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_booking_id'))
    op.drop_table('form_submission')

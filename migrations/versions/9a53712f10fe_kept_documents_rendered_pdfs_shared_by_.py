"""kept documents: rendered PDFs shared by every host

Revision ID: 9a53712f10fe
Revises: 5e1a7c0b2d44
Create Date: 2026-11-25 02:44:11.807899

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '9a53712f10fe'
down_revision = '5e1a7c0b2d44'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_kept_document_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_document')),
    sa.UniqueConstraint('booking_id', 'kind', 'version', 'language', name=op.f('uq_kept_document_booking_id'))
    )


def downgrade():
    op.drop_table('kept_document')

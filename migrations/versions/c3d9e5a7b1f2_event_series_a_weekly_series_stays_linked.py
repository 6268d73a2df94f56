"""event_series: the dates of a weekly series stay linked (event.series_id)

Revision ID: c3d9e5a7b1f2
Revises: b7e2c4f1a9d3
Create Date: 2026-12-01 22:25:00

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types


# revision identifiers, used by Alembic.
revision = 'c3d9e5a7b1f2'
down_revision = 'b7e2c4f1a9d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_series'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_series_id_event_series'), 'event_series', ['series_id'], ['id'])


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_series_id_event_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_series_id'))
        batch_op.drop_column('series_id')
    op.drop_table('event_series')

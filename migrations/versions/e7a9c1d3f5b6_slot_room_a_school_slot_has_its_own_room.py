"""slot: room (a school activity's slot takes place in a room of its own)

Revision ID: e7a9c1d3f5b6
Revises: d4e6f8a0b2c3
Create Date: 2026-12-02 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a9c1d3f5b6'
down_revision = 'd4e6f8a0b2c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=120), nullable=True))
    # The slots made before took their activity's room: each keeps it as its own.
    op.execute(
        "UPDATE slot SET room = (SELECT activity.room FROM activity"
        " WHERE activity.id = slot.programme_id)"
        " WHERE programme_id IN (SELECT id FROM activity)"
    )


def downgrade():
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.drop_column('room')

"""campus_child: pass_code (one QR per child, good on every day of all its weeks)

Revision ID: f1a3c5e7b9d2
Revises: e7a9c1d3f5b6
Create Date: 2026-12-02 03:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a3c5e7b9d2'
down_revision = 'e7a9c1d3f5b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campus_child', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_code', sa.String(length=64), nullable=True))
    # The children enrolled before: a pass each, random as a ticket's code.
    connection = op.get_bind()
    child = sa.table('campus_child', sa.column('id', sa.Integer), sa.column('pass_code', sa.String))
    for (child_id,) in connection.execute(sa.select(child.c.id)).all():
        connection.execute(
            child.update().where(child.c.id == child_id).values(pass_code=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table('campus_child', schema=None) as batch_op:
        batch_op.alter_column('pass_code', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_campus_child_pass_code'), ['pass_code'])


def downgrade():
    with op.batch_alter_table('campus_child', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_campus_child_pass_code'), type_='unique')
        batch_op.drop_column('pass_code')

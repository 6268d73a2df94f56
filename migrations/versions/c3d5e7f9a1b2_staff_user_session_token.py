"""staff_user: session token (sessions and remember-me cookies end on logout, new password)

Revision ID: c3d5e7f9a1b2
Revises: b7c41d2e9a10
Create Date: 2026-12-01 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'b7c41d2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    # Accounts made before get a token of their own; their old cookies (without one) end.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=False, server_default=''))
    import secrets

    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.text("SELECT id FROM staff_user")).all():
        connection.execute(
            sa.text("UPDATE staff_user SET session_token = :token WHERE id = :id"),
            {"token": secrets.token_hex(16), "id": user_id},
        )
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('session_token', server_default=None)


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('session_token')

"""desk: how many came in with a group ticket (check_in_count), who collected a child, device tokens

Revision ID: c4d35e7a9b10
Revises: 41f77f1a4bf4
Create Date: 2026-12-01 22:10:00

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'c4d35e7a9b10'
down_revision = '41f77f1a4bf4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'device_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('role', sa.Enum('admin', 'education', 'desk', name='role', native_enum=False, length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_device_token')),
        sa.UniqueConstraint('name', name=op.f('uq_device_token_name')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_device_token_token_hash')),
    )
    op.create_table(
        'check_in_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('check_in_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('expected', sa.Integer(), nullable=False),
        sa.Column('arrived', sa.Integer(), nullable=False),
        sa.CheckConstraint('expected >= 0 AND arrived >= 0', name=op.f('ck_check_in_count_counts_not_negative')),
        sa.ForeignKeyConstraint(['check_in_id'], ['check_in.id'], name=op.f('fk_check_in_count_check_in_id_check_in')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_count')),
        sa.UniqueConstraint('check_in_id', 'kind', name=op.f('uq_check_in_count_check_in_id')),
    )
    with op.batch_alter_table('check_in_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_count_check_in_id'), ['check_in_id'], unique=False)
    # Existing scans collected nobody: the server default fills them in and is dropped again.
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collected_by', sa.String(length=160), nullable=False, server_default=''))
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.alter_column('collected_by', server_default=None)


def downgrade():
    op.drop_table('device_token')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('collected_by')
    with op.batch_alter_table('check_in_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_count_check_in_id'))
    op.drop_table('check_in_count')

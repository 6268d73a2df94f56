"""schools: the catalogue (texts per grade level, images, room, max pupils), class visits,
the Ministry's school registry, school years and their closures; counters beside slots

Revision ID: fb685d498e19
Revises: e61ddcfbc2a5
Create Date: 2026-12-01 21:55:40.466794

"""
from alembic import op
import sqlalchemy as sa

import centrale_booking.db_types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'fb685d498e19'
down_revision = 'e61ddcfbc2a5'
branch_labels = None
depends_on = None


def upgrade():
    # Counters: the shared limits held beside a slot's places (booking/counters.py).
    op.create_table('counter',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('limit', sa.Integer(), nullable=False),
    sa.CheckConstraint('taken >= 0', name=op.f('ck_counter_taken_not_negative')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_counter'))
    )
    op.create_table('school',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('institute_code', sa.String(length=10), nullable=False),
    sa.Column('updated_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_school'))
    )
    op.create_table('school_year',
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('booking_opens_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('start', name=op.f('pk_school_year'))
    )
    op.create_table('school_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_year_start', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['school_year_start'], ['school_year.start'], name=op.f('fk_school_closure_school_year_start_school_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_closure'))
    )
    with op.batch_alter_table('school_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_closure_school_year_start'), ['school_year_start'], unique=False)

    op.create_table('activity_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('alt_it', sa.String(length=300), nullable=False),
    sa.Column('alt_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_image_activity_id_activity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_image'))
    )
    with op.batch_alter_table('activity_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_image_activity_id'), ['activity_id'], unique=False)

    op.create_table('school_visit',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('school_code', sa.String(length=10), nullable=False),
    sa.Column('school_name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('school_address', sa.String(length=200), nullable=False),
    sa.Column('class_name', sa.String(length=20), nullable=False),
    sa.Column('grade', sa.Enum('infanzia', 'primaria', 'secondaria_primo', 'secondaria_secondo', name='gradelevel', native_enum=False, length=24), nullable=False),
    sa.Column('years', sa.String(length=20), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('pupils_with_disabilities', sa.Integer(), nullable=False),
    sa.Column('support_teachers', sa.Integer(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('to_check', sa.Boolean(), nullable=False),
    sa.Column('reconfirmed_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('no_show_at', centrale_booking.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_school_visit_booking_id_booking')),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_school_visit'))
    )
    with op.batch_alter_table('school_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_visit_school_code'), ['school_code'], unique=False)

    # Existing activities get no room, 28 pupils at most and no text per level (their summary
    # stands in); the server defaults only fill them in and are dropped, as the models have none.
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('max_pupils', sa.Integer(), nullable=False, server_default='28'))
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.alter_column('room', server_default=None)
        batch_op.alter_column('max_pupils', server_default=None)

    with op.batch_alter_table('activity_grade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_it', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('text_en', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('activity_grade', schema=None) as batch_op:
        batch_op.alter_column('text_it', server_default=None)
        batch_op.alter_column('text_en', server_default=None)


def downgrade():
    with op.batch_alter_table('activity_grade', schema=None) as batch_op:
        batch_op.drop_column('text_en')
        batch_op.drop_column('text_it')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('max_pupils')
        batch_op.drop_column('room')

    with op.batch_alter_table('school_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_visit_school_code'))

    op.drop_table('school_visit')
    with op.batch_alter_table('activity_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_image_activity_id'))

    op.drop_table('activity_image')
    with op.batch_alter_table('school_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_closure_school_year_start'))

    op.drop_table('school_closure')
    op.drop_table('school_year')
    op.drop_table('school')
    op.drop_table('counter')

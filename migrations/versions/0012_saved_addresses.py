"""accounts (issue 11): the buyer's address book, and a phone number on the profile

Revision ID: 0012_saved_addresses
Revises: 0011_order_numbers
"""
import sqlalchemy as sa
from alembic import op

import market.dbtypes

revision = '0012_saved_addresses'
down_revision = '0011_order_numbers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), server_default='',
                                      nullable=False))
    op.create_table(
        'saved_addresses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('commune_code', sa.Integer(), nullable=False),
        sa.Column('address_line', sa.String(length=300), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('created_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_saved_addresses_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_addresses')),
        sa.UniqueConstraint('public_id', name=op.f('uq_saved_addresses_public_id')),
    )
    with op.batch_alter_table('saved_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_addresses_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('saved_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_addresses_user_id'))
    op.drop_table('saved_addresses')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')

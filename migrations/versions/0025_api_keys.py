"""Partner API keys (api_keys: hashed secrets, scopes, per-key rate limit, rotation chain) and
the API request log (api_requests), the orders each key placed (api_orders),
tombstones of deleted products (api_tombstones) and the (updated_at, id) keyset index of
products for the partner listing.

Revision ID: 0025_api_keys
Revises: 0024_trace
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0025_api_keys'
down_revision = '0024_trace'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('rate_limit', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('last_used_at', UTCDateTime(), nullable=True),
        sa.Column('replaced_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['replaced_by_id'], ['api_keys.id'],
                                name=op.f('fk_api_keys_replaced_by_id_api_keys'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_prefix'), ['prefix'], unique=True)
    op.create_table(
        'api_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'],
                                name=op.f('fk_api_requests_key_id_api_keys'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_requests')),
    )
    with op.batch_alter_table('api_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_requests_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_requests_at'), ['at'], unique=False)
    op.create_table(
        'api_orders',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'],
                                name=op.f('fk_api_orders_key_id_api_keys'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'],
                                name=op.f('fk_api_orders_order_id_orders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('order_id', name=op.f('pk_api_orders')),
    )
    with op.batch_alter_table('api_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_orders_key_id'), ['key_id'], unique=False)
    op.create_table(
        'api_tombstones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('deleted_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tombstones')),
    )
    with op.batch_alter_table('api_tombstones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tombstones_slug'), ['slug'], unique=False)
        batch_op.create_index('ix_api_tombstones_deleted_at_id', ['deleted_at', 'id'],
                              unique=False)
    # The partner listing's keyset: (updated_at, id).
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_updated_at_id', ['updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_updated_at_id')
    op.drop_table('api_tombstones')
    op.drop_table('api_orders')
    op.drop_table('api_requests')
    op.drop_table('api_keys')

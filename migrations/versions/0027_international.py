"""International retail orders: the exchange-rate table, the international shipping zone
table, the cooperative's opt-in to ship abroad, customs fields of products (HS code, country
of origin) and the foreign address fields of orders.

Revision ID: 0027_international
Revises: 0026_webhooks
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0027_international'
down_revision = '0026_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_rates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('rate_date', sa.Date(), nullable=False),
        sa.Column('vnd_per_unit', sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('vnd_per_unit > 0', name=op.f('ck_exchange_rates_rate_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_exchange_rates_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
        sa.UniqueConstraint('currency', 'rate_date',
                            name=op.f('uq_exchange_rates_currency_rate_date')),
    )
    op.create_table(
        'shipping_zone_countries',
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('zone', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('country_code', name=op.f('pk_shipping_zone_countries')),
    )
    op.create_table(
        'shipping_zone_rates',
        sa.Column('zone', sa.Integer(), nullable=False),
        sa.Column('up_to_grams', sa.Integer(), nullable=False),
        sa.Column('fee', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('fee >= 0 AND up_to_grams > 0',
                           name=op.f('ck_shipping_zone_rates_rate_sane')),
        sa.PrimaryKeyConstraint('zone', 'up_to_grams', name=op.f('pk_shipping_zone_rates')),
    )
    # Plain ADD COLUMN (SQLite has it): batch mode would copy and drop `cooperatives`, which
    # a database with rows that reference it refuses under foreign keys.
    op.add_column('cooperatives', sa.Column('ships_abroad', sa.Boolean(),
                                            server_default=sa.false(), nullable=False))
    op.add_column('products', sa.Column('hs_code', sa.String(length=10), server_default='',
                                        nullable=False))
    op.add_column('products', sa.Column('origin_country', sa.String(length=2),
                                        server_default='VN', nullable=False))
    op.add_column('orders', sa.Column('country_code', sa.String(length=2), server_default='VN',
                                      nullable=False))
    for name in ('postal_code', 'city', 'country_area', 'city_area'):
        op.add_column('orders', sa.Column(name, sa.String(length=20 if name == 'postal_code'
                                                          else 120),
                                          server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        for name in ('city_area', 'country_area', 'city', 'postal_code', 'country_code'):
            batch_op.drop_column(name)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('origin_country')
        batch_op.drop_column('hs_code')
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_column('ships_abroad')
    op.drop_table('shipping_zone_rates')
    op.drop_table('shipping_zone_countries')
    op.drop_table('exchange_rates')

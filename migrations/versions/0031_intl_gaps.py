"""The address book abroad: a saved address has a country and that country's own fields
(postal code, city, state or province, district), as an order has since 0027; and the zone
table's source and date (shipping_zone_table), shown where checkout quotes a fee abroad.

Revision ID: 0031_intl_gaps
Revises: 0030_dept_distinct
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0031_intl_gaps'
down_revision = '0030_dept_distinct'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it), as 0027 did for orders.
    op.add_column('saved_addresses', sa.Column('country_code', sa.String(length=2),
                                               server_default='VN', nullable=False))
    for name in ('postal_code', 'city', 'country_area', 'city_area'):
        op.add_column('saved_addresses', sa.Column(
            name, sa.String(length=20 if name == 'postal_code' else 120), server_default='',
            nullable=False))
    op.create_table(
        'shipping_zone_table',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('table_date', sa.Date(), nullable=False),
        sa.Column('loaded_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_zone_table')),
    )


def downgrade():
    op.drop_table('shipping_zone_table')
    with op.batch_alter_table('saved_addresses', schema=None) as batch_op:
        for name in ('city_area', 'country_area', 'city', 'postal_code', 'country_code'):
            batch_op.drop_column(name)

"""Prices: calibrated-band coverage on forecasts; production costs; price alerts

Revision ID: 0016_price_costs_alerts
Revises: 0015_department
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0016_price_costs_alerts'
down_revision = '0015_department'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('price_forecasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coverage80', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('coverage95', sa.Float(), nullable=True))
    op.create_table(
        'price_production_costs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commodity_id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('season', sa.String(length=20), nullable=False),
        sa.Column('cost_vnd_per_kg', sa.BigInteger(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('method', sa.Text(), nullable=False),
        sa.Column('published_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('cost_vnd_per_kg > 0', name=op.f('ck_price_production_costs_cost_positive')),
        sa.ForeignKeyConstraint(['commodity_id'], ['price_commodities.id'],
                                name=op.f('fk_price_production_costs_commodity_id_price_commodities')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_price_production_costs_published_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_price_production_costs')),
        sa.UniqueConstraint('commodity_id', 'province_code', 'season',
                            name=op.f('uq_price_production_costs_commodity_id_province_code_season')),
    )

    op.create_table(
        'price_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('threshold', sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column('move_pct', sa.Float(), nullable=True),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('reference_price', sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column('last_observation_on', sa.Date(), nullable=True),
        sa.Column('last_sent_on', sa.Date(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('above', 'below', 'move')",
                           name=op.f('ck_price_alerts_kind_known')),
        sa.ForeignKeyConstraint(['series_id'], ['price_series.id'],
                                name=op.f('fk_price_alerts_series_id_price_series')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_price_alerts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_price_alerts')),
        sa.UniqueConstraint('public_id', name=op.f('uq_price_alerts_public_id')),
    )
    with op.batch_alter_table('price_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_alerts_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_alerts_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('price_alerts')
    op.drop_table('price_production_costs')
    with op.batch_alter_table('price_forecasts', schema=None) as batch_op:
        batch_op.drop_column('coverage95')
        batch_op.drop_column('coverage80')

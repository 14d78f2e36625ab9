"""The department desk's daily summary (department_daily): line-level figures per day,
cooperative, and product / category / commodity / OCOP stars, filled here from
department_sales and the order lines (`flask department-rebuild` rebuilds both).

Revision ID: 0023_department_daily
Revises: 0016_price_costs_alerts
"""
from alembic import op
import sqlalchemy as sa

revision = '0023_department_daily'
down_revision = '0016_price_costs_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'department_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('dim', sa.String(length=10), nullable=False),
        sa.Column('key', sa.Integer(), nullable=False),
        sa.Column('commodity_id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('gmv', sa.Float(), nullable=False),
        sa.Column('goods', sa.BigInteger(), nullable=False),
        sa.Column('ocop_goods', sa.BigInteger(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=False),
        sa.Column('counted', sa.Integer(), nullable=False),
        sa.Column('cancelled', sa.Integer(), nullable=False),
        sa.Column('refunds', sa.Integer(), nullable=False),
        sa.Column('disputes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'cooperative_id', 'dim', 'key', 'commodity_id',
                                name=op.f('pk_department_daily')),
    )
    op.create_index('ix_department_daily_province_dim_day', 'department_daily',
                    ['province_code', 'dim', 'day'], unique=False)
    op.create_index('ix_department_daily_dim_day', 'department_daily', ['dim', 'day'],
                    unique=False)
    # Backfill from the per-part summary (empty on a new database: nothing to do).
    from market.department.services import rebuild_daily

    rebuild_daily(op.get_bind())


def downgrade():
    op.drop_index('ix_department_daily_dim_day', table_name='department_daily')
    op.drop_index('ix_department_daily_province_dim_day', table_name='department_daily')
    op.drop_table('department_daily')

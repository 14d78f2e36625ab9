"""Forecasts record the exogenous series their regression used (price_forecasts.exogenous);
the department's daily summary counts distinct orders and buyers exactly (orders_all,
orders_province, orders_commune, buyers on department_daily; "coop" and "dest" rows), with an
index on department_sales.order_id to find an order's parts. The daily summary is rebuilt
here (as 0023 filled it); `flask department-rebuild` does the same.

Revision ID: 0030_dept_distinct
Revises: 0029_moderation
"""
from alembic import op
import sqlalchemy as sa

revision = '0030_dept_distinct'
down_revision = '0029_moderation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('price_forecasts') as batch:
        batch.add_column(sa.Column('exogenous', sa.JSON(), nullable=True))
    with op.batch_alter_table('department_daily') as batch:
        for name in ('orders_all', 'orders_province', 'orders_commune'):
            batch.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('buyers', sa.LargeBinary(), nullable=True))
    op.create_index('ix_department_sales_order', 'department_sales', ['order_id'])
    from market.department.models import DAILY_FIGURES, DISTINCT_FIGURES

    op.create_index('ix_department_daily_orders', 'department_daily',
                    ['dim', 'province_code', 'day'],
                    postgresql_include=DAILY_FIGURES + DISTINCT_FIGURES,
                    postgresql_where=sa.text("dim IN ('coop', 'dest')"))

    from market.department.services import rebuild_daily

    rebuild_daily(op.get_bind())


def downgrade():
    op.drop_index('ix_department_daily_orders', table_name='department_daily')
    op.drop_index('ix_department_sales_order', table_name='department_sales')
    with op.batch_alter_table('department_daily') as batch:
        for name in ('buyers', 'orders_commune', 'orders_province', 'orders_all'):
            batch.drop_column(name)
    with op.batch_alter_table('price_forecasts') as batch:
        batch.drop_column('exogenous')

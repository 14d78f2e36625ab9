"""Forecasts record the exogenous series their regression used (price_forecasts.exogenous).

Revision ID: 0030_dept_distinct
Revises: 0023_department_daily
"""
from alembic import op
import sqlalchemy as sa

revision = '0030_dept_distinct'
down_revision = '0023_department_daily'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('price_forecasts') as batch:
        batch.add_column(sa.Column('exogenous', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('price_forecasts') as batch:
        batch.drop_column('exogenous')

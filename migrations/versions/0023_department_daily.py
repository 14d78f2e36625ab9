"""The department desk's daily summary (department_daily): line-level figures per day,
cooperative, and product / category / commodity / OCOP stars, filled (by 0030_dept_distinct) from
department_sales and the order lines (`flask department-rebuild` rebuilds both); and the
officers' resolutions of register conflicts (department_registry_resolutions).

Revision ID: 0023_department_daily
Revises: 0021_queue
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0023_department_daily'
down_revision = '0021_queue'
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
    # PostgreSQL: the figures ride in the indexes, for index-only scans (SQLite ignores it).
    figures = ['key', 'commodity_id', 'cooperative_id', 'gmv', 'goods', 'ocop_goods', 'units',
               'parts', 'counted', 'cancelled', 'refunds', 'disputes']
    op.create_index('ix_department_daily_province_dim_day', 'department_daily',
                    ['province_code', 'dim', 'day'], unique=False, postgresql_include=figures)
    op.create_index('ix_department_daily_dim_day', 'department_daily', ['dim', 'day'],
                    unique=False, postgresql_include=figures)
    op.create_table(
        'department_registry_resolutions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('seen', sa.String(length=500), nullable=False),
        sa.Column('tax_code', sa.String(length=14), nullable=False),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('name_differs', 'not_active', 'not_registered', "
                           "'other_province')",
                           name=op.f('ck_department_registry_resolutions_kind_known')),
        sa.CheckConstraint("action IN ('accept_name', 'suspend', 'link', 'reviewed')",
                           name=op.f('ck_department_registry_resolutions_action_known')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], ondelete='CASCADE',
                                name=op.f('fk_department_registry_resolutions_cooperative_id_cooperatives')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_department_registry_resolutions_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_registry_resolutions')),
    )
    op.create_index(op.f('ix_department_registry_resolutions_province_code'),
                    'department_registry_resolutions', ['province_code'], unique=False)
    op.create_index(op.f('ix_department_registry_resolutions_cooperative_id'),
                    'department_registry_resolutions', ['cooperative_id'], unique=False)
    # No backfill here: rebuild_daily() writes the table as the code has it today, with
    # columns later migrations add; 0030_dept_distinct (the summary's last change) fills it.


def downgrade():
    op.drop_index(op.f('ix_department_registry_resolutions_cooperative_id'),
                  table_name='department_registry_resolutions')
    op.drop_index(op.f('ix_department_registry_resolutions_province_code'),
                  table_name='department_registry_resolutions')
    op.drop_table('department_registry_resolutions')
    op.drop_index('ix_department_daily_dim_day', table_name='department_daily')
    op.drop_index('ix_department_daily_province_dim_day', table_name='department_daily')
    op.drop_table('department_daily')

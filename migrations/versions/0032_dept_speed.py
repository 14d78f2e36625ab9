"""The department desk's cooperative page reads one cooperative's daily rows through an index
of their own (cooperative_id, dim, day) instead of the province's whole period.

Revision ID: 0032_dept_speed
Revises: 0031_intl_gaps
"""
from alembic import op

revision = '0032_dept_speed'
down_revision = '0031_intl_gaps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_department_daily_cooperative_dim_day', 'department_daily',
                    ['cooperative_id', 'dim', 'day'])


def downgrade():
    op.drop_index('ix_department_daily_cooperative_dim_day', table_name='department_daily')

"""orders.client_ref: a keyed hash of the client that placed an order, to cap its holds

Revision ID: 0010_order_client_ref
Revises: 0009_money_hardening
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_order_client_ref'
down_revision = '0009_money_hardening'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_client_ref'), ['client_ref'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_client_ref'))
        batch_op.drop_column('client_ref')

"""stock movements: what cooperatives put on the shelf, beside reservations and sales

Revision ID: 0007_stock_movements
Revises: 0006_orders
"""
from alembic import op
import sqlalchemy as sa
import market.dbtypes

revision = '0007_stock_movements'
down_revision = '0006_orders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stock_movements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('delta', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', market.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason IN ('initial', 'edit', 'import', 'count')",
                           name=op.f('ck_stock_movements_reason_known')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_stock_movements_actor_id_users')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE',
                                name=op.f('fk_stock_movements_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements')),
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'],
                              unique=False)
    # What is on the shelf, held or sold today was once received: start the record there.
    op.execute("""
        INSERT INTO stock_movements (product_id, delta, reason, at)
        SELECT p.id, p.stock + COALESCE((
            SELECT SUM(l.quantity) FROM order_lines l
            JOIN vendor_orders v ON v.id = l.vendor_order_id
            WHERE l.product_id = p.id AND v.status <> 'cancelled'), 0), 'initial',
            CURRENT_TIMESTAMP
        FROM products p
    """)
    op.execute("DELETE FROM stock_movements WHERE delta = 0")


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_product_id'))
    op.drop_table('stock_movements')

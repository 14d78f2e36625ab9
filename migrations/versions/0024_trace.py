"""Traceability (market/trace): lots, their hash-chained events, lot genealogy, the lots
order lines shipped from; stock movements may now be recalls.

Revision ID: 0024_trace
Revises: 0023_department_daily
"""
from alembic import op
import sqlalchemy as sa

from market.dbtypes import UTCDateTime

revision = '0024_trace'
down_revision = '0023_department_daily'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'trace_lots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('produced_on', sa.Date(), nullable=False),
        sa.Column('best_before', sa.Date(), nullable=True),
        sa.Column('commune_code', sa.Integer(), nullable=True),
        sa.Column('area', sa.String(length=200), nullable=False),
        sa.Column('farms', sa.Text(), nullable=False),
        sa.Column('standards', sa.String(length=200), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.Column('recalled_at', UTCDateTime(), nullable=True),
        sa.Column('recall_reason', sa.String(length=300), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('quantity >= 0', name=op.f('ck_trace_lots_quantity_not_negative')),
        sa.CheckConstraint("kind IN ('harvest', 'bulk', 'packed')",
                           name=op.f('ck_trace_lots_kind_known')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], ondelete='CASCADE',
                                name=op.f('fk_trace_lots_cooperative_id_cooperatives')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE',
                                name=op.f('fk_trace_lots_product_id_products')),
        sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], ondelete='SET NULL',
                                name=op.f('fk_trace_lots_variant_id_product_variants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_lots')),
        sa.UniqueConstraint('code', name=op.f('uq_trace_lots_code')),
    )
    op.create_index(op.f('ix_trace_lots_cooperative_id'), 'trace_lots', ['cooperative_id'])
    op.create_index(op.f('ix_trace_lots_product_id'), 'trace_lots', ['product_id'])
    op.create_index(op.f('ix_trace_lots_variant_id'), 'trace_lots', ['variant_id'])
    op.create_table(
        'trace_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('occurred_at', UTCDateTime(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('place_code', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('notes_vi', sa.Text(), nullable=False),
        sa.Column('notes_en', sa.Text(), nullable=False),
        sa.Column('photos', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('input', 'harvest', 'processing', 'packing', 'shipping', 'split', "
            "'merge', 'certification', 'lab', 'correction', 'recall')",
            name=op.f('ck_trace_events_kind_known')),
        sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE',
                                name=op.f('fk_trace_events_lot_id_trace_lots')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_trace_events_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_events')),
        sa.UniqueConstraint('lot_id', 'seq', name=op.f('uq_trace_events_lot_id_seq')),
    )
    op.create_table(
        'trace_lot_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['trace_lots.id'], ondelete='CASCADE',
                                name=op.f('fk_trace_lot_links_parent_id_trace_lots')),
        sa.ForeignKeyConstraint(['child_id'], ['trace_lots.id'], ondelete='CASCADE',
                                name=op.f('fk_trace_lot_links_child_id_trace_lots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_lot_links')),
    )
    op.create_index(op.f('ix_trace_lot_links_parent_id'), 'trace_lot_links', ['parent_id'])
    op.create_index(op.f('ix_trace_lot_links_child_id'), 'trace_lot_links', ['child_id'])
    op.create_table(
        'order_line_lots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_order_line_lots_quantity_positive')),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], ondelete='CASCADE',
                                name=op.f('fk_order_line_lots_order_line_id_order_lines')),
        sa.ForeignKeyConstraint(['lot_id'], ['trace_lots.id'], ondelete='CASCADE',
                                name=op.f('fk_order_line_lots_lot_id_trace_lots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line_lots')),
        sa.UniqueConstraint('order_line_id', 'lot_id',
                            name=op.f('uq_order_line_lots_order_line_id_lot_id')),
    )
    op.create_index(op.f('ix_order_line_lots_order_line_id'), 'order_line_lots',
                    ['order_line_id'])
    op.create_index(op.f('ix_order_line_lots_lot_id'), 'order_line_lots', ['lot_id'])
    with op.batch_alter_table('stock_movements') as batch:
        batch.drop_constraint(op.f('ck_stock_movements_reason_known'), type_='check')
        batch.create_check_constraint(
            op.f('ck_stock_movements_reason_known'), "reason IN ('initial', 'edit', 'import', 'count', 'recall')")


def downgrade():
    with op.batch_alter_table('stock_movements') as batch:
        batch.drop_constraint(op.f('ck_stock_movements_reason_known'), type_='check')
        batch.create_check_constraint(
            op.f('ck_stock_movements_reason_known'), "reason IN ('initial', 'edit', 'import', 'count')")
    op.drop_table('order_line_lots')
    op.drop_table('trace_lot_links')
    op.drop_table('trace_events')
    op.drop_table('trace_lots')

"""Product variants: one product, several options (pack size, grade, roast), each with its own
SKU, price, weight, stock and optional GTIN. Creates one variant per product from its price,
stock and weight, folds the demo's size copies (same cooperative, same name but for a
trailing size such as "500 g") into variants of the first copy, and moves order lines, saved
carts and stock movements to variants.

Revision ID: 0017_variants
Revises: 0016_price_costs_alerts
"""
import re

from alembic import op
import sqlalchemy as sa

revision = '0017_variants'
down_revision = '0016_price_costs_alerts'
branch_labels = None
depends_on = None

# "Cà phê Robusta rang xay Ea Kmat 500 g" -> ("Cà phê Robusta rang xay Ea Kmat", "500 g")
SIZE = re.compile(r"^(?P<base>.*\S)\s+(?P<size>\d+(?:[.,]\d+)?\s?(?:g|kg|ml|l|lít))$",
                  re.IGNORECASE)


def split_size(name: str):
    match = SIZE.match((name or "").strip())
    return (match.group("base"), match.group("size")) if match else (None, None)


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to drop a column (batch mode), and dropping `products` while
    rows reference it fails with foreign keys on; SQLite ignores the pragma inside a
    transaction, so it is set between two (SQLite's own ALTER TABLE procedure)."""
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        return
    if on:
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"0017_variants left broken references: {broken[:5]}")
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    conn.exec_driver_sql("BEGIN")


def upgrade():
    _sqlite_foreign_keys(False)
    op.create_table(
        'product_variants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('label_vi', sa.String(length=80), nullable=False),
        sa.Column('label_en', sa.String(length=80), nullable=False),
        sa.Column('sku', sa.String(length=64), nullable=False),
        sa.Column('price', sa.BigInteger(), nullable=False),
        sa.Column('weight_grams', sa.Integer(), nullable=True),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.Column('gtin', sa.String(length=14), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.CheckConstraint('price > 0', name=op.f('ck_product_variants_price_positive')),
        sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_not_negative')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], ondelete='CASCADE',
                                name=op.f('fk_product_variants_cooperative_id_cooperatives')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE',
                                name=op.f('fk_product_variants_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
        sa.UniqueConstraint('cooperative_id', 'sku',
                            name=op.f('uq_product_variants_cooperative_id_sku')),
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'],
                              unique=False)
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_label', sa.String(length=80), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('sku', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_order_lines_variant_id'), ['variant_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_variant_id_product_variants'),
                                    'product_variants', ['variant_id'], ['id'])
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.alter_column('variant_label', server_default=None)
        batch_op.alter_column('sku', server_default=None)
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))

    _fill_variants(op.get_bind())

    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_cart_items_user_id_product_id'), type_='unique')
        batch_op.drop_constraint(op.f('fk_cart_items_product_id_products'), type_='foreignkey')
        batch_op.drop_column('product_id')
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_cart_items_variant_id_product_variants'),
                                    'product_variants', ['variant_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_cart_items_user_id_variant_id'),
                                          ['user_id', 'variant_id'])
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_variant_id'), ['variant_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_variant_id_product_variants'),
                                    'product_variants', ['variant_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_products_stock_not_negative'), type_='check')
        batch_op.drop_column('stock')
        batch_op.drop_column('weight_grams')
    _sqlite_foreign_keys(True)


def _fill_variants(conn) -> None:
    """One variant per product; then the size copies fold into their first product."""
    products = conn.execute(sa.text(
        "SELECT id, cooperative_id, price, stock, weight_grams, status FROM products "
        "ORDER BY id")).all()
    names = {}
    for product_id, locale, name in conn.execute(sa.text(
            "SELECT product_id, locale, name FROM product_translations")):
        names.setdefault(product_id, {})[locale] = name
    variants = sa.table(
        'product_variants', sa.column('id'), sa.column('product_id'),
        sa.column('cooperative_id'), sa.column('position'), sa.column('label_vi'),
        sa.column('label_en'), sa.column('sku'), sa.column('price'),
        sa.column('weight_grams'), sa.column('stock'), sa.column('gtin'),
        sa.column('active'))
    rows = [{"id": p.id, "product_id": p.id, "cooperative_id": p.cooperative_id,
             "position": 0, "label_vi": "", "label_en": "", "sku": f"P{p.id}-1",
             "price": p.price, "weight_grams": p.weight_grams, "stock": p.stock,
             "gtin": None, "active": True} for p in products]
    if rows:  # a product's first variant takes the product's id: lines map one to one
        op.bulk_insert(variants, rows)
    conn.execute(sa.text("UPDATE order_lines SET variant_id = product_id"))
    conn.execute(sa.text("UPDATE cart_items SET variant_id = product_id"))
    conn.execute(sa.text("UPDATE stock_movements SET variant_id = product_id"))

    groups = {}
    for p in products:
        if p.status == 'archived':
            continue
        base, size = split_size(names.get(p.id, {}).get('vi', ''))
        if base:
            groups.setdefault((p.cooperative_id, base.casefold()), []).append((p, size))
    for members in groups.values():
        if len(members) < 2:
            continue
        keeper, _size = members[0]
        for position, (p, size) in enumerate(members):
            en_base, en_size = split_size(names.get(p.id, {}).get('en', ''))
            params = {"v": p.id, "keeper": keeper.id, "copy": p.id}
            conn.execute(sa.text(
                "UPDATE product_variants SET product_id = :keeper, position = :pos, "
                "label_vi = :vi, label_en = :en, sku = :sku WHERE id = :v"),
                dict(params, pos=position, vi=size, en=en_size or size,
                     sku=f"P{keeper.id}-{position + 1}"))
            if p.id == keeper.id:
                continue
            conn.execute(sa.text(
                "UPDATE order_lines SET product_id = :keeper WHERE product_id = :copy"), params)
            conn.execute(sa.text(
                "UPDATE stock_movements SET product_id = :keeper WHERE product_id = :copy"),
                params)
            # The copy stays (archived) for what still names it (images, certificates,
            # history), with one inactive, empty variant of its own.
            conn.execute(sa.text(
                "INSERT INTO product_variants (product_id, cooperative_id, position, label_vi, "
                "label_en, sku, price, weight_grams, stock, gtin, active) VALUES (:copy, "
                ":coop, 0, '', '', :sku, :price, NULL, 0, NULL, :no)"),
                dict(params, coop=p.cooperative_id, sku=f"P{p.id}-folded", price=p.price,
                     no=False))
            conn.execute(sa.text(
                "UPDATE products SET status = 'archived' WHERE id = :copy"), params)
        # The kept product's name loses its size (now the variants' labels).
        for locale, name in names.get(keeper.id, {}).items():
            base, _s = split_size(name)
            if base:
                conn.execute(sa.text(
                    "UPDATE product_translations SET name = :name "
                    "WHERE product_id = :p AND locale = :locale"),
                    {"name": base, "p": keeper.id, "locale": locale})
        conn.execute(sa.text(
            "UPDATE products SET price = (SELECT MIN(price) FROM product_variants "
            "WHERE product_id = :p AND active = :yes) WHERE id = :p"),
            {"p": keeper.id, "yes": True})
    if conn.dialect.name == 'postgresql' and rows:
        conn.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('product_variants', 'id'), "
            "(SELECT MAX(id) FROM product_variants))"))


def downgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_grams', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stock', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint(op.f('ck_products_stock_not_negative'), 'stock >= 0')
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE products SET stock = COALESCE((SELECT SUM(stock) FROM product_variants v "
        "WHERE v.product_id = products.id), 0), weight_grams = (SELECT MIN(weight_grams) "
        "FROM product_variants v WHERE v.product_id = products.id)"))
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_stock_movements_variant_id_product_variants'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stock_movements_variant_id'))
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_id', sa.Integer(), nullable=True))
    conn.execute(sa.text(
        "UPDATE cart_items SET product_id = (SELECT product_id FROM product_variants v "
        "WHERE v.id = cart_items.variant_id)"))
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_cart_items_user_id_variant_id'), type_='unique')
        batch_op.drop_constraint(op.f('fk_cart_items_variant_id_product_variants'),
                                 type_='foreignkey')
        batch_op.drop_column('variant_id')
        batch_op.alter_column('product_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f('fk_cart_items_product_id_products'), 'products',
                                    ['product_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(op.f('uq_cart_items_user_id_product_id'),
                                          ['user_id', 'product_id'])
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_order_lines_variant_id_product_variants'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_lines_variant_id'))
        batch_op.drop_column('sku')
        batch_op.drop_column('variant_label')
        batch_op.drop_column('variant_id')
    op.drop_table('product_variants')
    _sqlite_foreign_keys(True)

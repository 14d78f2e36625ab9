"""Migration 0017 on a database made before variants: one variant per product from its price,
stock and weight; the demo's size copies (same cooperative, same name but for a trailing
size) fold into variants of the first copy, with their order lines, saved carts and stock
movements. Always on a throw-away SQLite file of its own."""
import itertools
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from market import create_app
from market.extensions import db

pytestmark = pytest.mark.committed  # its own database: no shared transaction
_n = itertools.count(1)


def _insert(conn, table: str, **values) -> int:
    """Insert a row, filling the NOT NULL columns not given with harmless values."""
    columns = sa.Table(table, sa.MetaData(), autoload_with=conn).columns
    row = {}
    for column in columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        try:
            python = column.type.python_type
        except NotImplementedError:
            python = str
        row[column.name] = {int: 0, bool: False, datetime: datetime.now(UTC),
                            float: 0.0}.get(python, f"v{next(_n)}")
    row.update(values)
    result = conn.execute(sa.insert(sa.Table(table, sa.MetaData(), autoload_with=conn)), row)
    return result.inserted_primary_key[0]


@pytest.fixture
def old_app(tmp_path):
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
        "INSTANCE_DIR": str(tmp_path / "instance"), "MEDIA_DIR": str(tmp_path / "media"),
        "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
    })
    with app.app_context():
        upgrade(revision="0016_price_costs_alerts")
        yield app
        db.engine.dispose()


def test_upgrade_makes_variants_and_folds_size_copies(old_app):
    engine = db.engine
    with engine.begin() as conn:
        coop = _insert(conn, "cooperatives", status="approved", member_count=3, slug="htx-a",
                       registration_code="9900000001", name="HTX A")
        other = _insert(conn, "cooperatives", status="approved", member_count=3, slug="htx-b",
                        registration_code="9900000002", name="HTX B")
        user = _insert(conn, "users", role="buyer", email="b@example.vn")

        def product(coop_id, name_vi, name_en, price, stock, weight=None, status="active"):
            pid = _insert(conn, "products", cooperative_id=coop_id, slug=f"p-{next(_n)}",
                          unit="gói", price=price, stock=stock, weight_grams=weight,
                          origin_province_code=66, status=status)
            _insert(conn, "product_translations", product_id=pid, locale="vi", name=name_vi,
                    description="")
            if name_en:
                _insert(conn, "product_translations", product_id=pid, locale="en",
                        name=name_en, description="")
            return pid

        p250 = product(coop, "Cà phê Robusta Ea Kmat 250 g", "Robusta coffee Ea Kmat 250 g",
                       90_000, 10, 260)
        p500 = product(coop, "Cà phê Robusta Ea Kmat 500 g", "Robusta coffee Ea Kmat 500 g",
                       170_000, 4, 520)
        p1kg = product(coop, "Cà phê Robusta Ea Kmat 1 kg", "", 320_000, 0, 1030)
        alone = product(coop, "Mật ong hoa cà phê", "Coffee blossom honey", 250_000, 7)
        elsewhere = product(other, "Cà phê Robusta Ea Kmat 500 g", "", 160_000, 3)

        order = _insert(conn, "orders", number="HTX-AAAA-BBBB", idempotency_key="k" * 20,
                        payment_method="cod", subtotal=170_000, shipping_total=0,
                        total=170_000, transfer_reference="HTXAAAABBBB", public_id="o1")
        part = _insert(conn, "vendor_orders", order_id=order, cooperative_id=coop,
                       number="HTX-AAAA-BBBB-1", status="confirmed", subtotal=170_000,
                       shipping_fee=0, total=170_000, commission_rate_bp=500, public_id="vo1")
        line = _insert(conn, "order_lines", vendor_order_id=part, product_id=p500,
                       name="Cà phê Robusta Ea Kmat 500 g", unit="gói", unit_price=170_000,
                       quantity=1, line_total=170_000)
        _insert(conn, "cart_items", user_id=user, product_id=p1kg, quantity=2)
        _insert(conn, "stock_movements", product_id=p500, delta=5, reason="initial")

    upgrade()

    with engine.connect() as conn:
        q = lambda sql, **kw: conn.execute(sa.text(sql), kw).all()
        variants = q("SELECT id, product_id, position, label_vi, label_en, sku, price, "
                     "weight_grams, stock, active FROM product_variants ORDER BY product_id, "
                     "position, id")
        folded = [v for v in variants if v.product_id == p250]
        assert [(v.label_vi, v.label_en, v.price, v.weight_grams, v.stock) for v in folded] == [
            ("250 g", "250 g", 90_000, 260, 10), ("500 g", "500 g", 170_000, 520, 4),
            ("1 kg", "1 kg", 320_000, 1030, 0)]
        assert len({v.sku for v in folded}) == 3
        # the copies are archived, each with one inactive empty variant
        status = dict(q("SELECT id, status FROM products"))
        assert (status[p500], status[p1kg], status[p250]) == ("archived", "archived", "active")
        for copy in (p500, p1kg):
            assert [(v.active, v.stock) for v in variants if v.product_id == copy] == [
                (False, 0)]
        # names lose the size; the price is the lowest variant's
        names = dict(q("SELECT locale, name FROM product_translations WHERE product_id = :p",
                       p=p250))
        assert names == {"vi": "Cà phê Robusta Ea Kmat", "en": "Robusta coffee Ea Kmat"}
        assert q("SELECT price FROM products WHERE id = :p", p=p250) == [(90_000,)]
        # what named a copy now names the kept product and the copy's variant
        v500 = next(v.id for v in folded if v.label_vi == "500 g")
        v1kg = next(v.id for v in folded if v.label_vi == "1 kg")
        assert q("SELECT product_id, variant_id, sku FROM order_lines WHERE id = :l",
                 l=line) == [(p250, v500, "")]
        assert q("SELECT variant_id, quantity FROM cart_items") == [(v1kg, 2)]
        assert q("SELECT product_id, variant_id FROM stock_movements") == [(p250, v500)]
        # a product without size copies, and the same name at another cooperative, stay
        for pid, price, stock in ((alone, 250_000, 7), (elsewhere, 160_000, 3)):
            assert [(v.label_vi, v.price, v.stock, v.active) for v in variants
                    if v.product_id == pid] == [("", price, stock, True)]
        assert status[alone] == status[elsewhere] == "active"
        columns = {c["name"] for c in sa.inspect(conn).get_columns("products")}
        assert not {"stock", "weight_grams"} & columns

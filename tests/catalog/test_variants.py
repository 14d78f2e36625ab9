"""Product variants: each option (pack size, grade, roast) has its own SKU, price, weight,
stock and optional GTIN; orders reserve per variant; Product.price is the lowest active one."""
import pytest

from market.catalog import services as catalog
from market.catalog.models import ProductVariant, StockMovement
from market.errors import ValidationError
from market.extensions import db
from market.orders import services as orders
from market.orders.services import CheckoutLine, CheckoutRefused

SIZES = [
    {"label_vi": "Gói 250 g", "label_en": "250 g pack", "sku": "RB-250", "price": "95.000",
     "weight_grams": "260", "stock": "5", "gtin": "8934567890120"},
    {"label_vi": "Gói 500 g", "label_en": "500 g pack", "sku": "RB-500", "price": "180000",
     "weight_grams": "520", "stock": "2"},
    {"label_vi": "Gói 1 kg", "label_en": "1 kg pack", "sku": "RB-1000", "price": "340000",
     "weight_grams": "1030", "stock": "0"},
]


def coffee(make, coop=None, variants=SIZES):
    return make.product(coop, variants=[dict(v) for v in variants])


def _order(make, product, *pairs, key=None):
    """Order [(variant, quantity), ...] of one product through the real checkout."""
    import secrets

    return orders.place_order(
        lines=[CheckoutLine(product.slug, q, variant=v.id) for v, q in pairs],
        contact=make.contact(), payment_method="cod",
        idempotency_key=key or secrets.token_urlsafe(16))


@pytest.mark.parametrize("gtin, ok", [
    ("96385074", True),            # GTIN-8
    ("036000291452", True),        # GTIN-12 (UPC-A)
    ("4006381333931", True),       # GTIN-13 (EAN)
    ("10012345678902", True),      # GTIN-14
    ("4006381333932", False),      # wrong check digit
    ("400638133393", False),       # 12 digits, wrong check digit
    ("12345", False),              # no GTIN length
    ("40063813339A1", False),      # not digits
])
def test_gtin_check_digit(gtin, ok):
    assert catalog.valid_gtin(gtin) is ok


def test_a_bad_gtin_is_refused_with_its_field(make):
    bad = [dict(SIZES[0], gtin="8934567890121")]
    with pytest.raises(ValidationError) as exc:
        coffee(make, variants=bad)
    assert "variants-0-gtin" in exc.value.errors


def test_product_summary_follows_its_variants(make):
    product = coffee(make)
    assert [v.sku for v in product.variants] == ["RB-250", "RB-500", "RB-1000"]
    assert product.price == 95_000 and product.price_range == (95_000, 340_000)
    assert product.stock == 7 and product.in_stock and product.has_options
    assert product.default_variant.sku == "RB-250"
    assert product.variants[0].gtin == "8934567890120"
    assert product.variants[1].weight_grams == 520
    # initial stock is recorded per variant
    moves = db.session.execute(db.select(StockMovement.variant_id, StockMovement.delta)
                               .filter_by(product_id=product.id)).all()
    assert sorted(d for _v, d in moves) == [2, 5]


def test_product_price_is_the_lowest_active_variant(make):
    product = coffee(make)
    cheapest = product.variants[0]
    catalog.update_product(product, {"variants": [{"id": cheapest.id, "active": False}]})
    assert product.price == 180_000 and product.price_range == (180_000, 340_000)
    assert product.in_stock  # the 500 g pack still has 2
    catalog.update_product(product, {"variants": [{"id": product.variants[1].id,
                                                   "price": "170000"}]})
    assert product.price == 170_000


def test_a_product_keeps_one_variant_on_sale(make):
    product = make.product()
    with pytest.raises(ValidationError):
        catalog.update_product(product, {"variants": [{"id": product.variants[0].id,
                                                       "active": False}]})


def test_sku_is_unique_per_cooperative(make):
    coop = make.cooperative()
    coffee(make, coop)
    with pytest.raises(ValidationError) as exc:
        make.product(coop, sku="RB-500")
    assert "RB-500" in str(exc.value.errors["sku"])
    other = make.product(make.cooperative(), sku="RB-500")   # another cooperative may
    assert other.variants[0].sku == "RB-500"
    with pytest.raises(ValidationError):                   # twice in one product
        coffee(make, variants=[SIZES[0], dict(SIZES[1], sku="RB-250")])


def test_several_options_need_names(make):
    with pytest.raises(ValidationError) as exc:
        coffee(make, variants=[SIZES[0], dict(SIZES[1], label_vi="")])
    assert "variants-1-label_vi" in exc.value.errors


def test_reserving_takes_only_the_chosen_variants_stock(make):
    product = coffee(make)
    small, medium, _large = product.variants
    order = _order(make, product, (medium, 2))
    db.session.refresh(small)
    db.session.refresh(medium)
    assert (small.stock, medium.stock) == (5, 0)
    line = order.vendor_orders[0].lines[0]
    assert (line.variant_id, line.sku, line.variant_label, line.unit_price) == \
        (medium.id, "RB-500", "Gói 500 g", 180_000)
    assert line.product_id == product.id
    orders.cancel_order(order, guest=True)
    db.session.refresh(medium)
    assert medium.stock == 2                       # released to the same variant


def test_no_oversell_across_variants(make):
    product = coffee(make)
    small, medium, large = product.variants
    # 3 of the 500 g pack: only 2 exist, whatever the 250 g pack holds
    with pytest.raises(CheckoutRefused) as exc:
        _order(make, product, (medium, 3))
    assert [(p.reason, p.variant, p.available) for p in exc.value.problems] == \
        [("out_of_stock", "RB-500", 2)]
    # two lines of one variant, named by id and by SKU, are one demand
    with pytest.raises(CheckoutRefused):
        orders.place_order(
            lines=[CheckoutLine(product.slug, 3, variant=small.id),
                   CheckoutLine(product.slug, 3, variant="RB-250")],
            contact=make.contact(), payment_method="cod", idempotency_key="k" * 20)
    with pytest.raises(CheckoutRefused):
        _order(make, product, (large, 1))          # sold out
    db.session.refresh(small)
    assert (small.stock, medium.stock, large.stock) == (5, 2, 0)  # nothing was taken


def test_a_variant_of_another_product_is_not_accepted(make):
    product, other = coffee(make), make.product()
    with pytest.raises(CheckoutRefused) as exc:
        orders.place_order(lines=[CheckoutLine(product.slug, 1,
                                               variant=other.variants[0].id)],
                           contact=make.contact(), payment_method="cod",
                           idempotency_key="x" * 20)
    assert exc.value.problems[0].reason == "unavailable"


def test_shipping_weighs_the_chosen_variant(make):
    product = coffee(make)
    order = _order(make, product, (product.variants[1], 2))
    heavy = coffee(make, variants=[dict(SIZES[1], sku="X", weight_grams="20000", stock="9")])
    heavier = _order(make, heavy, (heavy.variants[0], 2))
    assert heavier.vendor_orders[0].shipping_fee > order.vendor_orders[0].shipping_fee


def test_adjust_stock_per_variant(make):
    product = coffee(make)
    medium = product.variants[1]
    assert catalog.change_stock(medium, 2, 10, reason="count") == 10
    assert product.variants[0].stock == 5
    with pytest.raises(ValueError):              # a product of several variants: say which
        catalog.adjust_stock(product, 1, reason="count")
    with pytest.raises(ValueError):
        catalog.update_product(product, {"variants": [{"id": medium.id, "stock": 3}]})
    assert db.session.scalar(db.select(ProductVariant.stock).filter_by(id=medium.id)) == 10

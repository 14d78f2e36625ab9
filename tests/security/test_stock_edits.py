"""Stock is written as adjustments, never as an absolute value: a product page or an exported
sheet opened before some orders must not put back the units those orders reserved."""
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from market.catalog import services as catalog
from market.catalog import transfer
from market.catalog.models import Product, StockMovement
from market.extensions import db
from tests.conftest import login

FORM = {"name_vi": "Cà phê Robusta rang xay", "name_en": "Ground Robusta coffee",
        "description_vi": "Rang mộc.", "description_en": "Plain roast.",
        "unit": "gói", "category_id": "", "origin_province_code": "66", "status": "active"}


def form(product=None, price="185000", **variant):
    """The product form with one variant row (the product's only variant when editing)."""
    row = {"price": price, **variant}
    if product is not None:
        row["variant_id"] = str(product.variants[0].id)
    return dict(FORM, **{f"variants-0-{k}": v for k, v in row.items()})


def _movements(product):
    return db.session.execute(
        db.select(StockMovement.delta, StockMovement.reason, StockMovement.actor_id)
        .filter_by(product_id=product.id).order_by(StockMovement.id)).all()


def _on_shelf_plus_held(product):
    """stock + units held by open orders: what the movements add up to (nothing sold here)."""
    from market.orders.models import OrderLine, VendorOrder

    held = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(OrderLine.quantity), 0))
        .join(VendorOrder, VendorOrder.id == OrderLine.vendor_order_id)
        .where(OrderLine.product_id == product.id, VendorOrder.status != "cancelled"))
    return product.stock + held


def _shown(html):
    return re.search(r'name="variants-0-stock_shown"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="variants-0-stock_shown"',
                     html)


@pytest.fixture
def shop(make, client):
    staff = make.staff()
    product = make.product(staff.cooperative, stock=40)
    login(client, staff)
    return staff, product


def test_saving_a_page_opened_before_an_order_keeps_the_reservation(client, make, shop):
    _staff, product = shop
    page = client.get(f"/en/vendor/products/{product.slug}/edit").get_data(as_text=True)
    match = _shown(page)
    assert match and "40" in match.groups()
    make.order([(product, 3)])                       # an order arrives while the page is open
    assert product.stock == 37
    r = client.post(f"/en/vendor/products/{product.slug}/edit",
                    data=form(product, stock="40", stock_shown="40"))   # saved unchanged
    assert r.status_code == 302
    db.session.refresh(product)
    assert product.stock == 37                       # not 40: the 3 units stay reserved
    assert _on_shelf_plus_held(product) == sum(d for d, _r, _a in _movements(product)) == 40


def test_an_entered_stock_applies_as_a_difference_and_the_page_says_the_result(client, make, shop):
    staff, product = shop
    make.order([(product, 3)])
    r = client.post(f"/en/vendor/products/{product.slug}/edit",
                    data=form(product, stock="50", stock_shown="40"), follow_redirects=True)
    assert r.status_code == 200
    db.session.refresh(product)
    assert product.stock == 47
    assert "the stock is now 47" in r.get_data(as_text=True)
    assert _movements(product)[-1] == (10, "edit", staff.id)   # who did it is recorded
    assert _on_shelf_plus_held(product) == sum(d for d, _r, _a in _movements(product))


def test_taking_away_more_than_is_left_is_refused(client, make, shop):
    _staff, product = shop
    make.order([(product, 35)])                      # 5 left on the shelf
    db.session.commit()                              # (the refused save rolls back)
    r = client.post(f"/en/vendor/products/{product.slug}/edit",
                    data=form(product, stock="0", stock_shown="40", price="190000"))
    assert r.status_code == 422
    assert "Only 5 units are on the shelf now" in r.get_data(as_text=True)
    db.session.refresh(product)
    assert (product.stock, product.price) == (5, 185_000)       # nothing written


def test_a_form_without_the_shown_stock_cannot_write_stock(client, shop):
    _staff, product = shop
    r = client.post(f"/en/vendor/products/{product.slug}/edit", data=form(product, stock="400"))
    assert r.status_code == 422
    db.session.refresh(product)
    assert product.stock == 40


def test_no_service_writes_stock_absolutely(make):
    product = make.product(stock=40)
    make.order([(product, 3)])
    with pytest.raises(ValueError):
        catalog.update_product(product, {"stock": 40})
    assert catalog.change_stock(product, 40, 40, reason="count") == 37


def test_a_new_product_records_its_initial_stock_with_the_actor(client, shop):
    staff, _product = shop
    r = client.post("/en/vendor/products/new", data=dict(form(stock="12"),
                                                          name_vi="Mật ong rừng"))
    assert r.status_code == 302
    created = db.session.scalar(db.select(Product).join(Product.translations)
                                .where(Product.cooperative_id == staff.cooperative_id)
                                .order_by(Product.id.desc()))
    assert _movements(created) == [(12, "initial", staff.id)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimporting_an_export_made_before_an_order_changes_no_stock(make, fmt):
    product = make.product(stock=40)
    sheet = transfer.export(product.cooperative, fmt)
    make.order([(product, 3)])
    result = transfer.import_products(product.cooperative, sheet)
    db.session.refresh(product)
    assert product.stock == 37
    assert (result.updated, result.unchanged) == (0, 1)


def _edit_csv(data: bytes, slug: str, **cells) -> bytes:
    lines = data.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    out = [lines[0]]
    import csv

    for row in csv.reader(lines[1:]):
        if row[0] == slug:
            for key, value in cells.items():
                row[header.index(key)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(row)
        out.append(buf.getvalue())
    return ("\n".join(out) + "\n").encode()


def test_stock_new_applies_as_an_adjustment_from_the_exported_stock(client, make, shop):
    staff, product = shop
    sheet = transfer.export(product.cooperative, "csv")
    assert "stock_new" in sheet.decode("utf-8-sig").splitlines()[0].split(",")
    make.order([(product, 3)])
    r = client.post("/en/vendor/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(_edit_csv(sheet, product.slug, stock_new="50")), "p.csv")},
        follow_redirects=True)
    assert r.status_code == 200
    db.session.refresh(product)
    assert product.stock == 47
    assert "the stock is now 47" in r.get_data(as_text=True)
    assert _movements(product)[-1] == (10, "import", staff.id)


def test_an_import_that_would_make_stock_negative_writes_nothing(make):
    coop = make.cooperative()
    first, second = make.product(coop, stock=40), make.product(coop, stock=10)
    sheet = transfer.export(coop, "csv")
    make.order([(second, 8)])                        # 2 left
    sheet = _edit_csv(sheet, first.slug, stock_new="60", price="200000")
    sheet = _edit_csv(sheet, second.slug, stock_new="0")   # takes 10 away: only 2 are left
    with pytest.raises(transfer.ImportFailed) as exc:
        transfer.import_products(coop, sheet)
    assert [(e.line, e.column) for e in exc.value.errors] == [(3, "stock_new")]
    with force_locale("en"):  # the message is rendered in the request's language
        assert "Only 2 units" in str(exc.value.errors[0].message)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.stock, first.price, second.stock) == (40, 185_000, 2)


def test_xlsx_export_has_an_empty_stock_new_column(make):
    product = make.product(stock=40)
    sheet = load_workbook(io.BytesIO(transfer.export(product.cooperative, "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1]))
    assert row["stock"] == 40 and row["stock_new"] in (None, "")

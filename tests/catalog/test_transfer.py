"""CSV/XLSX import and export: every bad row reported, nothing written on any error, and a
round trip that changes nothing."""
import io

import pytest
from openpyxl import load_workbook

from market.catalog import transfer
from market.catalog.models import Product
from market.extensions import db
from tests.conftest import login


def row(**cells) -> str:
    """One CSV line in the template's column order, the cells not given empty."""
    return ",".join(str(cells.get(c, "")) for c in transfer.COLUMNS)


def _count(coop):
    return db.session.scalar(db.select(db.func.count(Product.id)).filter_by(cooperative_id=coop.id))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_changes_nothing(make, fmt):
    coop = make.cooperative()
    cat = make.category()
    make.product(coop, category_id=cat.id, description_vi="Dòng một\nDòng hai, có dấu phẩy")
    make.product(coop, name_en="", description_en="", unit="kg", stock=0, status="draft")
    before = transfer.export(coop, fmt)
    stamps = dict(db.session.execute(db.select(Product.id, Product.updated_at)
                                     .filter_by(cooperative_id=coop.id)).all())
    result = transfer.import_products(coop, before)
    db.session.expire_all()
    assert dict(db.session.execute(db.select(Product.id, Product.updated_at)
                                   .filter_by(cooperative_id=coop.id)).all()) == stamps
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert transfer.export(coop, fmt) == before if fmt == "csv" else True
    if fmt == "xlsx":
        rows = lambda data: list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert rows(transfer.export(coop, fmt)) == rows(before)


def test_import_creates_and_updates(make):
    coop = make.cooperative()
    product = make.product(coop)
    data = transfer.export(coop, "csv").decode("utf-8-sig")
    data = data.replace(",185000,", ",190000,")
    data += row(name_vi="Hạt điều rang muối", name_en="Roasted cashews", unit="hũ",
                price='"120.000"', stock_new=30, origin_province_code=66, status="active") + "\n"
    result = transfer.import_products(coop, data.encode())
    assert (result.created, result.updated) == (1, 1)
    assert product.price == 190_000
    assert _count(coop) == 2


def test_bad_rows_are_all_reported_and_nothing_is_written(make):
    coop = make.cooperative()
    other = make.product(make.cooperative())
    mine = make.product(coop)
    header = ",".join(transfer.COLUMNS)
    csv = "\n".join([
        header,
        row(slug=mine.slug, name_vi="Tên mới", unit="gói", price=200000, stock=40,   # fine
            sku=mine.variants[0].sku, origin_province_code=66, status="active"),
        row(name_vi="Trà", unit="gói", price=100000, stock=5,              # line 3: no name
            origin_province_code=66, status="active").replace("Trà", ""),
        row(name_vi="Cà phê", unit="thúng", price="abc", stock=5,           # line 4: unit, price
            origin_province_code=66, status="active"),
        row(slug=other.slug, name_vi="Của người khác", unit="gói", price=1000,  # 5: not ours
            stock=1, origin_province_code=66, status="active"),
        row(name_vi="Mật ong", unit="chai", price=1000, stock=1,            # line 6: category,
            category="no-such-cat", origin_province_code=99, status="active"),  # province
    ]).encode()
    with pytest.raises(transfer.ImportFailed) as exc:
        transfer.import_products(coop, csv)
    got = {(e.line, e.column) for e in exc.value.errors}
    assert {(3, "name_vi"), (4, "unit"), (4, "price"), (5, "slug"), (6, "category"),
            (6, "origin_province_code")} <= got
    assert mine.name("vi") != "Tên mới"
    assert _count(coop) == 1


def test_wrong_header_is_refused(make):
    with pytest.raises(transfer.ImportFailed):
        transfer.import_products(make.cooperative(), b"name,price\nx,1\n")


def test_import_page_reports_rows_and_export_downloads(client, make):
    staff = make.staff()
    login(client, staff)
    tpl = client.get("/vi/vendor/template.xlsx")
    assert tpl.status_code == 200 and tpl.data[:2] == b"PK"
    bad = (",".join(transfer.COLUMNS) + "\n" + row(unit="gói", price=0, stock_new=1,
                                                     origin_province_code=66,
                                                     status="active") + "\n").encode()
    r = client.post("/en/vendor/import", data={"file": (io.BytesIO(bad), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Line 2" in html and "Nothing was imported" in html
    good = (",".join(transfer.COLUMNS) + "\n" + row(
        name_vi="Gạo ST25", name_en="ST25 rice", unit="kg", price=35000, stock_new=100,
        origin_province_code=66, status="active") + "\n")
    r = client.post("/en/vendor/import", data={"file": (io.BytesIO(good.encode()), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert "ST25 rice" in client.get("/en/vendor/export.csv").get_data(as_text=True)


def test_xlsx_export_never_writes_formulas(make):
    coop = make.cooperative()
    make.product(coop, name_vi='=HYPERLINK("http://evil.example","bấm")')
    data = transfer.export(coop, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert transfer.import_products(coop, data).unchanged == 1


VARIANTS = [
    {"label_vi": "Gói 250 g", "label_en": "250 g pack", "sku": "RB-250", "price": 95_000,
     "weight_grams": 260, "stock": 5, "gtin": "8934567890120"},
    {"label_vi": "Gói 500 g", "label_en": "500 g pack", "sku": "RB-500", "price": 180_000,
     "stock": 2, "active": False},
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_row_per_variant_and_a_round_trip_changes_nothing(make, fmt):
    coop = make.cooperative()
    product = make.product(coop, variants=[dict(v) for v in VARIANTS])
    make.product(coop)
    sheet = transfer.export(coop, fmt)
    if fmt == "csv":
        lines = sheet.decode("utf-8-sig").splitlines()
        assert len(lines) == 4  # the header, two variants, one product without options
        first, second = (dict(zip(transfer.COLUMNS, line.split(","))) for line in lines[1:3])
        assert first["slug"] == second["slug"] == product.slug
        assert (first["name_vi"], second["name_vi"]) == (product.name("vi"), "")
        assert (first["sku"], first["option_vi"], first["gtin"], first["on_sale"]) == \
            ("RB-250", "Gói 250 g", "8934567890120", "yes")
        assert (second["sku"], second["price"], second["on_sale"]) == ("RB-500", "180000", "no")
    result = transfer.import_products(coop, sheet)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert transfer.export(coop, fmt) == sheet if fmt == "csv" else True


def test_import_adds_and_changes_variants(make):
    coop = make.cooperative()
    product = make.product(coop, variants=[dict(v) for v in VARIANTS])
    data = transfer.export(coop, "csv").decode("utf-8-sig")
    data = data.replace(",180000,", ",175000,")
    data += row(slug=product.slug, sku="RB-1000", option_vi="Gói 1 kg", option_en="1 kg pack",
                price=330000, weight_grams=1030, stock_new=8) + "\n"
    # a new product with two variants: the second row has neither slug nor name
    data += row(name_vi="Tiêu đen", unit="hũ", origin_province_code=66, status="active",
                option_vi="Hũ 100 g", price=45000, stock_new=3) + "\n"
    data += row(option_vi="Hũ 500 g", price=190000, stock_new=1, gtin="4006381333931") + "\n"
    result = transfer.import_products(coop, data.encode())
    assert (result.created, result.updated) == (1, 1)
    assert [(v.sku, v.price, v.stock) for v in product.variants] == [
        ("RB-250", 95_000, 5), ("RB-500", 175_000, 2), ("RB-1000", 330_000, 8)]
    pepper = db.session.scalar(db.select(Product).where(Product.cooperative_id == coop.id,
                                                        Product.id != product.id))
    assert [(v.label_vi, v.price, v.stock, v.gtin) for v in pepper.variants] == [
        ("Hũ 100 g", 45_000, 3, None), ("Hũ 500 g", 190_000, 1, "4006381333931")]
    assert pepper.price == 45_000


def test_a_bad_variant_row_names_its_line(make):
    coop = make.cooperative()
    product = make.product(coop, variants=[dict(v) for v in VARIANTS])
    data = transfer.export(coop, "csv").decode("utf-8-sig")
    data += row(slug=product.slug, sku="RB-1000", option_vi="Gói 1 kg", price="abc",
                gtin="4006381333932") + "\n"
    data += row(slug=product.slug, sku="RB-2000", name_vi="Tên khác", option_vi="Gói 2 kg",
                price=600000) + "\n"
    with pytest.raises(transfer.ImportFailed) as exc:
        transfer.import_products(coop, data.encode())
    assert {(e.line, e.column) for e in exc.value.errors} == {
        (4, "price"), (4, "gtin"), (5, "name_vi")}
    assert len(product.variants) == 2

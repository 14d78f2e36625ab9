"""CSV/XLSX import and export: every bad row reported, nothing written on any error, and a
round trip that changes nothing."""
import io

import pytest
from openpyxl import load_workbook

from market.catalog import transfer
from market.catalog.models import Product
from market.extensions import db
from tests.conftest import login


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
    data += ",Hạt điều rang muối,Roasted cashews,,,hũ,\"120.000\",,30,,66,active\n"
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
        f"{mine.slug},Tên mới,,,,gói,200000,40,,,66,active",   # fine alone
        ",,,,,gói,100000,5,,,66,active",                      # line 3: no name
        ",Cà phê,,,,thúng,abc,5,,,66,active",                  # line 4: unit, price
        f"{other.slug},Của người khác,,,,gói,1000,1,,,66,active",  # line 5: not ours
        ",Mật ong,,,,chai,1000,1,,no-such-cat,99,active",      # line 6: category, province
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
    bad = (",".join(transfer.COLUMNS) + "\n,,,,,gói,0,,1,,66,active\n").encode()
    r = client.post("/en/vendor/import", data={"file": (io.BytesIO(bad), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Line 2" in html and "Nothing was imported" in html
    good = (",".join(transfer.COLUMNS) + "\n,Gạo ST25,ST25 rice,,,kg,35000,,100,,66,active\n")
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

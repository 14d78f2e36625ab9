"""The department's pages and exports through the app, as an officer, an admin and others."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from market.department import tables
from tests.conftest import login

PAGES = ["/vi/department/", "/en/department/tables/cooperatives",
         "/vi/department/tables/commodities", "/vi/department/tables/categories",
         "/vi/department/tables/ocop", "/vi/department/tables/communes",
         "/vi/department/tables/destinations", "/vi/department/tables/products",
         "/vi/department/tables/trends", "/vi/department/tables/fulfilment",
         "/vi/department/tables/disputes", "/vi/department/registry",
         "/vi/department/registry/matches", "/vi/department/indicators",
         "/vi/department/registry/import"]
APRIL = "period=month&at=2026-04-10"


def test_officer_pages_show_their_province_only(client, dataset):
    login(client, dataset["officer"])
    for page in PAGES:
        response = client.get(f"{page}?{APRIL}")
        body = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "HTX Hà Nội" not in body, page
        for secret in ("same@example.vn", "Nguyễn Thị Mai", "0912 345 678", "Hàng Bạc"):
            assert secret not in body, (page, secret)
    body = client.get(f"/vi/department/tables/cooperatives?{APRIL}").get_data(as_text=True)
    assert "HTX Một" in body and "<svg" in body and 'role="img"' in body


def test_officer_refused_another_province(client, dataset):
    login(client, dataset["officer"])
    assert client.get(f"/vi/department/?{APRIL}&province=1").status_code == 403
    assert client.get(f"/vi/department/export/cooperatives/csv?{APRIL}&province=1"
                      ).status_code == 403
    assert client.get("/vi/department/report.pdf?month=2026-04&province=1").status_code == 403
    assert client.get(f"/vi/department/cooperatives/{dataset['b1'].slug}").status_code == 404
    assert client.get(f"/vi/department/?cooperative={dataset['b1'].slug}").status_code == 404
    assert client.get("/vi/department/compare").status_code == 403


@pytest.mark.parametrize("role", ["staff", "buyer"])
def test_others_refused(client, dataset, make, role):
    user = make.staff(dataset["a1"]) if role == "staff" else make.user()
    login(client, user)
    assert client.get("/vi/department/").status_code == 403
    assert client.get("/vi/department/export/overview/csv").status_code == 403


def test_exports_apply_the_filters_in_the_page_language(client, dataset):
    login(client, dataset["officer"])
    response = client.get(f"/en/department/export/cooperatives/xlsx?{APRIL}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Cooperative" and rows[1][1] == "GMV (VND)"
    data = {r[0]: r for r in rows[2:]}
    assert data["HTX Một"][1] == 310_000 and "HTX Hà Nội" not in data
    response = client.get(f"/vi/department/export/overview/csv?{APRIL}&commodity=ca-phe-test")
    text = response.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert "commodity=ca-phe-test" in text
    header = next(row for row in lines if row and row[0] == "Chỉ số")
    assert header[0] == "Chỉ số"
    gmv = next(row for row in lines if row and row[0].startswith("GMV"))
    assert gmv[1] == "260000"


def test_csv_export_escapes_formulas(client, dataset):
    dataset["a1"].name = "=HYPERLINK(\"http://x\")"
    login(client, dataset["officer"])
    text = client.get(f"/vi/department/export/cooperatives/csv?{APRIL}").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_monthly_pdf(client, dataset):
    login(client, dataset["officer"])
    response = client.get("/vi/department/report.pdf?month=2026-04")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert len(response.data) > 2000


def test_admin_compares_provinces(client, dataset):
    login(client, dataset["admin"])
    body = client.get(f"/vi/department/compare?{APRIL}").get_data(as_text=True)
    assert "Đắk Lắk" in body and "Hà Nội" in body
    body = client.get(f"/vi/department/?{APRIL}&province=1").get_data(as_text=True)
    assert "HTX Hà Nội" in body and "HTX Một" not in body


def test_cooperative_page(client, dataset):
    login(client, dataset["officer"])
    body = client.get(f"/vi/department/cooperatives/{dataset['a1'].slug}?{APRIL}"
                      ).get_data(as_text=True)
    assert "HTX Một" in body and "Mật ong" in body


def test_every_table_exports(client, dataset):
    login(client, dataset["officer"])
    for name in tables.ALL_TABLES:
        if name == "compare":
            continue
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/vi/department/export/{name}/{fmt}?{APRIL}")
            assert response.status_code == 200, (name, fmt)

"""The department's desk in a real browser: an officer of Đắk Lắk filters by commodity and
quarter, opens a cooperative, exports the cooperatives table as XLSX (read back with
openpyxl) and sees only their province's cooperatives."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from market.extensions import db
from tests import factories
from tests.e2e.conftest import screenshot


def _world():
    coffee = factories.category(slug="ca-phe-e2e", name_vi="Cà phê E2E", name_en="Coffee E2E")
    honey = factories.category(slug="mat-ong-e2e", name_vi="Mật ong E2E", name_en="Honey E2E")
    ours = factories.cooperative(name="HTX Cà Phê Trình Duyệt")
    other = factories.cooperative(name="HTX Tỉnh Khác", province_code=1)
    bean = factories.product(ours, price=150_000, stock=50, category_id=coffee.id)
    comb = factories.product(ours, price=90_000, stock=50, category_id=honey.id,
                             name_vi="Mật ong rừng")
    far = factories.product(other, price=80_000, stock=50, category_id=coffee.id)
    for lines in ([(bean, 2)], [(comb, 1)], [(far, 3)]):
        order = factories.order(lines, method="cod")
        order.created_at = datetime(2026, 5, 12, 3, tzinfo=UTC)
    officer = factories.officer(factories.DAK_LAK, email="officer.e2e.dept@example.vn")
    db.session.commit()
    return officer, ours


def test_officer_filters_opens_and_exports(live_server, live_db, page):
    officer, ours = _world()
    page.goto(live_server + "/en/account/login")
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Department desk").click()
    page.get_by_label("Period", exact=True).select_option("quarter")
    page.get_by_label("Date in the period", exact=True).fill("2026-05-01")
    page.get_by_label("Commodity", exact=True).select_option("ca-phe-e2e")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.scope")).to_contain_text("2026-Q2")
    overview = page.locator("table.dept").first
    expect(overview).to_contain_text("300,000")  # coffee only: 2 x 150,000, not the honey
    screenshot(page, "department-overview-e2e")
    page.get_by_role("navigation", name="Department desk").get_by_role(
        "link", name="By cooperative").click()
    expect(page.locator("body")).not_to_contain_text("HTX Tỉnh Khác")
    page.get_by_role("link", name=ours.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ours.name)
    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    data = Path(download_info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Cooperative")
    assert [r[0] for r in rows[header + 1:]] == [ours.name]  # Hà Nội's is not there
    assert rows[header + 1][1] == 300_000  # the filters of the page: coffee, 2026-Q2
    assert ("commodity=ca-phe-e2e",) in [r[:1] for r in rows[:header]]

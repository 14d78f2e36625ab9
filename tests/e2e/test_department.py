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


def test_officer_resolves_register_conflicts(live_server, live_db, page):
    from market.department import registry, services
    from tests.e2e.conftest import doc_screenshot, sign_in

    renamed = factories.cooperative(name="HTX Cà Phê Tên Mới")
    dissolved = factories.cooperative(name="HTX Mật Ong Đã Giải Thể")
    unlisted = factories.cooperative(name="HTX Chưa Có Trong Danh Bạ")
    officer = factories.officer(factories.DAK_LAK, email="officer.e2e.conflicts@example.vn")
    scope = services.scope_for(officer)
    batch, _ = registry.preview(scope, officer, (
        "tax_code,name,status\n"
        f"{renamed.registration_code},HTX Cà Phê Buôn Ma Thuột,active\n"
        f"{dissolved.registration_code},HTX Mật Ong Đã Giải Thể,dissolved\n").encode(), "r.csv")
    registry.apply_import(scope, batch.public_id)
    db.session.commit()
    for lang in ("vi", "en"):
        sign_in(page, live_server, officer.email, lang)
        page.goto(f"{live_server}/{lang}/department/registry/matches")
        for coop, kind in ((renamed, "name_differs"), (dissolved, "not_active"),
                           (unlisted, "not_registered")):
            expect(page.locator(f"#conflict-{coop.slug}-{kind}")).to_be_visible()
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            doc_screenshot(page, f"department-conflicts-{lang}-{width}", width)
        page.context.clear_cookies()
    sign_in(page, live_server, officer.email, "en")
    page.goto(f"{live_server}/en/department/registry/matches")
    card = page.locator(f"#conflict-{renamed.slug}-name_differs")
    card.get_by_label("Take the register's name").check()
    card.get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#conflict-{renamed.slug}-name_differs")).to_have_count(0)
    card = page.locator(f"#conflict-{dissolved.slug}-not_active")
    card.get_by_label("Suspend the storefront").check()
    card.get_by_label("Note (the reason, for a suspension)").fill("Dissolved: decision 12/2026")
    card.get_by_role("button", name="Resolve").click()
    page.get_by_role("button", name="Suspend the storefront").click()  # the confirmation step
    expect(page.locator(f"#conflict-{dissolved.slug}-not_active")).to_have_count(0)
    expect(page.locator(f"#conflict-{unlisted.slug}-not_registered")).to_be_visible()
    history = page.locator("table.dept").last
    expect(history).to_contain_text("Dissolved: decision 12/2026")
    expect(history).to_contain_text("HTX Cà Phê Buôn Ma Thuột")  # renamed by the first
    db.session.rollback()  # a new transaction sees what the server wrote
    assert db.session.get(type(dissolved), dissolved.id).status == "suspended"

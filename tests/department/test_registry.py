"""The province's registry: all-or-nothing import with a diff preview, matching by tax code,
the applicant check, the plan's indicators and the outreach list."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from market.accounts.models import Role
from market.catalog.transfer import ImportFailed
from market.department import registry, services
from market.department.models import RegistryEntry
from market.errors import NotFound, ValidationError
from market.extensions import db
from tests import factories
from tests.conftest import login

HEADER = "tax_code,name,kind,registered_on,commune_code,members,status,agricultural\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


@pytest.fixture
def officer(make):
    return make.officer(factories.DAK_LAK)


def test_bad_rows_import_nothing_and_are_all_reported(officer):
    scope = services.scope_for(officer)
    good = factories.registration_code()
    data = csv_file(f"{good},HTX Tốt,cooperative,2020-01-02,,10,active,yes",
                    "0123456788,HTX Sai Mã,cooperative,,,5,active,yes",
                    f"{factories.registration_code()},,group,2020-13-01,1,-1,closed,maybe")
    with pytest.raises(ImportFailed) as caught:
        registry.preview(scope, officer, data, "r.csv")
    columns = {(e.line, e.column) for e in caught.value.errors}
    assert (3, "tax_code") in columns
    assert {(4, "name"), (4, "registered_on"), (4, "commune_code"), (4, "members"),
            (4, "status"), (4, "agricultural")} <= columns
    assert db.session.scalar(db.select(db.func.count()).select_from(RegistryEntry)) == 0


def test_preview_shows_the_diff_and_confirm_applies_it(officer):
    scope = services.scope_for(officer)
    keep, change, gone = (factories.registration_code() for _ in range(3))
    first = csv_file(f"{keep},HTX Giữ,cooperative,,,10,active,yes",
                     f"{change},HTX Đổi,cooperative,,,10,active,yes",
                     f"{gone},HTX Mất,group,,,3,active,no")
    batch, diff = registry.preview(scope, officer, first, "r.csv")
    assert len(diff.new) == 3 and db.session.scalar(
        db.select(db.func.count()).select_from(RegistryEntry)) == 0  # nothing before confirm
    registry.apply_import(scope, batch.public_id)
    new = factories.registration_code()
    second = csv_file(f"{keep},HTX Giữ,cooperative,,,10,active,yes",
                      f"{change},HTX Đổi,cooperative,,,25,suspended,yes",
                      f"{new},HTX Mới,cooperative,,,7,active,yes")
    batch, diff = registry.preview(scope, officer, second, "r2.csv")
    assert [r["tax_code"] for r in diff.new] == [new]
    assert [(o["tax_code"], f) for o, _n, f in diff.changed] == [(change, ["members", "status"])]
    assert [r["tax_code"] for r in diff.gone] == [gone] and diff.unchanged == 1
    registry.apply_import(scope, batch.public_id)
    codes = {e.tax_code: e for e in registry.entries(scope)}
    assert set(codes) == {keep, change, new} and codes[change].members == 25
    with pytest.raises(NotFound):  # applied once only
        registry.apply_import(scope, batch.public_id)


def test_xlsx_with_vietnamese_headers(officer):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã số thuế", "Tên", "Thành viên", "Trạng thái"])
    code = factories.registration_code()
    sheet.append([code, "HTX Cà Phê", 12, "Hoạt động"])
    out = io.BytesIO()
    book.save(out)
    _batch, diff = registry.preview(services.scope_for(officer), officer, out.getvalue(), "r.xlsx")
    assert diff.new[0]["tax_code"] == code and diff.new[0]["members"] == 12
    assert diff.new[0]["status"] == "active"


def test_another_province_cannot_confirm(officer, make):
    batch, _ = registry.preview(services.scope_for(officer), officer,
                                csv_file(f"{factories.registration_code()},HTX A,,,,,,"), "r.csv")
    with pytest.raises(NotFound):
        registry.apply_import(services.scope_for(make.officer(1)), batch.public_id)


def _register(officer, *rows):
    scope = services.scope_for(officer)
    batch, _ = registry.preview(scope, officer, csv_file(*rows), "r.csv")
    registry.apply_import(scope, batch.public_id)
    return scope


def test_matching_conflicts_and_applicant_check(officer, make):
    listed = make.cooperative(name="HTX Cà Phê Ea Tu")
    renamed = make.cooperative(name="HTX Tên Mới")
    dissolved = make.cooperative(name="HTX Giải Thể")
    unlisted = make.cooperative(name="HTX Ngoài Danh Bạ")
    offline = factories.registration_code()
    scope = _register(officer,
                      f"{listed.registration_code},HTX Cà Phê Ea Tu,cooperative,,,10,active,yes",
                      f"{renamed.registration_code},HTX Tên Cũ,cooperative,,,10,active,yes",
                      f"{dissolved.registration_code},HTX Giải Thể,cooperative,,,3,dissolved,yes",
                      f"{offline},HTX Chưa Lên Sàn,cooperative,,,9,active,yes")
    data = registry.matches(scope)
    kinds = {(c["kind"], c["cooperative"].id) for c in data["conflicts"]}
    assert ("name_differs", renamed.id) in kinds and ("not_active", dissolved.id) in kinds
    assert ("not_registered", unlisted.id) in kinds
    assert len(data["matched"]) == 3
    assert registry.check_applicant(listed).status == "registered"
    assert registry.check_applicant(unlisted).status == "not_registered"
    assert registry.check_applicant(dissolved).status == "not_active"
    assert registry.check_applicant(make.cooperative(province_code=1)).status == "no_register"
    assert [e.tax_code for e in registry.outreach(scope)] == [offline]


def test_indicators(officer, make, dataset):
    a1 = dataset["a1"]  # approved, sold in April 2026 only
    quiet = make.cooperative(name="HTX Im Lặng")
    make.order([(make.product(quiet), 1)], method="cod")  # sold today
    scope = _register(officer,
                      f"{a1.registration_code},{a1.name},cooperative,,,10,active,yes",
                      f"{quiet.registration_code},HTX Im Lặng,cooperative,,,10,active,yes",
                      f"{factories.registration_code()},HTX Ngoại Tuyến,cooperative,,,4,active,yes",
                      f"{factories.registration_code()},HTX Dịch Vụ,cooperative,,,4,active,no")
    data = registry.indicators(scope, "vi", months=2)
    row = data["provinces"][0]
    assert row["registered"] == 3  # the non-agricultural one is not counted
    assert row["storefront"] == 2 and row["storefront_share"] == pytest.approx(2 / 3)
    assert row["sold_90"] == 1 and row["traceable"] is None
    assert len(data["history"]) == 3 and data["history"][0]["storefront"] == 0  # not yet


def test_import_page_round_trip(client, officer):
    login(client, officer)
    code = factories.registration_code()
    response = client.post("/vi/department/registry/import", data={
        "file": (io.BytesIO(csv_file(f"{code},HTX Qua Trang,cooperative,,,3,active,yes")),
                 "r.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "HTX Qua Trang" in preview
    assert client.post(response.headers["Location"]).status_code == 302
    assert code in client.get("/vi/department/registry").get_data(as_text=True)
    bad = client.post("/vi/department/registry/import", data={
        "file": (io.BytesIO(b"name\nx\n"), "r.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422


def test_application_review_shows_the_register(client, officer, make):
    applicant = make.cooperative(name="HTX Xin Vào", status="pending")
    _register(officer, f"{factories.registration_code()},HTX Khác,cooperative,,,3,active,yes")
    login(client, officer)
    body = client.get(f"/en/vendor/review/{applicant.slug}").get_data(as_text=True)
    assert "Not on the province&#39;s register" in body or "Not on the province's register" in body


@pytest.fixture
def conflicts(officer, make):
    renamed = make.cooperative(name="HTX Tên Mới")
    dissolved = make.cooperative(name="HTX Giải Thể")
    unlisted = make.cooperative(name="HTX Ngoài Danh Bạ")
    spare = factories.registration_code()
    _register(officer,
              f"{renamed.registration_code},HTX Tên Cũ,cooperative,,,10,active,yes",
              f"{dissolved.registration_code},HTX Giải Thể,cooperative,,,3,dissolved,yes",
              f"{spare},HTX Ngoài Danh Bạ,cooperative,,,9,active,yes")
    db.session.commit()
    return {"renamed": renamed, "dissolved": dissolved, "unlisted": unlisted, "spare": spare}


def _open(officer):
    return {(c["kind"], c["cooperative"].slug)
            for c in registry.matches(services.scope_for(officer))["conflicts"]}


def test_officer_resolves_each_kind_of_conflict(client, officer, conflicts):
    from market.department.models import RegistryResolution

    login(client, officer, lang="en")
    renamed, dissolved, unlisted = (conflicts[k] for k in ("renamed", "dissolved", "unlisted"))
    url = "/en/department/registry/conflicts/{}/resolve"
    # name differs: take the register's name
    r = client.post(url.format(renamed.slug), data={"kind": "name_differs",
                                                    "action": "accept_name"})
    assert r.status_code == 302
    assert db.session.get(type(renamed), renamed.id).name == "HTX Tên Cũ"
    # not active on the register: suspending asks first, then needs a reason
    r = client.post(url.format(dissolved.slug), data={"kind": "not_active", "action": "suspend",
                                                      "note": ""})
    assert r.status_code == 200 and 'name="confirmed"' in r.get_data(as_text=True)
    assert db.session.get(type(dissolved), dissolved.id).status == "approved"
    r = client.post(url.format(dissolved.slug), data={"kind": "not_active", "action": "suspend",
                                                      "note": "", "confirmed": "1"})
    assert r.status_code == 422 and "Give a reason" in r.get_data(as_text=True)
    r = client.post(url.format(dissolved.slug), data={
        "kind": "not_active", "action": "suspend", "note": "Giải thể theo QĐ 12/2026",
        "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(dissolved), dissolved.id).status == "suspended"
    # not on the register: link it to the entry with the right tax code (confirmed)
    r = client.post(url.format(unlisted.slug), data={
        "kind": "not_registered", "action": "link", "tax_code": "0100109106",
        "confirmed": "1", "note": "Sai mã"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "No entry of the province" in page
    assert "Sai mã" in page  # the note typed is not lost
    r = client.post(url.format(unlisted.slug), data={
        "kind": "not_registered", "action": "link", "tax_code": conflicts["spare"],
        "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(unlisted), unlisted.id).registration_code == conflicts["spare"]
    assert not _open(officer)
    recorded = {(x.kind, x.action, x.resolved_by_id) for x in db.session.scalars(
        db.select(RegistryResolution))}
    assert recorded == {("name_differs", "accept_name", officer.id),
                        ("not_active", "suspend", officer.id),
                        ("not_registered", "link", officer.id)}
    page = client.get("/en/department/registry/matches").get_data(as_text=True)
    resolved = page.split("<h2>Resolved conflicts")[1].split("<h2>")[0]
    assert "Giải thể theo QĐ 12/2026" in resolved and officer.name in resolved
    assert "Take the register&#39;s name" in resolved or "Take the register's name" in resolved


def test_reviewed_needs_a_note_and_returns_when_the_facts_change(officer, conflicts):
    scope = services.scope_for(officer)
    renamed = conflicts["renamed"]
    with pytest.raises(ValidationError):
        registry.resolve_conflict(scope, officer, renamed.slug, "name_differs", "reviewed", "")
    with pytest.raises(ValidationError):  # not an action for this kind
        registry.resolve_conflict(scope, officer, renamed.slug, "name_differs", "suspend", "x")
    registry.resolve_conflict(scope, officer, renamed.slug, "name_differs", "reviewed",
                              "Tên viết tắt, đúng theo giấy phép")
    assert ("name_differs", renamed.slug) not in _open(officer)
    with pytest.raises(NotFound):  # resolved: nothing left to resolve
        registry.resolve_conflict(scope, officer, renamed.slug, "name_differs", "reviewed", "x")
    renamed.name = "HTX Tên Mới Hơn"  # the cooperative renames itself: the conflict is back
    db.session.flush()
    assert ("name_differs", renamed.slug) in _open(officer)


def test_another_province_cannot_resolve(client, officer, conflicts, make):
    stranger = make.officer(1)
    renamed = conflicts["renamed"]
    with pytest.raises(NotFound):
        registry.resolve_conflict(services.scope_for(stranger), stranger, renamed.slug,
                                  "name_differs", "accept_name")
    login(client, stranger)
    r = client.post(f"/vi/department/registry/conflicts/{renamed.slug}/resolve",
                    data={"kind": "name_differs", "action": "accept_name"})
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(renamed), renamed.id).name == "HTX Tên Mới"
    # an administrator may, for any province
    admin = make.user(Role.ADMIN)
    registry.resolve_conflict(services.scope_for(admin), admin, renamed.slug,
                              "name_differs", "accept_name")
    assert renamed.name == "HTX Tên Cũ"

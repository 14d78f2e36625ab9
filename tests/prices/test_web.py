"""Pages, the import form, the JSON/CSV API and the Atom feed, over real HTTP."""
import io
import json

from market.accounts.models import Role
from market.extensions import db
from market.prices import services
from market.prices.models import PriceSeries
from tests.conftest import login
from tests.prices.conftest import csv_bytes, daily_rows, monthly_rows


def _published(officer):
    services.import_prices(officer, "p.csv", csv_bytes(monthly_rows(30) + daily_rows(40)))
    services.refresh_forecasts()
    for s in db.session.scalars(db.select(PriceSeries)):
        services.set_publication(officer, s, publish=True, commentary_vi="Giá đi ngang.",
                                 commentary_en="Prices flat.")


def test_pages_in_both_languages(make, client):
    _published(make.officer())
    page = client.get("/vi/prices/")
    assert page.status_code == 200 and "Cà phê Robusta" in page.get_data(as_text=True)
    detail = client.get("/en/prices/coffee_robusta?market=dak_lak")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "<svg" in html and "Prices flat." in html and "95%" in html
    assert "<table" in html  # the no-script fallback
    weekly = client.get("/vi/prices/coffee_robusta?market=dak_lak&freq=W")
    assert weekly.status_code == 200
    assert client.get("/en/prices/nothing").status_code == 404


def test_unpublished_forecasts_are_hidden_from_the_public(make, client):
    officer = make.officer()
    services.import_prices(officer, "p.csv", csv_bytes(monthly_rows(30)))
    services.refresh_forecasts()
    body = client.get("/api/v1/forecasts/coffee_robusta").get_json()
    assert body["forecasts"] == []
    assert "Not published" not in client.get("/en/prices/coffee_robusta").get_data(as_text=True)


def test_json_csv_etag_and_cache(make, client):
    _published(make.officer())
    r = client.get("/api/v1/prices/coffee_robusta?market=dak_lak&from=2025-09-05&to=2025-09-30")
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("public")
    body = r.get_json()
    series = body["series"][0]
    assert series["currency"] == "VND" and series["unit"] == "kg"
    assert all("2025-09-05" <= o["date"] <= "2025-09-30" for o in series["observations"])
    assert isinstance(series["observations"][0]["price"], int)
    again = client.get(r.request.full_path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    csv_text = client.get("/api/v1/prices/coffee_robusta?format=csv").get_data(as_text=True)
    assert csv_text.startswith("date,commodity,market,unit,price,source")
    f = client.get("/api/v1/forecasts/coffee_robusta?market=world").get_json()["forecasts"][0]
    assert f["frequency"] == "monthly" and len(f["points"]) == 12 and f["unit"] == "kg"
    assert f["commentary"]["en"] == "Prices flat." and f["fitted_through"] == "2022-06-01"
    fc = client.get("/api/v1/forecasts/coffee_robusta?format=csv")
    assert fc.headers["Content-Type"].startswith("text/csv") and "ETag" in fc.headers


def test_api_problems_are_problem_json(client, make):
    _published(make.officer())
    for url, status in [("/api/v1/prices/nothing", 404),
                        ("/api/v1/prices/coffee_robusta?market=mars", 404),
                        ("/api/v1/prices/coffee_robusta?from=yesterday", 422),
                        ("/api/v1/forecasts/coffee_robusta?format=xml", 422)]:
        r = client.get(url)
        assert r.status_code == status and r.mimetype == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(json.loads(r.data))


def test_atom_feed_lists_published_forecasts(make, client):
    _published(make.officer())
    r = client.get("/prices/feed.atom")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    assert r.data.count(b"<entry>") == 2 and "ETag" in r.headers


def test_officer_uploads_in_the_browser_and_sees_every_bad_line(make, client):
    officer = make.officer()
    login(client, officer)
    bad = csv_bytes([("2026-01-01", "coffee_robusta", "dak_lak", "VND/kg", "abc"),
                     ("2026-01-02", "coffee_robusta", "dak_lak", "VND/kg", "100000")])
    r = client.post("/en/prices/import", data={"file": (io.BytesIO(bad), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "Line 2" in r.get_data(as_text=True)
    good = csv_bytes(daily_rows(20))
    r = client.post("/en/prices/import", data={"file": (io.BytesIO(good), "p.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get("/en/prices/import").get_data(as_text=True)
    assert "p.csv" in page and "Roll back" in page
    batch = services.list_batches()[0]
    r = client.post(f"/en/prices/import/{batch.public_id}/rollback", data={"confirmed": "1"})
    assert r.status_code == 302 and batch.rolled_back_at is not None


def test_officer_publishes_from_the_page(make, client):
    officer = make.officer()
    services.import_prices(officer, "p.csv", csv_bytes(daily_rows(40)))
    login(client, officer)
    url = "/vi/prices/coffee_robusta/dak_lak/publication"
    r = client.post(url, data={"action": "publish", "commentary_vi": "Giá tăng nhẹ."})
    assert r.status_code == 302
    series = db.session.scalar(db.select(PriceSeries))
    assert series.published is False  # stale: refused, with a message
    services.refresh_forecasts()
    client.post(url, data={"action": "publish", "commentary_vi": "Giá tăng nhẹ."})
    assert series.published is True and series.commentary_vi == "Giá tăng nhẹ."


def test_buyers_cannot_import(make, client):
    login(client, make.user(Role.BUYER))
    assert client.get("/en/prices/import").status_code == 403
    assert client.post("/en/prices/import").status_code == 403


def test_both_formats_are_content_types_the_document_names(make, client):
    """?format=json and ?format=csv each answer with a type the OpenAPI document lists for
    the 200 (a manual CSV entry once replaced the JSON one; Schemathesis' stateful phase
    caught it in CI)."""
    _published(make.officer())
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, url in [("/api/v1/prices/{commodity}", "/api/v1/prices/coffee_robusta"),
                      ("/api/v1/forecasts/{commodity}", "/api/v1/forecasts/coffee_robusta")]:
        documented = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert documented["application/json"]["schema"]["$ref"].startswith("#/components/")
        for fmt in ("json", "csv"):
            r = client.get(f"{url}?format={fmt}")
            assert r.status_code == 200 and r.mimetype in documented, (url, fmt, r.mimetype)

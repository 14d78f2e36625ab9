"""Parcels abroad: the zone table (default data, and a carrier's CSV loaded by the flask
command), weight limits, cooperatives that do not ship abroad, and card-only payment."""
import secrets

import pytest

from market.errors import DomainError
from market.extensions import db
from market.intl import zones
from market.orders import services
from market.orders.services import CheckoutLine, CheckoutRefused, place_order


def _exporter(make):
    coop = make.cooperative()
    coop.ships_abroad = True  # the owner's opt-in on the profile page
    return coop


def _place(lines, method="stripe", **contact):
    return place_order(lines=[CheckoutLine(p.slug, q) for p, q in lines],
                       contact=services.Contact(**contact), payment_method=method,
                       idempotency_key=secrets.token_urlsafe(16),
                       methods_available=("cod", "vietqr", "stripe"))


def test_default_zone_table_prices_by_country_and_weight_up_to_the_limit(ctx):
    table = zones.default_table()
    assert table.countries["DE"] != table.countries["SG"]
    assert zones.fee("SG", 500) < zones.fee("DE", 500) < zones.fee("DE", 501)
    assert zones.fee("DE", 30_000) == table.rates[table.countries["DE"]][-1][1]
    with pytest.raises(zones.NotShipped) as heavy:
        zones.fee("DE", 30_001)
    assert heavy.value.reason == "too_heavy" and heavy.value.limit_grams == 30_000
    with pytest.raises(zones.NotShipped) as nowhere:
        zones.fee("AQ", 500)  # Antarctica is in no zone
    assert nowhere.value.reason == "no_zone"


def test_order_abroad_splits_and_refuses_only_the_parcels_that_cannot_go(make):
    abroad = _exporter(make)
    home_only = make.cooperative()
    coffee = make.product(abroad, price=200_000, weight_grams=500, stock=5)
    honey = make.product(home_only, price=150_000, weight_grams=700, stock=5)
    contact = vars(make.foreign_contact())
    with pytest.raises(CheckoutRefused) as refused:
        _place([(coffee, 1), (honey, 1)], **contact)
    assert [(p.product_slug, p.reason) for p in refused.value.problems] == [
        (honey.slug, "not_abroad")]
    db.session.refresh(honey)
    assert honey.default_variant.stock == 5  # nothing was reserved
    order = _place([(coffee, 2)], **contact)
    assert (order.country_code, order.postal_code, order.city) == ("DE", "10117", "BERLIN")
    assert (order.province_code, order.phone) == (0, "+49301234567")
    assert order.shipping_total == zones.fee("DE", 1_000)
    assert order.total == 400_000 + zones.fee("DE", 1_000)


def test_a_parcel_above_the_weight_limit_is_refused_line_by_line(make):
    coop = _exporter(make)
    sacks = make.product(coop, price=1_000_000, weight_grams=10_000, stock=10)
    with pytest.raises(CheckoutRefused) as refused:
        _place([(sacks, 4)], **vars(make.foreign_contact()))
    problem, = refused.value.problems
    assert (problem.reason, problem.available) == ("too_heavy", 30_000)


@pytest.mark.parametrize("method", ["cod", "vietqr"])
def test_cash_and_bank_transfer_are_refused_abroad_by_the_service(make, method):
    coffee = make.product(_exporter(make), weight_grams=500)
    with pytest.raises(DomainError) as refused:
        _place([(coffee, 1)], method=method, **vars(make.foreign_contact()))
    assert refused.value.code == "method_not_abroad"
    assert services.methods_for("DE", ["cod", "vietqr", "stripe"]) == ["stripe"]
    assert services.methods_for("VN", ["cod", "vietqr"]) == ["cod", "vietqr"]


def test_vietnam_is_unchanged(make):
    coffee = make.product(_exporter(make), weight_grams=500)
    order = make.order([(coffee, 1)])
    assert order.country_code == "VN" and order.payment_method == "cod"
    assert order.shipping_total < zones.fee("SG", 500)  # the domestic table, not the zones


def test_the_flask_command_replaces_the_zone_table(app, make, tmp_path):
    countries = tmp_path / "countries.csv"
    rates = tmp_path / "rates.csv"
    countries.write_text("country_code,zone\nde,1\nJP,2\n")
    rates.write_text("zone,up_to_grams,fee_vnd\n1,1000,500000\n1,2000,800000\n2,5000,700000\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shipping-zones", "import", str(countries), str(rates)])
    assert result.exit_code == 0, result.output
    assert "2 countries in 2 zones" in result.output
    assert zones.fee("DE", 1_500) == 800_000 and zones.fee("JP", 5_000) == 700_000
    with pytest.raises(zones.NotShipped):
        zones.fee("US", 500)  # no longer in the table
    with pytest.raises(zones.NotShipped):
        zones.fee("DE", 2_001)  # the new limit
    rates.write_text("zone,up_to_grams,fee_vnd\n1,1000,abc\n")
    bad = runner.invoke(args=["shipping-zones", "import", str(countries), str(rates)])
    assert bad.exit_code != 0 and "số nguyên" in bad.output  # the message, in Vietnamese
    assert zones.fee("DE", 1_500) == 800_000  # a bad file changes nothing


def test_the_checkout_quotes_fees_abroad_with_the_tables_source_and_date(app, client, make,
                                                                         tmp_path):
    coop = _exporter(make)
    client.post("/en/cart/add", data={"product": make.product(coop, weight_grams=500).slug,
                                      "quantity": 1})
    html = client.get("/en/checkout/summary?country_code=DE").get_data(as_text=True)
    assert "data-zone-table" in html and "the indicative tariff of HTX Market" in html
    assert "December 2, 2026" in html  # the default table's date
    assert "data-zone-table" not in client.get(
        "/en/checkout/summary?province_code=1").get_data(as_text=True)  # at home: none
    countries, rates = tmp_path / "countries.csv", tmp_path / "rates.csv"
    countries.write_text("country_code,zone\nDE,1\n")
    rates.write_text("zone,up_to_grams,fee_vnd\n1,30000,500000\n")
    runner = app.test_cli_runner()
    args = ["shipping-zones", "import", str(countries), str(rates), "--source",
            "EMS Quốc tế 11/2026"]
    assert runner.invoke(args=[*args, "--date", "15/13/2026"]).exit_code != 0
    result = runner.invoke(args=[*args, "--date", "2026-11-15"])
    assert result.exit_code == 0, result.output
    html = client.get("/vi/checkout/summary?country_code=DE").get_data(as_text=True)
    assert "EMS Quốc tế 11/2026" in html and "15 tháng 11, 2026" in html

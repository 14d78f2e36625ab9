"""The overview's figures on the hand-checked dataset of conftest.py."""
from __future__ import annotations

from datetime import date

import pytest

from market.department import services
from market.errors import NotFound, PermissionDenied, ValidationError
from tests import factories

APRIL = services.Period("month", date(2026, 4, 1), date(2026, 4, 30))


def dak_lak(dataset):
    return services.scope_for(dataset["officer"])


def test_april_in_dak_lak(dataset):
    figures = services.overview(dak_lak(dataset), APRIL)
    now = figures["now"]
    assert now["gmv"] == 310_000  # refund of o2 taken off; o3, o4 cancelled; o5 elsewhere
    assert now["orders"] == 2
    assert now["units"] == 4
    assert now["buyers"] == 1
    assert now["aov"] == 155_000
    assert now["cancel_rate"] == pytest.approx(0.5)  # o3 and o4, once each, of 4 parts
    assert now["refund_rate"] == pytest.approx(0.5)
    assert now["dispute_rate"] == 0
    assert now["foreign_buyers"] == 0
    assert figures["before"]["gmv"] == 100_000  # o6: 23:30 on 31 March in Vietnam
    assert figures["change"]["gmv"] == pytest.approx(2.1)


def test_period_cut_in_vietnam_time(dataset):
    scope = dak_lak(dataset)
    first_april = services.parse_period("day", "2026-04-01")
    assert services.overview(scope, first_april)["now"]["gmv"] == 250_000  # o1 only
    march_31 = services.parse_period("day", "2026-03-31")
    assert services.overview(scope, march_31)["now"]["gmv"] == 100_000  # o6 only


def test_commodity_filter_counts_only_its_lines(dataset):
    scope = dak_lak(dataset)
    filters = services.parse_filters(scope, commodity="ca-phe-test")
    now = services.overview(scope, APRIL, filters)["now"]
    assert now["gmv"] == 260_000  # o1's coffee 200,000 + o2's 100,000 less its 40,000 refund
    assert now["units"] == 3


def test_breakdowns(dataset):
    scope = dak_lak(dataset)
    by_coop = {r["label"]: r for r in services.breakdown(scope, APRIL, services.Filters(),
                                                         "cooperatives", "vi")}
    assert by_coop["HTX Một"]["gmv"] == 310_000
    assert by_coop["HTX Hai"]["gmv"] == 0 and by_coop["HTX Hai"]["cancel_rate"] == 1
    assert "HTX Hà Nội" not in by_coop
    by_category = {r["label"]: r["gmv"] for r in services.breakdown(
        scope, APRIL, services.Filters(), "categories", "en")}
    assert by_category == {"Coffee": 260_000, "Honey": 50_000}
    outcomes = services.breakdown(scope, APRIL, services.Filters(), "destinations", "vi")
    assert sum(r["gmv"] for r in outcomes) == 310_000


def test_year_series_has_the_year_before(dataset):
    scope = dak_lak(dataset)
    series = services.series(scope, services.parse_period("year", "2026-06-01"),
                             services.Filters())
    by_month = {p["at"]: p["gmv"] for p in series["points"]}
    assert series["monthly"] and len(series["points"]) == 12
    assert by_month[date(2026, 4, 1)] == 310_000 and by_month[date(2026, 3, 1)] == 100_000


def test_admin_sees_and_compares_every_province(dataset):
    admin = services.scope_for(dataset["admin"])
    assert services.overview(admin, APRIL)["now"]["gmv"] == 380_000  # + Hà Nội's 70,000
    rows = {r["key"]: r["gmv"] for r in services.compare_provinces(admin, APRIL, "vi")}
    assert rows == {factories.DAK_LAK: 310_000, 1: 70_000}
    with pytest.raises(PermissionDenied):
        services.compare_provinces(dak_lak(dataset), APRIL, "vi")


def test_officer_cannot_cross_the_province(dataset, make):
    officer = dataset["officer"]
    with pytest.raises(PermissionDenied):
        services.scope_for(officer, province="1")
    assert services.scope_for(officer, province=str(factories.DAK_LAK)).provinces == (66,)
    with pytest.raises(NotFound):
        services.cooperative_in_scope(dak_lak(dataset), dataset["b1"].slug)
    with pytest.raises(NotFound):
        services.parse_filters(dak_lak(dataset), cooperative=dataset["b1"].slug)
    with pytest.raises(PermissionDenied):
        services.scope_for(make.staff(dataset["a1"]))


@pytest.mark.parametrize("kind,at,start,end", [("fortnight", None, None, None),
                                               ("day", "2026-13-01", None, None),
                                               ("custom", None, "2026-05-01", "2026-04-01")])
def test_bad_periods_are_refused(kind, at, start, end):
    with pytest.raises(ValidationError):
        services.parse_period(kind, at, start, end)


def test_periods():
    q = services.parse_period("quarter", "2026-08-15")
    assert (q.start, q.end, q.label) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert q.previous().start == date(2026, 4, 1) and q.previous().end == date(2026, 6, 30)
    week = services.parse_period("week", "2026-12-03")
    assert week.start == date(2026, 11, 30) and week.previous().start == date(2026, 11, 23)


def test_fulfilment_hours(dataset, make):
    from datetime import timedelta

    from market.orders import services as orders

    vo = dataset["orders"][0].vendor_orders[0]  # o1, confirmed 2026-03-31 17:30 UTC
    member = make.staff(dataset["a1"])
    start = vo.events[0].at  # confirmed when placed (before the test moved created_at)
    orders.transition(vo, "packed", actor=member, now=start + timedelta(hours=2))
    orders.transition(vo, "shipped", actor=member, carrier="GHN", tracking_number="GHN0001",
                      now=start + timedelta(hours=3))
    orders.transition(vo, "delivered", actor=member, now=start + timedelta(hours=50))
    data = services.fulfilment(dak_lak(dataset), APRIL, services.Filters())
    assert data["count"] == 1 and data["median"] == pytest.approx(50, abs=0.01)
    assert [r["parts"] for r in data["rows"]] == [0, 1, 0, 0]  # 1 to 3 days

"""Shipping fee per cooperative parcel: by destination region and weight, from a table that
a province can change in configuration (`SHIPPING_RATES`)."""
from __future__ import annotations

from market.geo import services as geo

# (base fee for the first kg, fee per further started kg), integer VND
DEFAULT_RATES = {
    "same_province": (18_000, 4_000),
    "same_region": (25_000, 6_000),
    "other_region": (35_000, 9_000),
}
DEFAULT_WEIGHT_GRAMS = 1_000  # a product without a recorded weight counts as 1 kg per unit


def zone(origin_province: int, destination_province: int) -> str:
    if origin_province == destination_province:
        return "same_province"
    if geo.region(origin_province) == geo.region(destination_province):
        return "same_region"
    return "other_region"


def fee(origin_province: int, destination_province: int, weight_grams: int,
        rates: dict | None = None) -> int:
    return zone_fee(zone(origin_province, destination_province), weight_grams, rates)


def zone_fee(zone_name: str, weight_grams: int, rates: dict | None = None) -> int:
    base, per_kg = (rates or DEFAULT_RATES)[zone_name]
    extra_kg = max(0, -(-weight_grams // 1000) - 1)  # ceil(kg) beyond the first
    return base + extra_kg * per_kg


HOME_COUNTRY = "VN"


def parcel_fee(origin_province: int, destination_province: int, weight_grams: int,
               rates: dict | None = None, country: str = HOME_COUNTRY) -> int:
    """One parcel's fee: inside Vietnam by region and weight (above), abroad by the
    international zone table (market/intl/zones.py), which raises NotShipped for a country
    in no zone or a parcel above the zone's weight limit."""
    if country == HOME_COUNTRY:
        return fee(origin_province, destination_province, weight_grams, rates)
    from market.intl import zones

    return zones.fee(country, weight_grams)
def max_fee(weight_grams: int, rates: dict | None = None) -> int:
    """The most a parcel of this weight costs to anywhere in Vietnam (feeds must never
    advertise less than checkout charges)."""
    return max(zone_fee(z, weight_grams, rates) for z in (rates or DEFAULT_RATES))

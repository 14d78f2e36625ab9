"""Helpers for the traceability tests: a cooperative with a two-option coffee (one option
with a GTIN), its staff, and the demo's full coffee history on it."""
from __future__ import annotations

from stdnum import ean

from market.trace import demo

GTIN_BODY = "893123456789"  # Vietnam's GS1 prefix 893, an invented company and item
GTIN = GTIN_BODY + ean.calc_check_digit(GTIN_BODY)


def coffee(make, stock=(500, 300)):
    from market.geo import services as geo

    coop = make.cooperative(commune_code=geo.communes(make.DAK_LAK)[0].code,
                            address="Buôn Ea Kmat")
    staff = make.staff(coop)
    product = make.product(coop, variants=[
        {"label_vi": "Gói 250 g", "label_en": "250 g bag", "price": 90_000, "stock": stock[0],
         "gtin": GTIN, "weight_grams": 250},
        {"label_vi": "Gói 500 g", "label_en": "500 g bag", "price": 170_000, "stock": stock[1],
         "weight_grams": 500},
    ])
    return coop, staff, product


def coffee_with_history(make):
    coop, staff, product = coffee(make)
    harvest, packed = demo.coffee_history(product)
    return coop, staff, product, harvest, packed

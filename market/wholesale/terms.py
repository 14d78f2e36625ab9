"""The vocabulary of a request for quotation, as data: the Incoterms 2020 rules (names in
Vietnamese and English), the units a wholesale quantity is asked in, and the countries a
buyer may name as destination (names from Babel's CLDR data, in the page's language)."""
from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from flask_babel import lazy_gettext as _l

from market.i18n import fold, localized


@dataclass(frozen=True)
class Incoterm:
    code: str
    name_en: str
    name_vi: str
    sea_only: bool  # FAS, FOB, CFR, CIF: sea and inland waterway transport only
    place_en: str  # what the named place is under this rule
    place_vi: str

    def name(self, locale: str) -> str:
        return localized(self.name_vi, self.name_en, locale)

    def place(self, locale: str) -> str:
        return localized(self.place_vi, self.place_en, locale)


# Incoterms® 2020 (ICC): the seven rules for any mode of transport, then the four for sea
# and inland waterway. Vietnamese names as Vietnamese trade practice writes them.
INCOTERMS = (
    Incoterm("EXW", "Ex Works", "Giao tại xưởng", False,
             "place of delivery (the seller's premises)", "nơi giao hàng (cơ sở của người bán)"),
    Incoterm("FCA", "Free Carrier", "Giao cho người chuyên chở", False,
             "place of delivery", "nơi giao hàng"),
    Incoterm("CPT", "Carriage Paid To", "Cước phí trả tới", False,
             "place of destination", "nơi đến"),
    Incoterm("CIP", "Carriage and Insurance Paid To", "Cước phí và bảo hiểm trả tới", False,
             "place of destination", "nơi đến"),
    Incoterm("DAP", "Delivered at Place", "Giao tại nơi đến", False,
             "place of destination", "nơi đến"),
    Incoterm("DPU", "Delivered at Place Unloaded", "Giao tại nơi đến đã dỡ xuống", False,
             "place of destination", "nơi đến"),
    Incoterm("DDP", "Delivered Duty Paid", "Giao hàng đã nộp thuế", False,
             "place of destination", "nơi đến"),
    Incoterm("FAS", "Free Alongside Ship", "Giao dọc mạn tàu", True,
             "port of shipment", "cảng bốc hàng"),
    Incoterm("FOB", "Free On Board", "Giao lên tàu", True,
             "port of shipment", "cảng bốc hàng"),
    Incoterm("CFR", "Cost and Freight", "Tiền hàng và cước phí", True,
             "port of destination", "cảng đến"),
    Incoterm("CIF", "Cost, Insurance and Freight", "Tiền hàng, bảo hiểm và cước phí", True,
             "port of destination", "cảng đến"),
)
INCOTERMS_BY_CODE = {term.code: term for term in INCOTERMS}


@dataclass(frozen=True)
class Unit:
    code: str
    label: object  # lazy strings: "tonnes" after a quantity, "tonne" after "per"
    singular: object
    kg: int | None  # kilograms per unit; None for containers (their load depends on the goods)
    max_quantity: int


UNITS = (
    Unit("kg", _l("kg"), _l("kg"), 1, 10_000_000),
    Unit("tonne", _l("tonnes"), _l("tonne"), 1000, 100_000),
    Unit("container_20", _l("20' containers"), _l("20' container"), None, 1000),
    Unit("container_40", _l("40' containers"), _l("40' container"), None, 1000),
)
UNITS_BY_CODE = {unit.code: unit for unit in UNITS}


def unit_label(code: str, quantity: int | None = None) -> str:
    """The unit after a quantity: "2 tonnes", "1 tonne"."""
    unit = UNITS_BY_CODE.get(code)
    if unit is None:
        return code
    return str(unit.singular if quantity == 1 else unit.label)


def per_label(code: str) -> str:
    """The unit after "per" or "/": tonne, 20' container."""
    unit = UNITS_BY_CODE.get(code)
    return str(unit.singular) if unit else code


def to_kg(quantity: int, unit: str) -> int | None:
    """The quantity in kilograms, or None for containers."""
    per = UNITS_BY_CODE[unit].kg
    return quantity * per if per else None


def price_units(rfq_unit: str) -> list[str]:
    """Units a quote may be priced in for an inquiry in `rfq_unit`: by weight for a weight,
    per container for containers."""
    if UNITS_BY_CODE[rfq_unit].kg:
        return ["kg", "tonne"]
    return [rfq_unit]


def total(price_per_unit: int, price_unit: str, quantity: int, quantity_unit: str) -> int | None:
    """Integer VND for `quantity` at the quoted price, when the units convert."""
    if price_unit == quantity_unit:
        return price_per_unit * quantity
    kg_price, kg_qty = UNITS_BY_CODE[price_unit].kg, UNITS_BY_CODE[quantity_unit].kg
    if not kg_price or not kg_qty:
        return None
    return price_per_unit * quantity * kg_qty // kg_price


# CLDR codes that are not countries one ships to (continents, unions, pseudo-regions).
_NOT_COUNTRIES = {"AC", "AQ", "BV", "CP", "CQ", "DG", "EA", "EU", "EZ", "HM", "IC", "QO",
                  "TA", "UN", "XA", "XB", "ZZ"}


def countries(locale: str) -> list[tuple[str, str]]:
    """(ISO 3166 alpha-2 code, name in `locale`), sorted by name."""
    names = Locale.parse(locale).territories
    items = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return sorted(items, key=lambda item: fold(item[1]))


COUNTRY_CODES = frozenset(code for code, _ in countries("en"))


def country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)

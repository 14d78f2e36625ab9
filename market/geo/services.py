"""Province -> commune/ward lookups. Source: PyPI package `vietnam-provinces` (data 2025-10-18),
which ships the General Statistics Office codes after Resolution 202/2025/QH15."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from vietnam_provinces import Province, Ward

from market.errors import ValidationError
from market.i18n import fold, localized

_PREFIXES = ("Thành phố ", "Tỉnh ")


@dataclass(frozen=True)
class Place:
    code: int
    name_vi: str
    name_en: str
    short_name: str
    province_code: int | None = None

    def name(self, locale: str) -> str:
        return localized(self.name_vi, self.name_en, locale)


def _english(name: str, is_city: bool) -> str:
    """The package has Vietnamese names only; English uses the unaccented form."""
    short = name
    for prefix in _PREFIXES:
        short = short.removeprefix(prefix)
    words = " ".join(w.capitalize() for w in fold(short).split())
    return f"{words} City" if is_city else f"{words} Province"


@lru_cache(maxsize=1)
def _provinces() -> dict[int, Place]:
    out = {}
    for p in Province.iter_all():
        is_city = p.name.startswith("Thành phố")
        short = p.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
        out[int(p.code)] = Place(int(p.code), p.name, _english(p.name, is_city), short)
    return out


_WARD_TYPES = (("Xã ", "Commune"), ("Phường ", "Ward"), ("Đặc khu ", "Special Zone"))


def _ward_english(name: str) -> str:
    """"Xã Krông Pắc" -> "Krông Pắc Commune": the type word in English, the proper name
    with its diacritics (half-converted forms such as "Xa Krong Pac" are neither language)."""
    for prefix, english in _WARD_TYPES:
        if name.startswith(prefix):
            # every syllable of a proper name is capitalised (the package has "Đắk song")
            proper = " ".join(w[:1].upper() + w[1:] for w in name.removeprefix(prefix).split())
            return f"{proper} {english}"
    return name


@lru_cache(maxsize=1)
def _wards() -> dict[int, Place]:
    out = {}
    for w in Ward.iter_all():
        out[int(w.code)] = Place(int(w.code), w.name, _ward_english(w.name), w.name,
                                 int(w.province_code))
    return out


def provinces() -> list[Place]:
    return sorted(_provinces().values(), key=lambda p: fold(p.short_name))


def province(code) -> Place | None:
    try:
        return _provinces().get(int(code))
    except (TypeError, ValueError):
        return None


def communes(province_code: int) -> list[Place]:
    return sorted(
        (w for w in _wards().values() if w.province_code == int(province_code)),
        key=lambda w: fold(w.name_vi),
    )


def commune(code) -> Place | None:
    try:
        return _wards().get(int(code))
    except (TypeError, ValueError):
        return None


def find_province(name: str) -> Place | None:
    """Match a Vietnamese province name with or without diacritics or prefix."""
    wanted = fold(name).removeprefix("thanh pho ").removeprefix("tinh ").strip()
    for p in _provinces().values():
        if fold(p.short_name) == wanted:
            return p
    return None


def validate_address(province_code, commune_code=None, *, field_prefix: str = "") -> tuple:
    """Return (province, commune) or raise ValidationError naming the bad field."""
    prov = province(province_code)
    if prov is None:
        raise ValidationError(
            {f"{field_prefix}province_code": _l("Unknown province: %(code)s", code=province_code)}
        )
    if commune_code in (None, ""):
        return prov, None
    ward = commune(commune_code)
    if ward is None or ward.province_code != prov.code:
        raise ValidationError(
            {f"{field_prefix}commune_code": _l(
                "Commune/ward %(code)s is not in %(province)s",
                code=commune_code, province=prov.name_vi,
            )}
        )
    return prov, ward


def region(province_code: int) -> str:
    """north / central / south by the General Statistics Office's province code ranges
    (01-37 north, 38-68 central coast and Central Highlands, 70-96 south); shipping uses it."""
    code = int(province_code)
    return "north" if code <= 37 else "central" if code <= 68 else "south"

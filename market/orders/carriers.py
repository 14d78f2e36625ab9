"""The carriers a cooperative hands its parcels to, each with its public tracking page.

A vendor order stores the carrier's code (`ghn`, `vnpost`, ...). Orders shipped before this
list existed hold whatever was typed ("GHTK", "Bưu điện"): `display_name` shows that text as
it is and `tracking_url` gives no link for it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from market.errors import ValidationError


@dataclass(frozen=True)
class Carrier:
    code: str
    name: object  # a str, or a lazy string for "Other"
    url_template: str | None  # {number} is replaced by the URL-quoted tracking number

    def tracking_url(self, number: str) -> str | None:
        if not self.url_template or not number:
            return None
        return self.url_template.format(number=quote(number, safe=""))


OTHER = "other"
CARRIERS: dict[str, Carrier] = {c.code: c for c in (
    Carrier("ghn", "Giao Hàng Nhanh", "https://donhang.ghn.vn/?order_code={number}"),
    Carrier("ghtk", "Giao Hàng Tiết Kiệm", "https://i.ghtk.vn/{number}"),
    Carrier("viettelpost", "Viettel Post",
            "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?order_number={number}"),
    Carrier("vnpost", "VNPost", "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key={number}"),
    Carrier("jt", "J&T Express", "https://jtexpress.vn/vi/tracking?type=track&billcode={number}"),
    Carrier("ninjavan", "Ninja Van", "https://www.ninjavan.co/vi-vn/tracking?id={number}"),
    Carrier(OTHER, _l("Other carrier"), None),
)}

# Carriers' numbers are letters and digits, sometimes with hyphens (UPU: EB123456789VN).
TRACKING_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")


def choices() -> list[tuple[str, object]]:
    return [(c.code, c.name) for c in CARRIERS.values()]


def get(code: str | None) -> Carrier | None:
    return CARRIERS.get((code or "").strip().lower())


def display_name(stored: str | None) -> str:
    """The carrier's name for a stored value: a code from the list, or older free text."""
    carrier = get(stored)
    return str(carrier.name) if carrier else (stored or "")


def tracking_url(stored: str | None, number: str | None) -> str | None:
    carrier = get(stored)
    return carrier.tracking_url(number or "") if carrier else None


def clean_shipment(carrier_code, tracking_number) -> tuple[str, str]:
    """(carrier code, tracking number) from the "mark shipped" form, or a ValidationError
    naming each bad field. Numbers are kept upper-case, without spaces."""
    errors = {}
    code = (carrier_code or "").strip().lower() if isinstance(carrier_code, str) else ""
    if code not in CARRIERS:
        errors["carrier"] = _l("Choose the carrier from the list.")
    number = re.sub(r"\s+", "", tracking_number).upper() if isinstance(
        tracking_number, str) else ""
    if not number:
        errors["tracking_number"] = _l("Enter the tracking number.")
    elif not TRACKING_NUMBER.match(number):
        errors["tracking_number"] = _l(
            "A tracking number has 4 to 40 letters, digits or hyphens.")
    if errors:
        raise ValidationError(errors)
    return code, number

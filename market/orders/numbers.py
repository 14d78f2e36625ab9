"""Order numbers people can read aloud and type back: ``HTX-7K3Q-9M2P``.

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), so a
number read over the phone or copied from a parcel label comes back right; typed input is
accepted in any case, with or without hyphens and spaces. A cooperative's part of an order
carries the order's number with a suffix: ``HTX-7K3Q-9M2P-2``."""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
PREFIX = "HTX"
CODE_LENGTH = 8
_PATTERN = re.compile(rf"^(?:{PREFIX})?([{ALPHABET}]{{{CODE_LENGTH}}})(?:-?(\d{{1,3}}))?$")


def new_number() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{PREFIX}-{code[:4]}-{code[4:]}"


def part_number(order_number: str, index: int) -> str:
    """The number of the order's `index`-th cooperative part (1-based)."""
    return f"{order_number}-{index}"


def compact(order_number: str) -> str:
    """The number as a bank transfer message keeps it: letters and digits only."""
    return order_number.replace("-", "")


def parse(text: str | None) -> tuple[str, int | None] | None:
    """(order number, part index or None) from what someone typed, or None when it cannot
    be an order number. ``htx 7k3q 9m2p-2`` -> ("HTX-7K3Q-9M2P", 2)."""
    if not text:
        return None
    cleaned = re.sub(r"[\s._–—-]", "", text.strip().upper()[:40])
    # Once separators are gone, a part suffix is whatever digits follow the eight-character
    # code (the code's length is fixed, so this is unambiguous).
    match = _PATTERN.match(cleaned)
    if not match:
        return None
    code, part = match.groups()
    number = f"{PREFIX}-{code[:4]}-{code[4:]}"
    return number, int(part) if part else None

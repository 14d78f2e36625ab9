"""Words the buyer types that are not plain text: sizes ("500g", "0,5 kg") and OCOP stars
("4 sao", "ocop 5 sao", "4 stars", "4-star").

Both sides are normalised to one token so every engine matches them as ordinary words:
- `rewrite_query(query)` turns a size into its canonical token ("0,5 kg" -> "500g",
  "1 lít" -> "1000ml") and a star phrase into "ocopNsao";
- `derived_terms(document)` gives the tokens a document adds to its text: the canonical size
  of every size written in ANY of its text fields (names, descriptions, and whatever text the
  indexer adds later, such as variant labels), "ocop" for a product with a verified OCOP
  certificate, and "ocop1sao" .. "ocopNsao" for N stars.

"N sao" therefore means AT LEAST N verified stars (like the stars filter, Filters.stars): a
buyer asking for "4 sao" is glad of a 5-star product too. "ocop" alone finds every product
with a verified certificate. Canonical units: grams (g, gr, gam, gram, kg, kí, ký), millilitres
(ml, l, lít, lit, litre, liter) and centimetres (cm, m). In a number, "." or "," followed by
exactly three digits groups thousands ("1.500 m"), otherwise it is the decimal mark ("0,5").
"""
from __future__ import annotations

import re

from market.search.backend import normalise

UNITS = {  # unit as written -> (canonical unit, factor)
    "kg": ("g", 1000), "kí": ("g", 1000), "ký": ("g", 1000), "ki": ("g", 1000),
    "gram": ("g", 1), "grams": ("g", 1), "gam": ("g", 1), "gr": ("g", 1), "g": ("g", 1),
    "lít": ("ml", 1000), "lit": ("ml", 1000), "litre": ("ml", 1000), "liter": ("ml", 1000),
    "ml": ("ml", 1), "l": ("ml", 1000),
    "cm": ("cm", 1), "m": ("cm", 100),
}
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
SIZE = re.compile(rf"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*({_UNIT})(?!\w)", re.IGNORECASE)
STARS = re.compile(r"(?<![\w.,])([1-5])\s*-?\s*(?:sao|stars?|★|\*)(?!\w)", re.IGNORECASE)


def _number(text: str) -> float:
    whole, sep, rest = re.split(r"([.,])", text, maxsplit=1) if re.search(r"[.,]", text) \
        else (text, "", "")
    if not sep:
        return float(whole)
    if len(rest) == 3:  # thousands grouping: 1.500 / 1,500
        return float(whole + rest)
    return float(f"{whole}.{rest}")


def size_token(number: str, unit: str) -> str | None:
    canonical, factor = UNITS[unit.lower()]
    value = _number(number) * factor
    if value <= 0:
        return None
    return f"{round(value):d}{canonical}"


def size_terms(text: str) -> list[str]:
    """Canonical tokens of the sizes written in `text` ("Gói 500 g" -> ["500g"])."""
    out = []
    for m in SIZE.finditer(normalise(text)):
        token = size_token(m.group(1), m.group(2))
        if token and token not in out:
            out.append(token)
    return out


def star_terms(stars: int | None) -> list[str]:
    if not stars:
        return []
    return ["ocop"] + [f"ocop{n}sao" for n in range(1, min(int(stars), 5) + 1)]


def derived_terms(document: dict) -> list[str]:
    """Size tokens from every text field of the document, then its OCOP tokens."""
    out: list[str] = []
    for key, value in document.items():
        if key.endswith("slug"):
            continue
        texts = value if isinstance(value, (list, tuple)) else [value]
        for text in texts:
            if isinstance(text, str):
                out += [t for t in size_terms(text) if t not in out]
    return out + star_terms(document.get("ocop_stars"))


def rewrite_query(query: str) -> str:
    """The query with sizes and star phrases as the tokens `derived_terms` indexes."""
    text = normalise(query)
    text = STARS.sub(lambda m: f" ocop{m.group(1)}sao ", text)

    def size(m):
        token = size_token(m.group(1), m.group(2))
        return f" {token} " if token else m.group(0)
    return " ".join(SIZE.sub(size, text).split())

"""The demo's English text (issue 12): whatever the demo writes in English is English, with
every field it claims, and no half-converted Vietnamese such as "Xa Krong Pac" or "ca phe".

The fragments looked for are the demo's own Vietnamese words stripped of their diacritics
(e.g. "phê" -> "phe", "Xã" -> "xa"), less the few that are English words too. Provinces keep
their established English names without diacritics ("Dak Lak Province", as the provinces'
own English pages write them); every other Vietnamese name in English text keeps its
diacritics ("Krông Pắc Commune", "Ea Kmat")."""
from __future__ import annotations

import re

import pytest

from market.catalog.models import Category, Product
from market.demo.seed import seed
from market.extensions import db
from market.geo import services as geo
from market.i18n import fold
from market.vendors.models import Cooperative
from tests.conftest import rolled_back_session

# Unaccented forms that are English words (or the product names' loanwords) as well
ENGLISH_TOO = {"a", "an", "ban", "bay", "do", "hay", "la", "long", "me", "no", "nut", "o",
               "son", "tan", "to", "tea", "y", "ba", "bo", "hat", "mat", "say", "ha", "lo",
               "sa", "ca", "can", "cat", "con", "dan", "den", "hon", "in", "bun", "on", "so",
               "ten", "tin", "van", "dot", "got", "hot", "lot", "not", "pot", "rot"}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _fragments(vietnamese_texts) -> set[str]:
    """Unaccented forms of the accented words, unless Vietnamese writes them so too ("Song"
    in "Đắk Song")."""
    out, plain = set(), set()
    for text in vietnamese_texts:
        for word in WORD.findall(text or ""):
            folded = fold(word)
            if folded != word.lower():
                out.add(folded)
            else:
                plain.add(folded)
    return out - plain - ENGLISH_TOO


def _province_words() -> set[str]:
    return {w.lower() for p in geo.provinces() for w in WORD.findall(p.name_en)}


@pytest.fixture(scope="module")
def demo(app, tmp_path_factory):
    """The demo seeded once for the module (in its own rolled-back transaction), read into
    plain data."""
    with app.test_request_context(), rolled_back_session():
        seed(str(tmp_path_factory.mktemp("demo-media")))
        return _texts()


def _texts() -> dict:
    products, coops, english, vietnamese = [], [], [], []
    for p in db.session.scalars(db.select(Product)):
        texts = {t.locale: t for t in p.translations}
        vietnamese += [texts["vi"].name, texts["vi"].description]
        if "en" in texts:
            english += [(f"product {p.slug} name", texts["en"].name),
                        (f"product {p.slug} description", texts["en"].description)]
        english += [(f"image of {p.slug}", i.alt_en) for i in p.images]
        products.append({"slug": p.slug, "en": "en" in texts,
                         "description_en": texts["en"].description if "en" in texts else None,
                         "alts_en": [i.alt_en for i in p.images]})
    for c in db.session.scalars(db.select(Cooperative)):
        vietnamese += [c.name, c.sector, c.story_vi, c.address]
        english.append((f"story of {c.slug}", c.story_en))
        commune = geo.commune(c.commune_code)
        if commune:
            vietnamese.append(commune.name_vi)
            english.append((f"commune of {c.slug}", commune.name_en))
        coops.append({"slug": c.slug, "story_en": c.story_en, "story_vi": c.story_vi,
                      "sector": c.sector})
    for cat in db.session.scalars(db.select(Category)):
        vietnamese.append(cat.name_vi)
        english.append((f"category {cat.slug}", cat.name_en))
    return {"products": products, "coops": coops, "english": english, "vietnamese": vietnamese}


def test_no_unaccented_vietnamese_in_the_demo_english(demo):
    fragments = _fragments(demo["vietnamese"]) - _province_words()
    assert {"phe", "xa", "krong", "pac", "rieng"} <= fragments  # what "ca phe", "Xa Krong Pac" hold
    found = []
    for where, text in demo["english"]:
        words = {w.lower() for w in WORD.findall(text or "") if w == fold(w) or w.isascii()}
        bad = sorted(words & fragments)
        if bad:
            found.append(f"{where}: {text!r} has {bad}")
    assert not found, "\n".join(found[:20])


def test_the_demo_english_is_complete_where_it_claims_english(demo):
    missing = []
    for p in demo["products"]:
        if p["en"]:  # an English name claims the English description and image text
            if not p["description_en"].strip():
                missing.append(f"{p['slug']}: English description")
            missing += [f"{p['slug']}: image alt_en" for alt in p["alts_en"] if not alt.strip()]
    for c in demo["coops"]:
        if c["story_en"] and c["sector"] and c["sector"] not in c["story_vi"]:
            missing.append(f"{c['slug']}: Vietnamese story without its sector")
    assert not missing, missing[:20]
    # some products and cooperatives have no English on purpose: pages must fall back
    assert any(not p["en"] for p in demo["products"])
    assert any(not c["story_en"] for c in demo["coops"])


def test_communes_are_named_in_both_languages():
    ward = next(w for w in geo.communes(66) if w.name_vi.startswith("Xã "))
    assert ward.name_en.endswith(" Commune") and not ward.name_en.startswith("Xa ")
    assert ward.name_en.removesuffix(" Commune") == ward.name_vi.removeprefix("Xã ")
    assert geo._ward_english("Xã Đắk song") == "Đắk Song Commune"
    ward = next(w for w in geo.communes(66) if w.name_vi.startswith("Phường "))
    assert ward.name_en == " ".join(ward.name_vi.removeprefix("Phường ").split()) + " Ward"

"""Every UI string has a Vietnamese and an English translation, and the catalogs are current."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalog(locale):
    with open(ROOT / f"translations/{locale}/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def _untranslated(catalog):
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            out.append(message.id)
    return out


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_message_is_translated(locale):
    assert _untranslated(_catalog(locale)) == []


def test_catalogs_hold_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True,
    )
    with open(pot, "rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    for locale in ("vi", "en"):
        known = {m.id for m in _catalog(locale) if m.id}
        assert sorted(map(str, extracted - known)) == [], f"run `make i18n-update` ({locale})"


def test_vietnamese_differs_from_the_english_source():
    # A catalog copied from English would pass the checks above while translating nothing.
    catalog = _catalog("vi")
    same = [m.id for m in catalog if m.id and m.string == m.id and len(str(m.id)) > 12]
    assert len(same) <= 3, same

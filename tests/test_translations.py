"""Every UI string is translated in every catalog under translations/ (vi and en, and each
interface language added beside them), keeps its placeholders, and the catalogs are current."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(p.parent.parent.name for p in ROOT.glob("translations/*/LC_MESSAGES/messages.po"))
# %(name)s, %s and {name}: a translation that drops or renames one breaks the page at runtime.
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}")


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


@pytest.mark.parametrize("locale", CATALOGS)
def test_every_message_is_translated(locale):
    assert _untranslated(_catalog(locale)) == []


@pytest.mark.parametrize("locale", CATALOGS)
def test_translations_keep_their_placeholders(locale):
    broken = []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        found = [set(PLACEHOLDER.findall(s)) for s in strings if s]
        if len(ids) == 1:
            ok = all(f == allowed for f in found)
        else:  # plural forms: each within the msgids' set, the plural's ones all present
            needed = set(PLACEHOLDER.findall(ids[-1]))
            ok = all(f <= allowed for f in found) and needed <= set().union(*found, set())
        if not ok:
            broken.append(ids[0])
    assert broken == []


def test_the_catalogs_are_the_known_languages():
    assert {"vi", "en"} <= set(CATALOGS)


def test_catalogs_hold_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True,
    )
    with open(pot, "rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    for locale in CATALOGS:
        known = {m.id for m in _catalog(locale) if m.id}
        assert sorted(map(str, extracted - known)) == [], f"run `make i18n-update` ({locale})"


@pytest.mark.parametrize("locale", [c for c in CATALOGS if c != "en"])
def test_translations_differ_from_the_english_source(locale):
    # A catalog copied from English would pass the checks above while translating nothing.
    catalog = _catalog(locale)
    same = [m.id for m in catalog if m.id and m.string == m.id and len(str(m.id)) > 12]
    assert len(same) <= 3, same

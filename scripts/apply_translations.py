"""Fill missing translations from Python files defining a dict {msgid: msgstr}.

Usage: python scripts/apply_translations.py [--locale LL] FILE.py [FILE.py ...]
The locale defaults to vi; each file defines `VI` (Vietnamese) or `T` (any locale). For a
plural message the key is its singular msgid and the value a string (one form, as zh, ko
and ja have) or a tuple of forms. Existing translations are kept unless a file gives a new
one. Lists what is still missing.
"""
import argparse
import runpy

from babel.messages.pofile import read_po, write_po


def _forms(message, value):
    if not isinstance(message.id, tuple):
        return value
    forms = value if isinstance(value, tuple | list) else (value,)
    return tuple(forms)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="vi")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    table = {}
    for path in args.files:
        found = runpy.run_path(path)
        table.update(found.get("T") or found.get("VI") or {})
    po = f"translations/{args.locale}/LC_MESSAGES/messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=args.locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in table:
            message.string = _forms(message, table[key])
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with open(po, "wb") as fh:
        write_po(fh, catalog, width=76)
    for key in missing:
        print("missing:", key)


if __name__ == "__main__":
    main()

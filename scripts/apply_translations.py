"""Fill missing Vietnamese translations from a Python file defining a dict `VI` {msgid: msgstr}.

Usage: python scripts/apply_translations.py FILE.py [FILE.py ...]
Existing translations are kept unless the file gives a new one. Lists what is still missing.
"""
import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "translations/vi/LC_MESSAGES/messages.po"


def main(paths):
    table = {}
    for path in paths:
        table.update(runpy.run_path(path)["VI"])
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="vi")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in table:
            message.string = table[key]
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=76)
    for key in missing:
        print("missing:", key)


if __name__ == "__main__":
    main(sys.argv[1:])

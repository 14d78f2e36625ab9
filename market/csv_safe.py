"""CSV that a spreadsheet opens as data, never as formulas (OWASP "CSV injection"). Every CSV
the site writes goes through `writer`: a text cell that starts with = + - @, a tab, a carriage
return or a newline (after any spaces) is prefixed with a single quote. Numbers stay numbers,
whether given as int/Decimal or as text like "-1200.5". `unescape` undoes `escape` exactly, so
an exported file imports back unchanged (a value that really starts with quotes before such a
character gets one more quote, which `unescape` removes again)."""
from __future__ import annotations

import csv
import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


def _dangerous(text: str) -> bool:
    core = text.lstrip("'")
    return core.lstrip(" ")[:1] in _TRIGGERS and not _NUMBER.match(core)


def escape(value):
    """The cell as written: text that a spreadsheet would evaluate gets a leading quote."""
    if isinstance(value, str) and value and _dangerous(value):
        return "'" + value
    return value


def unescape(value):
    """The exact inverse of `escape`, for importers reading a file we exported."""
    if isinstance(value, str) and value.startswith("'") and _dangerous(value):
        return value[1:]
    return value


class writer:  # a drop-in for csv.writer, hence the name
    """csv.writer whose rows are escaped cell by cell."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([escape(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

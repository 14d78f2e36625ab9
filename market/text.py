"""Cleaning free text that people type (names, addresses, notes) before it is stored or shown
to someone else: Unicode NFC, no invisible or direction-overriding characters, no control
characters, bounded length. A name made only of such characters is empty after cleaning."""
from __future__ import annotations

import re
import unicodedata

# Bidi embeddings/overrides/isolates (they reorder text shown to someone else) and the
# zero-width characters that make two names look identical.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u034f\u061c\u180e]"
)


def clean_line(value, max_length: int) -> str:
    """One line of text: whitespace runs folded to one space, invisible and control
    characters removed, NFC, then cut to `max_length` characters (callers that must refuse
    long input compare lengths first with `too_long`)."""
    text = _strip(value)
    text = " ".join(text.split())
    return text[:max_length]


def clean_block(value, max_length: int) -> str:
    """Several lines (a message, a description): keeps newlines, folds other whitespace."""
    text = _strip(value, keep_newlines=True)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()[:max_length]


def too_long(value, max_length: int) -> bool:
    return len(_strip(value, keep_newlines=True).strip()) > max_length


def _strip(value, keep_newlines: bool = False) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text
        if (keep_newlines and ch == "\n") or ch == " " or ch == "\t"
        or unicodedata.category(ch)[0] != "C"
    )

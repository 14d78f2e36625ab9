"""The tamper-evident chain: each event's hash is SHA-256 over the canonical JSON of its
content and the previous event's hash (sorted keys, no spaces, UTF-8, times as ISO 8601
UTC to the second). Changing any stored field of any event, or removing the last one,
breaks the chain where it happened."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

HASHED_FIELDS = ("seq", "kind", "occurred_at", "place", "place_code", "actor", "step",
                 "details", "notes_vi", "notes_en", "photos", "recorded_at", "prev_hash")


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(event, lot_code: str) -> bytes:
    content = {"lot": lot_code}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name in ("occurred_at", "recorded_at"):
            value = _iso(value)
        elif name in ("details", "photos"):
            value = json.loads(value or ("{}" if name == "details" else "[]"))
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def digest(event, lot_code: str) -> str:
    return hashlib.sha256(canonical(event, lot_code)).hexdigest()


@dataclass
class Verdict:
    ok: bool
    broken: set  # seq numbers of events whose stored content no longer matches
    tail_missing: bool  # the lot's head hash names an event that is gone


def verify(lot) -> Verdict:
    broken: set = set()
    previous = ""
    for event in lot.events:
        if event.prev_hash != previous or digest(event, lot.code) != event.hash:
            broken.add(event.seq)
        previous = event.hash
    tail_missing = bool(lot.head_hash) and lot.head_hash != previous
    return Verdict(not broken and not tail_missing, broken, tail_missing)

"""The hash chain: it verifies, and any field of any stored event changed afterwards (or a
removed last event) is detected and shown on the public page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.trace import chain, services
from market.trace.models import LotEvent
from tests.trace.util import coffee_with_history


def test_chain_verifies_and_every_altered_field_is_detected(make):
    _coop, _staff, _product, harvest, packed = coffee_with_history(make)
    assert len(harvest.events) >= 9
    assert chain.verify(harvest).ok and all(chain.verify(lot).ok for lot in packed)
    # Each event points at its predecessor's hash.
    for before, after in zip(harvest.events, harvest.events[1:], strict=False):
        assert after.prev_hash == before.hash
    changes = {"notes_vi": "Không phun thuốc.", "place": "Nơi khác", "actor": "Ai đó",
               "details": '{"input_name": "Nước lã"}', "step": "roasting",
               "occurred_at": harvest.events[2].occurred_at.replace(year=2001),
               "hash": "0" * 64}
    target = harvest.events[2]
    for column, value in changes.items():
        original = getattr(target, column)
        db.session.execute(sa.update(LotEvent).where(LotEvent.id == target.id)
                           .values({column: value}))
        db.session.expire_all()
        verdict = chain.verify(harvest)
        assert not verdict.ok, column
        # A changed field breaks that event; a changed hash also the next one's link.
        expected = {target.seq, target.seq + 1} if column == "hash" else {target.seq}
        assert verdict.broken == expected, column
        db.session.execute(sa.update(LotEvent).where(LotEvent.id == target.id)
                           .values({column: original}))
        db.session.expire_all()
        assert chain.verify(harvest).ok, column


def test_a_removed_last_event_is_detected(make):
    *_rest, harvest, _packed = coffee_with_history(make)
    last = harvest.events[-1]
    db.session.execute(sa.delete(LotEvent).where(LotEvent.id == last.id))
    db.session.expire_all()
    verdict = chain.verify(harvest)
    assert not verdict.ok and verdict.tail_missing and not verdict.broken


def test_the_public_page_says_plainly_when_a_record_was_altered(client, make):
    *_rest, harvest, packed = coffee_with_history(make)
    db.session.commit()
    page = client.get(f"/vi/trace/{packed[0].code}").get_data(as_text=True)
    assert 'class="trace-ok"' in page and 'role="alert"' not in page
    db.session.execute(sa.update(LotEvent).where(LotEvent.lot_id == harvest.id,
                                                 LotEvent.seq == 2)
                       .values(notes_vi="Không phun thuốc trong suốt vụ."))
    db.session.commit()
    for lang, words in (("vi", "đã bị sửa"), ("en", "was altered after it was written")):
        page = client.get(f"/{lang}/trace/{packed[0].code}").get_data(as_text=True)
        assert words in page, lang
        assert f'id="event-{harvest.code}-2"' in page
        assert page.count(" altered\"") == 1


def test_corrections_are_new_events_and_nothing_is_edited(make):
    _coop, staff, _product, harvest, _packed = coffee_with_history(make)
    count = len(harvest.events)
    before = [(e.seq, e.hash) for e in harvest.events]
    event = services.record_event(staff, harvest.code, {
        "kind": "correction", "occurred_on": "2025-11-07", "corrects": "5",
        "notes_vi": "Ngày phơi đúng là 07/11.", "notes_en": "Drying started on 7 November."})
    assert event.seq == count + 1 and event.prev_hash == before[-1][1]
    assert [(e.seq, e.hash) for e in harvest.events[:count]] == before
    assert chain.verify(harvest).ok
    with pytest.raises(services.ValidationError):
        services.record_event(staff, harvest.code, {"kind": "correction",
                                                    "occurred_on": "2025-11-07",
                                                    "corrects": "99", "notes_vi": "x"})

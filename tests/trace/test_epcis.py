"""The EPCIS 2.0 JSON-LD export validates against GS1's EPCIS JSON schema (shipped in
tests/trace/epcis/ with its licence; see its README for the two renames applied)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from market.dbtypes import utcnow
from market.extensions import db
from market.trace import export, services
from tests.trace.util import coffee_with_history

SCHEMA_FILE = Path(__file__).parent / "epcis" / "EPCIS-JSON-Schema.json"


def _published(node):
    """The development schema's `isA` is the published standard's `type`, and its numeric
    schemaVersion the string "2.0" (tests/trace/epcis/README.md)."""
    if isinstance(node, dict):
        out = {("type" if key == "isA" else key): _published(value) for key, value in node.items()}
        if out.get("required"):
            out["required"] = ["type" if r == "isA" else r for r in out["required"]]
        return out
    if isinstance(node, list):
        return [_published(item) for item in node]
    return node


@pytest.fixture(scope="module")
def validator():
    schema = _published(json.loads(SCHEMA_FILE.read_text()))
    schema["definitions"]["epcisDocument"]["properties"]["schemaVersion"] = {
        "type": "string", "const": "2.0"}
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_the_export_of_a_packed_lot_validates(client, make, validator):
    *_rest, harvest, packed = coffee_with_history(make)
    db.session.commit()
    document = client.get(f"/trace/{packed[0].code}/epcis.jsonld")
    assert document.mimetype == "application/ld+json"
    body = document.get_json()
    errors = sorted(validator.iter_errors(body), key=lambda e: e.path)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    events = body["epcisBody"]["eventList"]
    types = {e["type"] for e in events}
    assert types == {"ObjectEvent", "TransformationEvent"}
    steps = [e["bizStep"] for e in events]
    assert {"commissioning", "packing", "repackaging", "inspecting", "shipping"} <= set(steps)
    split = next(e for e in events if e["type"] == "TransformationEvent")
    assert split["inputQuantityList"][0]["uom"] == "KGM"
    assert {q["epcClass"].rsplit("/", 1)[-1] for q in split["outputQuantityList"]} == {
        lot.code for lot in packed}
    # The hash chain travels with each event.
    assert [e["htx:sha256"] for e in events if e["htx:kind"] == "harvest"] == [
        next(ev.hash for ev in harvest.events if ev.kind == "harvest")]


def test_a_broken_export_fails_the_schema(make, validator):
    *_rest, packed = coffee_with_history(make)
    document = export.epcis_document(services.trace_page(packed[0]), utcnow())
    assert validator.is_valid(document)
    event = document["epcisBody"]["eventList"][0]
    del event["eventTimeZoneOffset"]
    assert not validator.is_valid(document)

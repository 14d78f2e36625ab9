"""Circular 02/2024/TT-BKHCN: every demo lot carries each required field on its trace page
and in the national export, and `flask trace export-national` writes that shape."""
from __future__ import annotations

import json

from flask import current_app

from market.extensions import db
from market.trace import demo, export, services
from tests.trace.util import coffee


def _demo_lots(make):
    """The demo's coffee and pepper histories, on a fresh cooperative's products."""
    coop, _staff, coffee_product = coffee(make)
    pepper = make.product(coop, name_vi="Hồ tiêu đen", name_en="Black pepper", price=120_000)
    for product in (coffee_product, pepper):
        make.illustrate(product, current_app.config["MEDIA_DIR"])
    lots = []
    for product, build in ((coffee_product, demo.coffee_history), (pepper, demo.pepper_history)):
        harvest, packed = build(product)
        lots += [harvest, *packed]
    return lots


def test_every_demo_lot_carries_the_circular_02_fields(client, make):
    lots = _demo_lots(make)
    db.session.commit()
    assert len(lots) == 5
    for lot in lots:
        record = export.national_record(services.trace_page(lot))
        assert export.missing_fields(record) == [], lot.code
        stages = record["stages"]
        assert all(s["product_trace_code"] and s["time"] for s in stages), lot.code
        assert any(s["location_code"] for s in stages), lot.code
        page = client.get(f"/vi/trace/{lot.code}").get_data(as_text=True)
        for key in ("product_name", "producer_name", "trace_code", "standards"):
            assert str(record[key]).split(";")[0].strip() in page, (lot.code, key)
        assert record["images"][0].rsplit("/", 1)[-1] in page


def test_export_national_command(app, make, tmp_path):
    lots = _demo_lots(make)
    db.session.commit()
    out = tmp_path / "national.json"
    result = app.test_cli_runner().invoke(args=["trace", "export-national", lots[1].code,
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["fields"] == [key for key, _ in export.CIRCULAR_02_FIELDS]
    (record,) = document["records"]
    assert record["trace_code"] == lots[1].code and record["gs1"]["gtin"].endswith(
        lots[1].variant.gtin)
    assert "missing" not in result.output

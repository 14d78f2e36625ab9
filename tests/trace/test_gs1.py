"""GS1 Digital Link: a wrong GTIN check digit is refused; people get the trace page, machines
the linkset; QR codes decode to the lot's URL."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from market.catalog import services as catalog
from market.errors import ValidationError
from market.extensions import db
from tests.trace.util import GTIN, coffee_with_history


@pytest.fixture
def lot(make):
    *_rest, packed = coffee_with_history(make)
    db.session.commit()
    return packed[0]  # the 250 g bags, whose option has the GTIN


def test_a_wrong_check_digit_is_refused(client, lot):
    wrong = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
    for gtin in (wrong, "0" + wrong, "12345"):
        response = client.get(f"/01/{gtin}/10/{lot.code}")
        assert response.status_code == 400, gtin
        assert "GTIN" in response.get_data(as_text=True)
    with pytest.raises(ValidationError):  # the catalogue refuses it on a variant too
        catalog.update_product(lot.product, {"variants": [
            {"variant_id": lot.variant_id, "gtin": wrong}]})


def test_people_get_the_page_and_machines_the_linkset(client, lot):
    for gtin in (GTIN, "0" + GTIN):  # GTIN-13 or its GTIN-14 form
        response = client.get(f"/01/{gtin}/10/{lot.code}", headers={"Accept": "text/html",
                                                                     "Accept-Language": "en"})
        assert response.status_code == 307
        assert response.headers["Location"].endswith(f"/en/trace/{lot.code}")
        assert "Accept" in response.headers["Vary"]
    for accept in ("application/linkset+json", "application/ld+json"):
        response = client.get(f"/01/0{GTIN}/10/{lot.code}", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
        links = response.get_json()["linkset"][0]
        assert links["anchor"].endswith(f"/01/0{GTIN}/10/{lot.code}")
        hrefs = [link["href"] for link in links["https://gs1.org/voc/traceability"]]
        assert any(h.endswith(f"/vi/trace/{lot.code}") for h in hrefs)
        assert any(h.endswith(f"/en/trace/{lot.code}") for h in hrefs)
    assert client.get(f"/01/{GTIN}/10/NO-SUCH-LOT").status_code == 404


def test_qr_codes_decode_to_the_lots_url(client, make):
    *_rest, packed = coffee_with_history(make)
    db.session.commit()
    with_gtin, without = packed
    png = client.get(f"/trace/{with_gtin.code}/qr.png")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert decoded[0].text.endswith(f"/01/0{GTIN}/10/{with_gtin.code}")
    # An option without a GTIN: the code holds the trace page's own address.
    png = client.get(f"/trace/{without.code}/qr.png")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert decoded[0].text.endswith(f"/vi/trace/{without.code}")
    svg = client.get(f"/trace/{with_gtin.code}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data

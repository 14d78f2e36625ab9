"""What customs and the zone table need from the cooperative: its opt-in to ship abroad
(profile page) and each product's HS code and country of origin (product form)."""
import pytest

from market.catalog import services as catalog
from market.errors import ValidationError
from tests.conftest import login

PROFILE = {"story_vi": "Chuyện", "member_count": "30", "story_en": "", "address": "",
           "sector": "", "contact_email": "", "contact_phone": ""}


def test_owner_opts_in_and_out_of_shipping_abroad(client, make):
    owner = make.staff(is_owner=True)
    login(client, owner)
    assert 'name="ships_abroad"' in client.get("/vi/vendor/profile").get_data(as_text=True)
    assert client.post("/vi/vendor/profile", data={**PROFILE, "ships_abroad": "y"}
                       ).status_code == 302
    assert owner.cooperative.ships_abroad is True
    client.post("/vi/vendor/profile", data=PROFILE)  # the box left unticked
    assert owner.cooperative.ships_abroad is False


def test_hs_code_and_origin_are_checked_and_kept(make):
    product = make.product(hs_code="0901.11", origin_country="vn")
    assert (product.hs_code, product.origin_country) == ("090111", "VN")
    with pytest.raises(ValidationError) as refused:
        make.product(hs_code="09-01", origin_country="Vietnam")
    assert set(refused.value.errors) >= {"hs_code", "origin_country"}
    catalog.update_product(product, {"hs_code": "0901 21 00", "origin_country": "LA"})
    assert (product.hs_code, product.origin_country) == ("09012100", "LA")
    with pytest.raises(ValidationError):
        catalog.update_product(product, {"hs_code": "12345"})  # five digits: too short

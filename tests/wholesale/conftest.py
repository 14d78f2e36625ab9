"""A cooperative in Đắk Lắk that takes requests for quotation for its robusta, its owner,
and an importer in Germany (English-speaking) who signs in to ask."""
from __future__ import annotations

from datetime import date

import pytest

from market.accounts.models import Role
from market.wholesale import services as wholesale

TODAY = date(2026, 12, 2)

RFQ_DATA = {
    "quantity": "2", "unit": "tonne", "incoterm": "FOB", "incoterm_place": "Ho Chi Minh City",
    "destination_country": "DE", "destination_port": "Hamburg", "target_date": "2027-03-01",
    "message": "Green robusta, grade 1, screen 18, in 60 kg jute bags.",
    "company": "Kaffeehaus Import GmbH", "contact_phone": "+49 40 123456",
}

QUOTE_DATA = {
    "price_vnd": "118000000", "price_unit": "tonne", "price_usd": "4486.69", "quantity": "2",
    "min_order": "1", "valid_until": "2026-12-20", "lead_time_days": "21",
    "other_certifications": "4C", "note": "Price for Cát Lái port, bags included.",
}


@pytest.fixture
def shop(make):
    coop = make.cooperative(name="HTX Cà phê Ea Tu")
    owner = make.staff(coop, is_owner=True, locale="vi")
    product = make.product(coop, name_vi="Cà phê nhân Robusta", name_en="Green Robusta beans",
                           unit="kg")
    wholesale.save_settings(owner, accepts_all=False, product_ids=[str(product.id)])
    importer = make.user(Role.BUYER, name="Anna Weber", locale="en")
    return coop, owner, product, importer


def send(importer, product, **overrides):
    target = wholesale.target_for_product(product.slug)
    return wholesale.create_rfq(importer, target, {**RFQ_DATA, **overrides}, today=TODAY)

"""Demo wholesale data (invented, like every demo order): the demo owner's cooperative takes
requests for quotation for all its products, and an importer has asked it for green coffee
and had a quote. Adds nothing the second time."""
from __future__ import annotations

from datetime import timedelta

from market.accounts import services as accounts
from market.accounts.models import Role
from market.extensions import db
from market.wholesale import services
from market.wholesale.models import WholesaleProfile

IMPORTER = ("importer@demo.htx.vn", "Anna Weber", "en")


def seed(owner_email: str = "owner@demo.htx.vn") -> int:
    """Returns how many inquiries it added."""
    owner = accounts.find_by_email(owner_email)
    if owner is None or owner.cooperative_id is None \
            or db.session.get(WholesaleProfile, owner.cooperative_id) is not None:
        return 0
    services.save_settings(owner, accepts_all=True, product_ids=[])
    products = services.rfq_products(owner.cooperative_id)
    if not products:
        return 0
    email, name, locale = IMPORTER
    importer = accounts.find_by_email(email) or accounts.create_user(
        email=email, password="htx-demo-2026", name=name, role=Role.BUYER, locale=locale)
    today = services.today_vn()
    target = services.target_for_product(products[0].slug)
    rfq = services.create_rfq(importer, target, {
        "quantity": "2", "unit": "tonne", "incoterm": "FOB",
        "incoterm_place": "Ho Chi Minh City", "destination_country": "DE",
        "destination_port": "Hamburg", "target_date": (today + timedelta(days=90)).isoformat(),
        "company": "Demo Kaffee Import GmbH",
        "message": "Demo inquiry: 2 tonnes in 60 kg bags, shipped from Cát Lái."})
    services.quote(owner, rfq.public_id, {
        "price_vnd": "118000000", "price_unit": "tonne", "quantity": "2", "min_order": "1",
        "valid_until": (today + timedelta(days=30)).isoformat(), "lead_time_days": "21",
        "note": "Demo quote."})
    return 1

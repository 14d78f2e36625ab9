"""Wholesale in the browser (issue 15's must-show): an importer in Germany, reading English,
sends a request for quotation for 2 tonnes of green robusta FOB Ho Chi Minh City from the
product page; the cooperative (in Vietnamese) quotes from its inquiries inbox, offering its
OCOP certificate; the importer accepts and gets the agreement. Screenshots of the RFQ form
and the thread at 390 and 1280 px in both languages, taken along the way; nothing may
overflow a 390 px screen.

With MARKET_DOC_SCREENSHOTS=1 they are also written to docs/screenshots/
(wholesale-rfq-form-*.png, wholesale-thread-*.png, wholesale-agreement-*.png)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from market.ocop import services as ocop
from market.wholesale import services as wholesale
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in
from tests.ocop import util as ocop_util

SIZES = [(lang, width) for lang in ("en", "vi") for width in (1280, 390)]


@pytest.fixture(scope="module")
def export_shop(live_app):
    with live_app.test_request_context():
        from market.extensions import db

        coop = factories.cooperative(name="HTX Cà phê Ea Kiết", address="Thôn 4, Cư M'gar")
        owner = factories.staff(coop, is_owner=True, email="owner.eakiet@example.vn")
        product = factories.product(coop, name_vi="Cà phê nhân Robusta Ea Kiết",
                                    name_en="Ea Kiet green Robusta beans", unit="kg",
                                    price=120_000, stock=5000)
        factories.illustrate(product, live_app.config["MEDIA_DIR"], "ca-phe")
        cert = ocop_util.submit(owner, [product], stars="4",
                                certificate_number="DEMO-OCOP-EAKIET-2025")
        ocop.verify_certificate(cert, factories.officer(66), today=ocop_util.TODAY)
        wholesale.save_settings(owner, accepts_all=False, product_ids=[product.id])
        importer = factories.user(name="Anna Weber", email="anna.weber@example.de",
                                  locale="en")
        db.session.commit()
        yield {"product": product.slug, "owner": owner.email, "importer": importer.email,
               "cert": cert.public_id}
        db.session.remove()


def _shots(page, name: str, url: str) -> None:
    """The page at `url` (an /en/ address) in both languages at both widths."""
    for lang, width in SIZES:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url.replace("/en/", f"/{lang}/"))
        if width == 390:
            fits(page, width)
        doc_screenshot(page, f"{name}-{lang}-{width}", width)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)


def test_an_importer_asks_for_two_tonnes_fob_the_cooperative_quotes_the_importer_accepts(
        live_server, chromium, export_shop):
    today = wholesale.today_vn()
    importer = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    buyer = importer.new_page()
    buyer.set_default_timeout(10_000)
    sign_in(buyer, live_server, export_shop["importer"], lang="en")
    buyer.goto(f"{live_server}/en/p/{export_shop['product']}")
    buyer.get_by_role("link", name="Request a wholesale or export quote").click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text("Request for quotation")
    _shots(buyer, "wholesale-rfq-form", buyer.url)

    buyer.get_by_label("Quantity").fill("2")
    buyer.get_by_label("Unit").select_option("tonne")
    buyer.get_by_label("Incoterm (Incoterms 2020)").select_option("FOB")
    buyer.get_by_label("Named place or port").fill("Ho Chi Minh City")
    buyer.get_by_label("Country of destination").select_option("DE")
    buyer.get_by_label("Port or city of destination (optional)").fill("Hamburg")
    buyer.get_by_label("Needed by").fill((today + timedelta(days=75)).isoformat())
    buyer.get_by_label("Message to the cooperative").fill(
        "Grade 1, screen 18, wet-polished, in 60 kg jute bags. Please include the OCOP "
        "certificate.")
    buyer.get_by_label("Company (optional)").fill("Kaffeehaus Import GmbH")
    buyer.get_by_role("button", name="Send the request").click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(
        "Inquiry: Ea Kiet green Robusta beans")
    expect(buyer.locator(".rfq-status-line .rfq-status")).to_have_text("waiting for a quote")
    expect(buyer.locator(".rfq-facts")).to_contain_text("2 tonnes")
    expect(buyer.locator(".rfq-facts")).to_contain_text("FOB Ho Chi Minh City")
    thread_path = re.sub(r"^https?://[^/]+", "", buyer.url)

    coop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    vendor = coop.new_page()
    vendor.set_default_timeout(10_000)
    sign_in(vendor, live_server, export_shop["owner"])
    vendor.goto(f"{live_server}/vi/vendor/inquiries")
    vendor.get_by_role("link", name="Cà phê nhân Robusta Ea Kiết").click()  # in its words
    expect(vendor.locator(".rfq-facts").first).to_contain_text("Kaffeehaus Import GmbH")
    form = vendor.locator("form.rfq-quote-form")
    form.locator("[name=price_vnd]").fill("118000000")
    form.locator("[name=price_unit]").select_option("tonne")
    form.locator("[name=price_usd]").fill("4486.69")
    form.locator("[name=min_order]").fill("1")
    form.locator("[name=valid_until]").fill((today + timedelta(days=14)).isoformat())
    form.locator("[name=lead_time_days]").fill("21")
    form.get_by_label(re.compile("DEMO-OCOP-EAKIET-2025")).check()
    form.locator("[name=other_certifications]").fill("4C")
    form.locator("[name=note]").fill("Giá giao lên tàu tại cảng Cát Lái, đã gồm bao đay.")
    form.get_by_role("button", name="Gửi báo giá").click()
    expect(vendor.locator(".flash")).to_contain_text("Báo giá của bạn đã được gửi")
    expect(vendor.locator(".rfq-status-line .rfq-status")).to_have_text("đã báo giá")
    coop.close()

    buyer.goto(f"{live_server}{thread_path}")
    quote = buyer.locator(".rfq-quote")
    expect(quote).to_contain_text("₫118,000,000")
    expect(quote).to_contain_text("₫236,000,000")  # 2 tonnes at the quoted price
    expect(quote).to_contain_text("DEMO-OCOP-EAKIET-2025")
    _shots(buyer, "wholesale-thread", buyer.url)
    buyer.get_by_role("button", name="Accept the quote").click()
    expect(buyer.get_by_role("heading", level=1)).to_contain_text("Sales agreement")
    terms = buyer.locator(".rfq-terms")
    expect(terms).to_contain_text("₫236,000,000")
    expect(terms).to_contain_text("FOB Ho Chi Minh City")
    expect(buyer.locator(".rfq-parties")).to_contain_text("Anna Weber")
    expect(buyer.locator(".rfq-parties")).to_contain_text("HTX Cà phê Ea Kiết")
    doc_screenshot(buyer, "wholesale-agreement-en-1280")
    buyer.goto(f"{live_server}{thread_path}")
    expect(buyer.locator(".rfq-status-line .rfq-status")).to_have_text("accepted")
    expect(buyer.get_by_role("button", name="Accept the quote")).to_have_count(0)
    importer.close()

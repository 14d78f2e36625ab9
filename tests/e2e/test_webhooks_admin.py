"""The admin's Partner webhooks page at phone and desktop widths, in both languages: long
URLs wrap instead of widening the page."""
from datetime import timedelta

from playwright.sync_api import expect

from market.accounts.models import Role
from market.api import keys
from market.dbtypes import utcnow
from market.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in


def test_admin_webhooks_page(live_server, live_db, chromium):
    admin = factories.user(Role.ADMIN, email="e2e-webhooks-admin@example.vn")
    market_key, _ = keys.create_key("Sàn TMĐT Nông sản Việt", ["webhooks:manage"])
    portal_key, _ = keys.create_key("Cổng thông tin Đắk Lắk", ["webhooks:manage"])
    now = utcnow()
    # rows as a partner's registration leaves them (registering resolves host names: the
    # test machine may have no DNS)
    shop = WebhookEndpoint(public_id="we_e2e_shop", api_key_id=market_key.id, active=True,
                           url="https://san-thuong-mai.example.vn/hooks/htx-market/"
                               "events?source=htx&channel=catalogue-and-prices",
                           events="listing.updated,listing.deleted,price.published",
                           secret="whsec_e2e", created_at=now - timedelta(days=3))
    portal = WebhookEndpoint(public_id="we_e2e_portal", api_key_id=portal_key.id, active=True,
                             url="https://cong-thong-tin.daklak.example.gov.vn/webhooks",
                             events="order.status_changed", secret="whsec_e2e2",
                             created_at=now - timedelta(days=1))
    live_db.session.add_all([admin, shop, portal])
    live_db.session.flush()
    for n, (endpoint, status, code) in enumerate([(shop, "succeeded", 200),
                                                  (shop, "succeeded", 200),
                                                  (shop, "pending", 503),
                                                  (portal, "failed", None)]):
        live_db.session.add(WebhookDelivery(
            public_id=f"wd_e2e_{n}", endpoint_id=endpoint.id, event_id=f"evt_e2e_{n}",
            event_type=endpoint.event_types[0], body="{}", status=status, attempts=8 if
            status == "failed" else 1, last_status_code=code,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused" if code is None
            else "", created_at=now - timedelta(hours=n), next_attempt_at=now,
            delivered_at=now - timedelta(hours=n) if status == "succeeded" else None))
    live_db.session.commit()

    for lang in ("vi", "en"):
        context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                       locale="vi-VN" if lang == "vi" else "en-GB")
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, "e2e-webhooks-admin@example.vn", lang)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server}/{lang}/admin/webhooks")
            expect(page.locator(".webhook-endpoints tbody tr")).to_have_count(2)
            expect(page.locator(".webhook-failures tbody tr")).to_have_count(1)
            fits(page, width)
            doc_screenshot(page, f"admin-webhooks-{lang}-{width}")
        context.close()

"""An admin creates a partner API key in the browser (the secret is shown once) and the key
works against the API; screenshots of the key page and the API reference at phone and
desktop widths, in both languages."""
from __future__ import annotations

import requests
from playwright.sync_api import expect

from market.accounts.models import Role
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, screenshot, sign_in


def test_an_admin_makes_a_key_that_opens_the_feed(live_server, live_db, chromium):
    admin = factories.user(Role.ADMIN)
    factories.product(name_vi="Cà phê cho đối tác", name_en="Coffee for partners")
    email = admin.email
    live_db.session.commit()
    for lang, partner, scope in (("vi", "Cổng thông tin tỉnh Đắk Lắk", "listings:read"),
                                 ("en", "Provincial export portal", "prices:read")):
        context = chromium.new_context(locale=f"{lang}-VN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, email, lang=lang)
        page.goto(f"{live_server}/{lang}/admin/api-keys/")
        page.locator("#name").fill(partner)
        page.locator("#contact").fill("cntt@daklak.gov.vn")
        page.locator(f"input[value='{scope}']").check()
        page.locator("input[value='listings:read']").check()
        page.locator("form.narrow button[type=submit]").click()
        screenshot(page, f"api-keys-created-{lang}")
        secret = page.locator("[data-secret]").inner_text()
        assert secret.startswith("htx_")
        feed = requests.get(f"{live_server}/api/v1/feeds/products.jsonl", timeout=30,
                            headers={"Authorization": f"Bearer {secret}"})
        assert feed.status_code == 200 and "Cà phê cho đối tác" in feed.text
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"api-keys-{lang}-{width}", width)
        page.goto(f"{live_server}/api/v1/docs?lang={lang}")
        expect(page.locator("#problem-validation_error")).to_be_visible()
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"api-docs-{lang}-{width}", width)
        page.goto(f"{live_server}/{lang}/admin/api-keys/")
        assert secret not in page.content()
        context.close()

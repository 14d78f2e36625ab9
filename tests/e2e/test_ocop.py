"""OCOP in a real browser: cooperative staff submit a certificate, an officer of the province
verifies it, the star badge appears on the home page product card and links to the public
verification page; once the certificate expires (time moved for the expiry job) it is gone."""
from datetime import date

from playwright.sync_api import expect

from market.ocop import services
from tests import factories
from tests.e2e.conftest import screenshot, sign_in
from tests.ocop.util import PDF

NAME_VI = "Tiêu đen OCOP thử nghiệm"
NAME_EN = "Test OCOP black pepper"
NUMBER = "E2E-DLK-2025-0001"


def _sign_out(page, live_server):
    page.goto(live_server + "/en/")
    page.get_by_role("button", name="Sign out").click()


def test_submit_verify_badge_then_expiry(live_server, live_db, page):
    coop = factories.cooperative(name="Hợp tác xã Hồ tiêu E2E")
    product_slug = factories.product(coop, name_vi=NAME_VI, name_en=NAME_EN, unit="hũ",
                                     price=95_000).slug
    staff = factories.staff(coop, email="e2e-ocop-staff@example.vn")
    officer = factories.officer(email="e2e-ocop-officer@example.vn", name="Cán bộ Sở")
    staff_email, officer_email = staff.email, officer.email
    # Commit and touch no ORM object until the server is done writing: on SQLite an open
    # read transaction here would lock the live server out.
    live_db.session.commit()

    # Cooperative staff submit the certificate with the scanned decision.
    sign_in(page, live_server, staff_email, lang="en")
    page.goto(live_server + "/en/ocop/manage/new")
    page.get_by_label(NAME_EN).check()
    page.get_by_label("Stars").select_option("4")
    page.get_by_label("Issuing level").select_option("provincial")
    page.get_by_label("Certificate number").fill(NUMBER)
    page.get_by_label("Decision number").fill("1234/QĐ-UBND")
    page.get_by_label("Decision date").fill("2025-06-01")
    page.get_by_label("Scanned decision (PDF, JPEG, PNG or WebP)").set_input_files(
        files=[{"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_text(f"Certificate {NUMBER} submitted.")).to_be_visible()
    expect(page.get_by_text("submitted, awaiting verification").first).to_be_visible()
    screenshot(page, "ocop-submitted")

    # No badge before an officer verified it.
    page.goto(live_server + "/vi/")
    card = page.locator("article.product-card", has_text=NAME_VI)
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="OCOP 4 sao")).to_have_count(0)
    _sign_out(page, live_server)

    # The officer of the province verifies it from the queue, with the document inline.
    sign_in(page, live_server, officer_email, lang="en")
    page.goto(live_server + "/en/ocop/review/")
    page.get_by_role("link", name=NUMBER).click()
    expect(page.locator("iframe[title='Scanned decision']")).to_be_attached()
    screenshot(page, "ocop-review")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_text(f"Certificate {NUMBER} verified")).to_be_visible()
    _sign_out(page, live_server)

    # The badge is on the home page card, in both languages, and links to the public page.
    page.goto(live_server + "/vi/")
    # (a rated product shows twice on the home page: among the OCOP products and the newest)
    badge = page.locator("article.product-card", has_text=NAME_VI).first.get_by_role(
        "link", name="OCOP 4 sao")
    expect(badge).to_be_visible()
    screenshot(page, "ocop-badge-home-vi")
    page.goto(live_server + "/en/")
    expect(page.locator("article.product-card", has_text=NAME_EN).first.get_by_role(
        "link", name="OCOP 4-star")).to_be_visible()
    page.goto(live_server + "/vi/")
    page.locator("article.product-card", has_text=NAME_VI).first.get_by_role(
        "link", name="OCOP 4 sao").click()
    expect(page).to_have_url(f"{live_server}/vi/ocop/{NUMBER}")
    expect(page.get_by_text("Còn hiệu lực")).to_be_visible()
    expect(page.get_by_text("2028-06-01").first).to_be_visible()
    expect(page.get_by_text(NAME_VI)).to_be_visible()
    screenshot(page, "ocop-verify-page")
    # ... and on the product page, linked to the verification page.
    page.goto(f"{live_server}/en/p/{product_slug}")
    page.get_by_role("link", name="OCOP 4-star").click()
    expect(page).to_have_url(f"{live_server}/en/ocop/{NUMBER}")

    # Time moves past the validity; the daily job runs: the badge is gone everywhere.
    assert services.expire_due(today=date(2028, 6, 2)) >= 1
    live_db.session.commit()
    page.goto(live_server + "/vi/")
    card = page.locator("article.product-card", has_text=NAME_VI)
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="OCOP 4 sao")).to_have_count(0)
    page.goto(f"{live_server}/vi/p/{product_slug}")
    expect(page.get_by_role("heading", name=NAME_VI)).to_be_visible()
    expect(page.get_by_role("link", name="OCOP 4 sao")).to_have_count(0)
    page.goto(f"{live_server}/vi/ocop/{NUMBER}")
    expect(page.get_by_text("Đã hết hiệu lực ngày 2028-06-01")).to_be_visible()
    expect(page.get_by_role("link", name="OCOP 4 sao")).to_have_count(0)
    screenshot(page, "ocop-verify-page-expired")

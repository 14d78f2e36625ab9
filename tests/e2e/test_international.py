"""A buyer in Germany orders from two cooperatives, one of which does not ship abroad: that
line is refused with a clear message and removed; the rest is paid by card in the Stripe
test flow offline (the loopback FakeStripe, and a signed webhook posted by the test); the
buyer downloads the parcel's proforma invoice. Screenshots of the checkout abroad."""
import io
import urllib.request

from playwright.sync_api import expect
from pypdf import PdfReader

from market.intl import rates
from market.orders.models import Order
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in
from tests.stripe_fakes import SECRET, FakeStripe, completed, signed

VCB = (b"Vietcombank,01/12/2026\nCurrency Code,Currency Name,Cash,Transfer,Sell\n"
       b'EUR,EURO,"29,868.85","30,170.55","31,415.34"\n'
       b'USD,US DOLLAR,"26,108.00","26,138.00","26,378.00"\n')


def _choose_germany(page, live_server, lang, country):
    page.goto(f"{live_server}/{lang}/checkout")
    with page.expect_navigation():
        page.locator("[data-country-select]").select_option(label=country)
    expect(page.locator("[data-refused]")).to_have_count(1)


def test_buyer_in_germany_removes_the_refused_line_and_pays_by_card(
        live_server, live_app, live_db, page, monkeypatch):
    fake = FakeStripe()
    for key, value in (("STRIPE_API_KEY", "sk_test_offline"), ("STRIPE_WEBHOOK_SECRET", SECRET),
                       ("STRIPE_API_BASE", fake.url)):
        monkeypatch.setitem(live_app.config, key, value)
    exporter = factories.cooperative(name="HTX Cà phê Xuất khẩu E2E")
    exporter.ships_abroad = True
    home_only = factories.cooperative(name="HTX Mật ong Nội địa E2E")
    coffee = factories.product(exporter, name_vi="Cà phê xuất khẩu E2E",
                               name_en="E2E export coffee", price=240_000, weight_grams=500,
                               hs_code="090121", stock=9)
    honey = factories.product(home_only, name_vi="Mật ong E2E", name_en="E2E honey",
                              price=150_000, weight_grams=700, stock=9)
    buyer = factories.user(email="anna.e2e@example.de", name="Anna Schmidt")
    rates.import_file(VCB)
    live_db.session.commit()
    slugs, email = (coffee.slug, honey.slug), buyer.email
    try:
        sign_in(page, live_server, email, lang="en")
        for slug in slugs:
            page.goto(f"{live_server}/en/p/{slug}")
            page.get_by_role("button", name="Add to cart").click()

        # The checkout abroad, in both languages, with the refused line (the screenshots).
        for lang, country in (("en", "Germany"), ("vi", "Đức")):
            _choose_germany(page, live_server, lang, country)
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                fits(page, width)
                doc_screenshot(page, f"checkout-international-{lang}-{width}", width)
        page.set_viewport_size({"width": 1280, "height": 900})
        expect(page.locator("[data-refused]")).to_contain_text(
            "HTX Mật ong Nội địa E2E không gửi hàng ra nước ngoài")
        expect(page.get_by_label("Thanh toán khi nhận hàng")).to_have_count(0)

        # A wrong postal code is refused, and nothing typed is lost.
        page.get_by_label("Số điện thoại").fill("030 1234567")
        page.get_by_label("Địa chỉ (số nhà, tên đường)", exact=False).first.fill(
            "Unter den Linden 1")
        page.get_by_label("Thành phố hoặc thị trấn").fill("Berlin")
        page.get_by_label("Mã bưu chính").fill("1011")
        page.get_by_role("button", name="Bỏ khỏi đơn hàng").click()
        expect(page.locator("[data-refused]")).to_have_count(0)
        expect(page.get_by_text("Mật ong E2E")).to_have_count(0)
        expect(page.get_by_label("Thành phố hoặc thị trấn")).to_have_value("Berlin")
        page.get_by_role("button", name="Đặt hàng").click()
        expect(page.get_by_text("Đây không phải mã bưu chính của quốc gia này")).to_be_visible()
        expect(page.get_by_label("Thành phố hoặc thị trấn")).to_have_value("Berlin")
        page.get_by_label("Mã bưu chính").fill("10117")

        # Stripe's page stands at the fake's address: the checkout's answer (a redirect
        # there) is taken from the live server and the browser shown "Stripe" instead.
        sent_to = []

        def to_stripe(route):
            if route.request.method != "POST":
                return route.continue_()
            answer = route.fetch(max_redirects=0)
            location = answer.headers.get("location", "")
            if location.startswith("https://checkout.stripe.test/"):
                sent_to.append(location)
                return route.fulfill(status=200, content_type="text/html",
                                     body="<h1>Stripe test checkout</h1>")
            return route.fulfill(response=answer)

        page.route(f"{live_server}/vi/checkout", to_stripe)
        page.get_by_role("button", name="Đặt hàng").click()
        expect(page.get_by_role("heading", name="Stripe test checkout")).to_be_visible(
            timeout=30_000)
        assert sent_to == ["https://checkout.stripe.test/c/1"]
        live_db.session.rollback()  # a fresh read: the order was placed by the server
        order = live_db.session.scalar(live_db.select(Order).filter_by(email=email))
        assert order.country_code == "DE" and order.payment_method == "stripe"
        assert [line.name for vo in order.vendor_orders for line in vo.lines] == [
            "Cà phê xuất khẩu E2E"]
        session_id = [p for path, _, p in fake.requests if path.startswith("/v1/checkout")]
        assert session_id, "no Checkout Session was created"
        body, headers = signed(completed("cs_fake_1", order.total, "evt_e2e_intl"))
        request = urllib.request.Request(f"{live_server}/payments/stripe/webhook", data=body,
                                         headers=headers, method="POST")
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200

        page.goto(f"{live_server}/vi/orders/{order.public_id}")
        expect(page.get_by_text("10117 BERLIN")).to_be_visible()
        expect(page.locator("[data-status]").first).to_have_text("đã thanh toán")
        with page.expect_download(timeout=60_000) as download:  # the PDF is made on request
            page.get_by_role("link", name="Hóa đơn chiếu lệ cho hải quan (PDF)").click(
                timeout=60_000)
        pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
        text = "\n".join(p.extract_text() for p in pdf.pages)
        for expected in ("Hóa đơn chiếu lệ", "Proforma invoice", "Cà phê xuất khẩu E2E",
                         "E2E export coffee", "090121", "Anna Schmidt", "GERMANY"):
            assert expected in text, expected
        assert "Mật ong" not in text
    finally:
        fake.close()

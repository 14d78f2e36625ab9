"""A cooperative owner signs in, creates a product in Vietnamese and English with a photo,
and the product shows on the storefront and on its page in both languages."""
import io

from PIL import Image
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import screenshot


def _photo(tmp_path):
    path = tmp_path / "mat-ong.jpg"
    image = Image.new("RGB", (800, 600), (214, 160, 40))
    for x in range(0, 800, 40):
        for y in range(0, 600, 40):
            if (x + y) // 40 % 2:
                image.paste((240, 200, 90), (x, y, x + 40, y + 40))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_owner_creates_a_bilingual_product_with_a_photo(live_server, live_db, page, tmp_path):
    coop = factories.cooperative(name="HTX Mật ong Cư M'gar")
    owner = factories.staff(coop, is_owner=True, email="e2e-owner@example.vn", name="Anh Tuấn")
    slug, email = coop.slug, owner.email
    from market.intl import rates

    if "USD" not in rates.latest():  # English pages show a dated estimate in dollars
        rates.set_rate("USD", "26300", "2026-11-02")
    live_db.session.commit()
    live_db.session.close()  # hold no SQLite read lock while the server writes

    page.goto(live_server + "/vi/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Cổng người bán").click()
    page.get_by_role("link", name="Sản phẩm mới").first.click()

    page.get_by_label("Tên (tiếng Việt)").fill("Mật ong hoa cà phê Cư M'gar")
    page.get_by_label("Mô tả (tiếng Việt)").fill("Mật ong nguyên chất từ vườn cà phê.")
    page.get_by_label("Tên (tiếng Anh)").fill("Coffee blossom honey")
    page.get_by_label("Mô tả (tiếng Anh)").fill("Raw honey from coffee gardens.")
    page.get_by_label("Giá (đồng)").fill("1.250.000")
    page.get_by_label("Đơn vị").select_option("chai")
    page.get_by_label("Tồn kho").fill("25")
    page.get_by_role("button", name="Lưu sản phẩm").click()
    expect(page.get_by_text("Đã lưu sản phẩm. Hãy thêm ảnh ở bên dưới.")).to_be_visible()

    page.get_by_label("Ảnh (JPEG, PNG hoặc WebP, tối đa 5 MB)").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Mô tả ảnh (tiếng Việt)").fill("Hũ mật ong trên bàn gỗ")
    page.get_by_label("Mô tả ảnh (tiếng Anh)").fill("A jar of honey on a wooden table")
    page.get_by_role("button", name="Tải ảnh lên").click()
    expect(page.get_by_text("Đã thêm ảnh.")).to_be_visible()
    screenshot(page, "vendor-product-form-390", width=390)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/vi/c/{slug}")
    expect(page.get_by_role("heading", name="Mật ong hoa cà phê Cư M'gar")).to_be_visible()
    page.get_by_role("link", name="Mật ong hoa cà phê Cư M'gar").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mật ong hoa cà phê Cư M'gar")
    expect(page.get_by_text("1.250.000 ₫")).to_be_visible()
    expect(page.get_by_alt_text("Hũ mật ong trên bàn gỗ")).to_be_visible()
    screenshot(page, "product-vi-1280", width=1280)
    screenshot(page, "product-vi-390", width=390)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee blossom honey")
    expect(page.get_by_text("/ bottle")).to_be_visible()
    expect(page.get_by_text("at the rate of")).to_be_visible()
    expect(page.get_by_alt_text("A jar of honey on a wooden table")).to_be_visible()
    screenshot(page, "product-en-1280", width=1280)
    screenshot(page, "product-en-390", width=390)

    page.goto(f"{live_server}/en/c/{slug}")
    expect(page.get_by_role("heading", name="Coffee blossom honey")).to_be_visible()
    screenshot(page, "storefront-en-320", width=320)
    # Nothing wider than a 320 px phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

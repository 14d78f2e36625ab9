"""Demo reviews: a few invented buyers order demo products through the real checkout, the
cooperative ships and delivers, and they review (in Vietnamese and English; the cooperative
answers some). The demo buyer also gets a delivered order still waiting for its review.
Safe to run again: orders are found by their idempotency keys."""
from __future__ import annotations

import io
import math
import random
from datetime import timedelta

from market.accounts import services as accounts
from market.accounts.models import Role
from market.catalog import services as catalog
from market.catalog.models import Product, ProductStatus
from market.dbtypes import utcnow
from market.extensions import db
from market.geo import services as geo
from market.orders import services as orders
from market.orders.models import Order
from market.reviews import services as reviews
from market.vendors import services as vendors
from market.vendors.models import Cooperative

PREFIX = "demo-review"
BUYERS = [
    ("lan.nguyen@demo.htx.vn", "Nguyễn Thị Lan", "vi"),
    ("quang.tran@demo.htx.vn", "Trần Văn Quang", "vi"),
    ("hoa.le@demo.htx.vn", "Lê Thị Hoa", "vi"),
    ("emma.clarke@demo.htx.vn", "Emma Clarke", "en"),
]
# (product number within the cooperative, buyer index, stars, text, days ago, reply or "")
REVIEWS = [
    (0, 0, 5, ("Cà phê rang vừa, thơm mùi socola, pha phin rất đậm. Gói hàng cẩn thận, "
              "giao nhanh hơn hẹn một ngày."),
     40, "Cảm ơn chị Lan đã ủng hộ hợp tác xã! Chúc chị và gia đình luôn mạnh khỏe."),
    (0, 3, 4, ("Rich, chocolatey robusta; great as a Vietnamese iced coffee. The bag has a "
              "valve and a clear roast date. One star off: delivery to Hanoi took five days."),
     25, ("Thank you, Emma! We now ship to Hà Nội from our Buôn Ma Thuột warehouse, which "
         "saves a day or two.")),
    (0, 1, 4, "Vị đậm, hơi đắng so với khẩu vị nhà tôi nhưng pha sữa thì rất ngon.", 12, ""),
    (1, 2, 5, ("Mua lần thứ hai rồi, chất lượng vẫn đều. Có tem truy xuất nguồn gốc quét "
              "được, rất yên tâm."), 30, ""),
    (1, 3, 3, "Good beans, but the grind was coarser than I expected for a drip filter.", 8,
     ("Sorry about that! You can choose the grind in the order note; we will add it to the "
     "product page.")),
]
WAITING_FOR_REVIEW = 2  # the demo buyer's delivered order, not reviewed yet


def _contact(name: str, email: str):
    province = geo.find_province("Hà Nội")
    commune = geo.communes(province.code)[0]
    return orders.Contact(name=name, email=email, phone="0912345678",
                          province_code=province.code, commune_code=commune.code,
                          address_line="18 Hàng Bạc")


def _delivered(product: Product, buyer, key: str, days_ago: int, staff):
    """A cash-on-delivery order of one unit, delivered `days_ago` - 2 days ago."""
    existing = db.session.scalar(db.select(Order).filter_by(idempotency_key=key))
    if existing is not None:
        return None
    start = utcnow() - timedelta(days=days_ago)
    order = orders.place_order(
        lines=[orders.CheckoutLine(product.slug, 1)], contact=_contact(buyer.name, buyer.email),
        payment_method="cod", idempotency_key=key, buyer=buyer, locale=buyer.locale, now=start)
    vo = order.vendor_orders[0]
    for hours, to in ((20, "packed"), (26, "shipped"), (70, "delivered")):
        orders.transition(vo, to, actor=staff, carrier="GHN" if to == "shipped" else "",
                          tracking_number=f"GHN{vo.id:06d}" if to == "shipped" else "",
                          now=start + timedelta(hours=hours))
    return vo


def _cover(seed: int) -> io.BytesIO:
    """A painted landscape (sky, rows of hills in coffee greens): no text, no photo rights."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = 1600, 440
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # dawn sky
        t = y / height
        draw.line([(0, y), (width, y)], fill=(int(250 - 60 * t), int(226 - 40 * t),
                                               int(190 - 20 * t)))
    draw.ellipse([1180, 60, 1300, 180], fill=(255, 236, 180))
    greens = [(120, 150, 90), (86, 128, 70), (58, 104, 58), (40, 82, 46)]
    for layer, colour in enumerate(greens):
        base = 190 + layer * 62
        points = [(0, height)]
        phase = rng.uniform(0, 6.28)
        for x in range(0, width + 40, 40):
            y = base - 38 * math.sin(x / (260 - layer * 30) + phase) - rng.uniform(0, 8)
            points.append((x, y))
        points.append((width, height))
        draw.polygon(points, fill=colour)
        if layer >= 2:  # rows of coffee shrubs on the near hills
            for x in range(rng.randint(0, 30), width, 34):
                y = base - 38 * math.sin(x / (260 - layer * 30) + phase) + 18
                draw.ellipse([x, y, x + 22, y + 14], fill=tuple(c - 14 for c in colour))
    out = io.BytesIO()
    image.filter(ImageFilter.SMOOTH).save(out, "JPEG", quality=88)
    out.seek(0)
    return out


def _logo(colour=(47, 107, 59)) -> io.BytesIO:
    """A round emblem: a coffee cherry branch on the brand green."""
    from PIL import Image, ImageDraw

    size = 400
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([10, 10, size - 10, size - 10], fill=colour)
    draw.line([(110, 300), (300, 110)], fill=(233, 222, 190), width=14)
    for cx, cy in ((170, 210), (205, 235), (230, 175), (265, 200), (145, 265)):
        draw.ellipse([cx - 26, cy - 26, cx + 26, cy + 26], fill=(190, 40, 40))
    for box in ([215, 95, 320, 150], [95, 215, 150, 320]):
        draw.ellipse(box, fill=(120, 180, 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def seed(media_dir: str, owner_email: str = "owner@demo.htx.vn") -> int:
    """Returns how many reviews it added."""
    owner = accounts.find_by_email(owner_email)
    if owner is None or owner.cooperative_id is None:
        return 0
    coop = db.session.get(Cooperative, owner.cooperative_id)
    if not coop.public_phone:
        coop.public_phone = "02623812345"
    if coop.cover_image is None:
        vendors.set_profile_image(owner, "cover_image", _cover(coop.id), media_dir)
    if coop.logo is None:
        vendors.set_profile_image(owner, "logo", _logo(), media_dir)
    products = list(db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop.id,
                                 Product.status == ProductStatus.ACTIVE.value,
                                 catalog.variant_stock() > 5)
        .order_by(Product.id).limit(3)))
    if len(products) < 3:
        return 0
    people = []
    for email, name, locale in BUYERS:
        person = accounts.find_by_email(email) or accounts.create_user(
            email=email, password="htx-demo-2026", name=name, role=Role.BUYER, locale=locale)
        people.append(person)
    added = 0
    for n, (index, who, stars, text, days_ago, answer) in enumerate(REVIEWS):
        buyer = people[who]
        vo = _delivered(products[index], buyer, f"{PREFIX}-order-{n:04d}", days_ago, owner)
        if vo is None:
            continue
        review = reviews.create_review(buyer, vo.public_id, 1, stars=stars, text=text,
                                       media_dir=media_dir, locale=buyer.locale)
        review.created_at = utcnow() - timedelta(days=days_ago - 4)
        if answer:
            reviews.reply(owner, review.public_id, answer,
                          now=utcnow() - timedelta(days=days_ago - 5))
        added += 1
    demo_buyer = accounts.find_by_email("buyer@demo.htx.vn")
    if demo_buyer is not None:
        _delivered(products[WAITING_FOR_REVIEW], demo_buyer, f"{PREFIX}-order-wait", 6, owner)
    db.session.flush()
    return added

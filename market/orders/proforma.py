"""The proforma / commercial invoice of an international parcel: one per cooperative's part
of an order going abroad, bilingual (Vietnamese and English, each label in both), with
what customs asks: seller and consignee, each line's description, HS code, country of
origin, quantity, unit price, value and weight, the currency (VND, what was charged) and the
totals. A PDF made with fpdf2 in the DejaVu fonts (Vietnamese diacritics), falling back to a
system CJK font for what DejaVu lacks (a consignee 山田太郎 in Tokyo, 김민준 in Seoul)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from market.accounts import addresses
from market.catalog.models import Product, ProductVariant
from market.errors import NotFound
from market.extensions import db
from market.orders import packing, shipping
from market.orders.models import Order, VendorOrder

log = logging.getLogger(__name__)

# Fonts for the scripts DejaVu has no glyphs for, found at run time: for each script the
# first font of its list that exists, as (file, font number in a collection). Debian's
# fonts-noto-cjk has them all; fonts-droid-fallback (Chinese, Japanese) and fonts-nanum
# (Korean) are smaller (.ci/run installs those two).
HAN_KANA = ((0x2E80, 0x2FFF), (0x3000, 0x30FF), (0x3190, 0x9FFF), (0xF900, 0xFAFF),
            (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
NOTO_CJK = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
            ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 0))
FALLBACK_FONTS = (
    (HAN_KANA, NOTO_CJK + (("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
                           ("/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
                            0))),
    (HANGUL, NOTO_CJK + (("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", 0),
                         ("/usr/share/fonts/nanum/NanumGothic.ttf", 0))),
)


def fallback_font(char: str) -> tuple[str, int] | None:
    """The system font for a character DejaVu lacks, or None when there is none."""
    code = ord(char)
    for ranges, fonts in FALLBACK_FONTS:
        if any(low <= code <= high for low, high in ranges):
            return next(((path, number) for path, number in fonts if Path(path).is_file()),
                        None)
    return None


def _cover(doc, texts) -> None:
    """Add the fallback fonts that the text needs for glyphs the DejaVu font lacks (loading
    a CJK font takes a second or more: only then, and only the scripts present). Without
    one such glyphs print as empty boxes, and the log says which."""
    cmap = doc.fonts["dejavu"].cmap
    missing = {c for t in texts for c in str(t) if not c.isspace() and ord(c) not in cmap}
    fonts = {c: fallback_font(c) for c in sorted(missing)}
    uncovered = "".join(c for c, font in fonts.items() if font is None)
    if uncovered:
        log.warning("proforma: no font on this machine for %r (install fonts-noto-cjk, or "
                    "fonts-droid-fallback and fonts-nanum)", uncovered[:20])
    names = []
    for n, (path, number) in enumerate(dict.fromkeys(f for f in fonts.values() if f)):
        names.append(f"fallback{n}")
        doc.add_font(names[-1], "", path, collection_font_number=number)
    if names:
        doc.set_fallback_fonts(names, exact_match=False)  # bold too, in regular


# The Incoterm of a postal parcel: delivered to the buyer's address, import duties theirs.
INCOTERM = "DAP"
LABELS = {
    "number": _l("Number"), "date": _l("Date"), "currency": _l("Currency"),
    "reason": _l("Reason for export"), "sale": _l("Sale of goods"),
    "registration": _l("Registration code"),
}


@dataclass
class InvoiceLine:
    description_vi: str
    description_en: str
    hs_code: str
    origin: str
    quantity: int
    unit: str
    unit_price: int
    total: int
    weight_grams: int


def _both(message) -> str:
    """A label in Vietnamese and English: "Người bán / Seller"."""
    with force_locale("vi"):
        vi = str(message)
    with force_locale("en"):
        en = str(message)
    return vi if vi == en else f"{vi} / {en}"


def _international(vo: VendorOrder) -> VendorOrder:
    if vo.order.country_code == shipping.HOME_COUNTRY:
        raise NotFound(_l("Only parcels going abroad have a proforma invoice."))
    return vo


def for_buyer(order: Order, vendor_order_public_id: str) -> VendorOrder:
    """A part of an order the caller already may view (orders.services.may_view)."""
    vo = next((v for v in order.vendor_orders if v.public_id == vendor_order_public_id), None)
    if vo is None:
        raise NotFound(_l("No such order."))
    return _international(vo)


def for_staff(user, vendor_order_public_id: str) -> VendorOrder:
    """The cooperative's own part (admins any): the packing slip's rule."""
    return _international(packing._visible_part(user, vendor_order_public_id))


def lines_of(vo: VendorOrder) -> list[InvoiceLine]:
    products = {p.id: p for p in db.session.scalars(
        db.select(Product).where(Product.id.in_([line.product_id for line in vo.lines])))}
    weights = dict(db.session.execute(
        db.select(ProductVariant.id, ProductVariant.weight_grams)
        .where(ProductVariant.id.in_([line.variant_id for line in vo.lines]))).all())
    result = []
    for line in vo.lines:
        product = products.get(line.product_id)
        variant = line.variant_label
        vi = product.name("vi") if product else line.name
        en = product.name("en") if product else line.name
        unit_weight = weights.get(line.variant_id) or shipping.DEFAULT_WEIGHT_GRAMS
        result.append(InvoiceLine(
            description_vi=f"{vi} – {variant}" if variant else vi,
            description_en=f"{en} – {variant}" if variant else en,
            hs_code=product.hs_code if product else "", origin=(
                product.origin_country if product else "VN"),
            quantity=line.quantity, unit=line.unit, unit_price=line.unit_price,
            total=line.line_total, weight_grams=unit_weight * line.quantity))
    return result


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " VND"


def pdf(vo: VendorOrder) -> bytes:
    from fpdf import FPDF

    from market.department.tables import FONT_DIR  # the shipped DejaVu fonts

    order, coop = vo.order, vo.cooperative
    lines = lines_of(vo)
    doc = FPDF(format="A4")
    doc.set_auto_page_break(True, margin=15)
    doc.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    doc.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    doc.set_title(f"Proforma {vo.number}")
    doc.add_page()
    doc.set_font("DejaVu", "B", 14)
    doc.cell(0, 8, text=_both(_l("Proforma invoice (commercial invoice)")),
             new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", "", 9)
    label = {key: _both(value) for key, value in LABELS.items()}
    doc.cell(0, 5, text=f"{label['number']}: {vo.number}    "
             f"{label['date']}: {order.created_at:%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 5, text=f"{label['currency']}: VND    Incoterms® 2020: {INCOTERM}",
             new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 5, text=f"{label['reason']}: {label['sale']}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    seller = [coop.name, coop.address, f"{label['registration']}: {coop.registration_code}",
              "Việt Nam / Vietnam"]
    consignee = addresses.format_foreign(order)
    consignee = consignee[:1] + [order.phone, order.email] + consignee[1:]
    _cover(doc, seller + consignee + [t for line in lines
                                      for t in (line.description_vi, line.description_en)])
    doc.set_font("DejaVu", "B", 10)
    top = doc.get_y()
    doc.multi_cell(90, 5, text=_both(_l("Seller (exporter)")), new_x="RIGHT", new_y="TOP")
    doc.multi_cell(90, 5, text=_both(_l("Consignee")), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", "", 9)
    y = max(doc.get_y(), top + 10)  # either heading may take two lines
    doc.set_xy(doc.l_margin, y)
    doc.multi_cell(90, 5, text="\n".join(p for p in seller if p), new_x="LMARGIN",
                   new_y="NEXT")
    left_end = doc.get_y()  # below the seller's block: the two columns may differ in height
    doc.set_xy(doc.l_margin + 90, y)
    doc.multi_cell(90, 5, text="\n".join(p for p in consignee if p), new_x="LMARGIN",
                   new_y="NEXT")
    doc.set_y(max(doc.get_y(), left_end, top) + 4)
    doc.set_font("DejaVu", "", 8)
    headers = [_l("Description"), _l("HS code"), _l("Origin"), _l("Quantity"),
               _l("Unit price"), _l("Value"), _l("Weight (g)")]
    with doc.table(col_widths=(62, 18, 14, 16, 26, 28, 16),
                   text_align=("LEFT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=4.5) as table:
        row = table.row()
        for header in headers:
            row.cell(_both(header))
        for line in lines:
            row = table.row()
            description = line.description_vi if line.description_vi == line.description_en \
                else f"{line.description_vi}\n{line.description_en}"
            for value in (description, line.hs_code or "—", line.origin,
                          f"{line.quantity} {line.unit}", _money(line.unit_price),
                          _money(line.total), f"{line.weight_grams:,}".replace(",", ".")):
                row.cell(value)
    doc.ln(3)
    doc.set_font("DejaVu", "", 9)
    weight = sum(line.weight_grams for line in lines)
    for label, value in ((_l("Goods"), _money(vo.subtotal)), (_l("Shipping"),
                                                                 _money(vo.shipping_fee)),
                         (_l("Total"), _money(vo.total)),
                         (_l("Gross weight"), f"{weight / 1000:.2f} kg")):
        doc.cell(0, 5, text=f"{_both(label)}: {value}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.multi_cell(0, 4.5, text=_both(_l(
        "We declare that the information on this invoice is true and correct and that the "
        "goods are of the origin shown.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def filename(vo: VendorOrder) -> str:
    return f"proforma-{vo.number}.pdf"



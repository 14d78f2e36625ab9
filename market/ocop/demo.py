"""Demo OCOP certificates, loaded by `flask seed-demo` (idempotent: looked up by number).

Stars and rating years are real (market/demo/data/ocop_products.csv, see SOURCES.md);
certificate numbers (all `DEMO-...`), decision numbers and dates are invented. A real OCOP
certificate lasts 36 months, so the real 2020-2022 ratings would have expired by now: the
verified demo certificates are invented renewals and say so in their notes. The 5-star one is
entirely invented: no demo cooperative holds a real 5-star rating.
"""
from __future__ import annotations

import io
from datetime import date

from market.accounts import services as accounts
from market.catalog.models import Product, ProductTranslation
from market.extensions import db
from market.ocop import services
from market.ocop.models import OcopCertificate
from market.vendors.models import Cooperative

ADMIN = "admin@demo.htx.vn"
OFFICER_DAK_LAK = "officer.daklak@demo.htx.vn"

# number, cooperative, product name prefixes, stars, decision date, outcome, reviewer, notes
CERTIFICATES = [
    ("DEMO-DLK-2025-0031", "Hợp tác xã nông nghiệp Cư Kuin", ["Hồ tiêu đen Cư Kuin"], 3,
     date(2025, 6, 20), "verified", OFFICER_DAK_LAK,
     ("Hồ tiêu Cư Kuin: 3 sao OCOP (2020, nguồn công khai). Quyết định công nhận lại là giả định "
      "cho bản demo.")),
    ("DEMO-DLK-2025-0047", "HTX Sản xuất, Thương mại, Dịch vụ nông nghiệp Macca Ea H'leo",
     ["Mắc ca nứt vỏ sấy Ea H'leo", "Nhân mắc ca Ea H'leo"], 4, date(2025, 9, 12), "verified",
     OFFICER_DAK_LAK,
     ("Maca Ea H'leo: 4 sao OCOP (2022, nguồn công khai). Quyết định công nhận lại là giả định "
      "cho bản demo.")),
    ("DEMO-LDG-2024-0112", "HTX thương mại dịch vụ và chế biến Lê Gia",
     ["Hạt điều rang muối Lê Gia"], 4, date(2024, 8, 5), "verified", ADMIN,
     ("Hạt điều rang muối Lê Gia: 4 sao OCOP (2020, nguồn công khai). Quyết định công nhận lại "
      "là giả định cho bản demo.")),
    ("DEMO-LDG-2025-0009", "HTX Sản xuất Nông lâm nghiệp hữu cơ Quảng Phú",
     ["Quýt đường núi lửa Quảng Phú"], 4, date(2025, 2, 18), "verified", ADMIN,
     ("Quýt đường núi lửa: 4 sao OCOP (2021, Đắk Nông cũ, nguồn công khai). Quyết định công nhận "
      "lại là giả định cho bản demo.")),
    ("DEMO-QG-2025-5SAO-GIA-DINH", "Hợp tác xã Dịch vụ Nông nghiệp Công Bằng Ea Kmat",
     ["Cà phê Robusta rang xay Ea Kmat"], 5, date(2025, 10, 1), "verified", ADMIN,
     ("GIẢ ĐỊNH: chứng nhận 5 sao quốc gia này được bịa ra cho bản demo; sản phẩm này không có "
      "hạng 5 sao thật. Invented for the demo: no real 5-star rating.")),
    ("DEMO-DLK-2023-0158", "Hợp tác xã Sản xuất dịch vụ nông – ngư nghiệp Thái Hải",
     ["Gạo sạch Thái Hải"], 3, date(2023, 12, 15), "submitted", None,
     "Gạo sạch Thái Hải: 3 sao OCOP (2023, nguồn công khai). Hồ sơ chờ xác minh (demo)."),
    ("DEMO-LDG-2020-0213", "HTX DVNN Hữu cơ Song Vũ",
     ["Cà phê Arabica Catimor rang nguyên hạt Cầu Đất", "Cà phê Arabica xay bột Cầu Đất"], 3,
     date(2020, 11, 30), "expired", ADMIN,
     ("Cà phê catimor Cầu Đất (HTX Song Vũ): 3 sao OCOP năm 2020 (nguồn công khai); hết hạn "
      "36 tháng sau.")),
]


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ASCII text: the stand-in for a scanned decision."""
    text = " ".join(
        f"BT /F1 14 Tf 56 {780 - 24 * n} Td ({line}) Tj ET" for n, line in enumerate(lines))
    stream = text.encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        (b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>"
         b"/Contents 4 0 R>>"),
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _ascii(text: str) -> str:
    from market.i18n import fold

    return "".join(c for c in fold(text) if 32 <= ord(c) < 127 and c not in "()\\")


def _products(coop: Cooperative, prefixes: list[str]) -> list[Product]:
    found = []
    for prefix in prefixes:
        found += db.session.scalars(
            db.select(Product).join(ProductTranslation)
            .where(Product.cooperative_id == coop.id, ProductTranslation.locale == "vi",
                   ProductTranslation.name.startswith(prefix))
            .order_by(Product.id)).all()
    return found


def seed_ocop(private_dir: str, today: date | None = None) -> int:
    """Create the demo certificates that do not exist yet; returns how many were added."""
    added = 0
    for number, coop_name, prefixes, stars, decided, outcome, reviewer, notes in CERTIFICATES:
        if db.session.scalar(
            db.select(OcopCertificate.id).filter_by(certificate_number=number)) is not None:
            continue
        coop = db.session.scalar(db.select(Cooperative).filter_by(name=coop_name))
        products = _products(coop, prefixes) if coop else []
        if not products:
            continue
        document = _pdf([
            "DEMO - invented decision, not a real document",
            f"OCOP certificate {number}: {stars} stars",
            _ascii(coop.name)[:80],
            f"Decision date {decided.isoformat()}",
        ])
        cert = services.create_certificate(
            coop.id, {
                "product_ids": [p.id for p in products], "stars": stars,
                "level": "national" if stars == 5 else "provincial",
                "certificate_number": number, "decision_number": f"DEMO-{number[-4:]}/QĐ-UBND",
                "decision_date": decided, "notes": notes,
            },
            document_stream=io.BytesIO(document), private_dir=private_dir, submitted_by=None,
            today=decided,
        )
        if outcome in ("verified", "expired"):
            officer = accounts.find_by_email(reviewer)
            services.verify_certificate(cert, officer, today=decided)
        added += 1
    services.expire_due(today=today)
    db.session.flush()
    return added

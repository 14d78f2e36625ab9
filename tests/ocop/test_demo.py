from collections import Counter
from datetime import date

from market.demo.seed import seed
from market.extensions import db
from market.ocop import services
from market.ocop.demo import seed_ocop
from market.ocop.models import OcopCertificate

TODAY = date(2026, 11, 23)


def test_demo_has_verified_3_4_5_stars_one_pending_one_expired(ctx, tmp_path):
    seed(str(tmp_path / "media"), private_dir=str(tmp_path / "private"))
    certs = db.session.scalars(db.select(OcopCertificate)).all()
    assert all(c.certificate_number.startswith("DEMO-") for c in certs)
    # The decisions are private files: outside the public media folder.
    assert all(c.document and (tmp_path / "private" / c.document).read_bytes()
               .startswith(b"%PDF-") and not (tmp_path / "media" / c.document).exists()
               for c in certs)
    statuses = Counter(c.status for c in certs)
    assert statuses["submitted"] == 1 and statuses["expired"] == 1
    verified = [c for c in certs if c.status == "verified"]
    assert {c.stars for c in verified} == {3, 4, 5}
    five = next(c for c in verified if c.stars == 5)
    assert five.level == "national" and "GIẢ ĐỊNH" in five.notes
    assert all(c.products and all(p.cooperative_id == c.cooperative_id for p in c.products)
               for c in certs)
    ids = [p.id for c in certs for p in c.products]
    badges = services.badges_for_products(ids, today=TODAY)
    assert {b.stars for b in badges.values()} == {3, 4, 5}
    expired = next(c for c in certs if c.status == "expired")
    assert not any(p.id in badges for p in expired.products)
    assert [e.to_status for e in expired.events] == ["submitted", "verified", "expired"]

    assert seed_ocop(str(tmp_path)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OcopCertificate)) == len(certs)

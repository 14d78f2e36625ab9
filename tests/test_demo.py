from market.catalog.models import Product, ProductTranslation, ProductVariant
from market.demo.seed import seed
from market.extensions import db
from market.vendors.models import Cooperative


def _count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_demo_seed_is_rich_and_idempotent(ctx, tmp_path):
    first = seed(str(tmp_path))
    # one product per kind, its pack sizes as variants (no near-copies in the grids)
    assert first["cooperatives"] >= 12 and first["products"] >= 70
    assert _count(ProductVariant, ProductVariant.active.is_(True)) >= 150
    several = db.session.scalar(db.select(Product).join(Product.translations).where(
        ProductTranslation.name.like("Cà phê Robusta rang xay%")).limit(1))
    assert [v.label_vi for v in several.variants] == ["Gói 250 g", "Gói 500 g", "Gói 1 kg"]
    assert [v.label_en for v in several.variants] == ["250 g pack", "500 g pack", "1 kg pack"]
    assert several.variants[2].weight_grams == 1000 and not several.name("vi").endswith(" g")
    provinces = db.session.scalars(db.select(Cooperative.province_code).distinct()).all()
    assert len(provinces) >= 4
    first_coop = db.session.scalar(db.select(Cooperative).order_by(Cooperative.id))
    assert first_coop.province_code == 66  # Đắk Lắk first
    assert _count(Product, Product.status == "active") >= 70
    english = _count(ProductTranslation, ProductTranslation.locale == "en")
    assert 0 < english < _count(Product)  # some English text is missing on purpose
    assert all(p.images for p in db.session.scalars(db.select(Product).limit(20)))

    again = seed(str(tmp_path))
    assert again == {"cooperatives": 0, "products": 0, "users": 0, "categories": 0,
                     "registry entries": 0, "department orders": 0, "reviews": 0, "lots": 0,
                     "exchange rates": 0, "inquiries": 0}
    assert first["inquiries"] == 1  # an importer's quoted request for quotation
    assert first["lots"] == 5  # coffee and pepper harvest lots and their packed lots
    _demo_lots_are_complete_and_one_is_altered()
    assert first["reviews"] >= 5  # delivered demo orders, reviewed in vi and en
    assert first["department orders"] >= 100 and first["registry entries"] >= 10
    assert _count(Product) == first["products"]


def _demo_lots_are_complete_and_one_is_altered():
    """Every demo lot carries the Circular 02/2024/TT-BKHCN fields; the pepper harvest lot's
    altered record shows on its page and on the page of the lot packed from it."""
    from market.trace import export
    from market.trace import services as trace
    from market.trace.demo import PEPPER
    from market.trace.models import Lot

    lots = db.session.scalars(db.select(Lot).order_by(Lot.id)).all()
    assert len(lots) == 5
    for lot in lots:
        record = export.national_record(trace.trace_page(lot))
        assert export.missing_fields(record) == [], lot.code
        assert len(record["stages"]) >= 2 and record["images"], lot.code
    altered = {lot.product.name("vi") for lot in lots if not trace.trace_page(lot).intact}
    assert altered == {next(lot.product.name("vi") for lot in lots
                            if lot.product.name("vi").startswith(PEPPER[1]))}

"""Demo lots with full histories for the demo coffee (HTX Công Bằng Ea Kmat) and pepper
(HTX nông nghiệp Cư Kuin), loaded by `flask seed-demo` (idempotent: a product that has lots
is left alone). Dates, quantities, certificate numbers (DEMO-...) and lab results are
invented. One stored event of the pepper harvest lot is then altered directly in the
database, as an intruder would, so its trace page shows how tampering is flagged."""
from __future__ import annotations

from datetime import date

from market.catalog.models import Product, ProductTranslation
from market.extensions import db
from market.trace import services
from market.trace.models import Lot, LotEvent

COFFEE = ("Hợp tác xã Dịch vụ Nông nghiệp Công Bằng Ea Kmat", "Cà phê Robusta rang xay Ea Kmat")
PEPPER = ("Hợp tác xã nông nghiệp Cư Kuin", "Hồ tiêu đen Cư Kuin")
TAMPERED_NOTE = "Không phun thuốc trong suốt vụ."  # what the intruder wrote over the record


def _product(coop_name: str, prefix: str) -> Product | None:
    from market.vendors.models import Cooperative

    return db.session.scalar(
        db.select(Product).join(Cooperative).join(ProductTranslation)
        .where(Cooperative.name == coop_name, ProductTranslation.locale == "vi",
               ProductTranslation.name.startswith(prefix)).order_by(Product.id).limit(1))


def _event(lot, kind, day, **data):
    data.update(kind=kind, occurred_on=day)
    return services.record_on(lot, data)


def coffee_history(product: Product, *, year: int | None = None) -> tuple[Lot, list[Lot]]:
    """A Robusta harvest from input use to packed bags (shared with the tests). Last year's,
    so that no date is in the future whenever the demo is loaded."""
    year = year or date.today().year - 1
    coop = product.cooperative
    harvest = services.create_lot_for(coop, {
        "product_id": product.id, "kind": "harvest", "quantity": 1200, "unit": "kg",
        "produced_on": date(year, 11, 5), "best_before": date(year + 1, 11, 5),
        "area": "Buôn Ea Kmat, xã Hòa Đông, Đắk Lắk",
        "farms": "Hộ Y Nuê Buôn Dap; 12.7071; 108.2312\nHộ H'Lan Niê; 12.7103; 108.2290",
        "standards": "TCVN 4193:2014 (cà phê nhân); TCVN 5250:2015 (cà phê rang)"})
    place = {"place": "Vườn cà phê buôn Ea Kmat", "place_code": str(coop.commune_code or "")}
    _event(harvest, "input", date(year, 7, 10), step="fertiliser", input_name="Phân NPK 16-8-16",
           dose="300 kg/ha", actor="Tổ sản xuất số 2", notes_vi="Bón thúc đầu mùa mưa.",
           notes_en="Top dressing at the start of the rainy season.", **place)
    _event(harvest, "input", date(year, 9, 20), step="pesticide",
           input_name="Chế phẩm sinh học Beauveria", dose="2 kg/ha", phi_days="14",
           actor="Tổ sản xuất số 2", notes_vi="Phòng rệp sáp, cách ly 14 ngày trước thu hái.",
           notes_en="Against mealybugs; 14 days before picking.", **place)
    _event(harvest, "certification", date(year, 10, 1), scheme="vietgap",
           number="DEMO-VG-DLK-2026-118", issuer="Tổ chức chứng nhận (giả định)",
           valid_until=f"{year + 2}-09-30", notes_vi="Chứng nhận VietGAP cho vùng trồng 42 ha.",
           notes_en="VietGAP certificate for the 42 ha growing area.")
    _event(harvest, "harvest", date(year, 11, 5), actor="Các hộ thành viên",
           notes_vi="Hái chọn quả chín trên 90%.", notes_en="Selective picking, over 90% ripe.",
           **place)
    yard = {"place": "Sân phơi HTX Công Bằng Ea Kmat", "place_code": str(coop.commune_code or "")}
    _event(harvest, "processing", date(year, 11, 6), step="drying", actor="Xưởng sơ chế HTX",
           notes_vi="Phơi trên giàn tre 18 ngày, độ ẩm còn 12,5%.",
           notes_en="Dried on raised bamboo beds for 18 days, down to 12.5% moisture.", **yard)
    _event(harvest, "processing", date(year, 11, 24), step="hulling", actor="Xưởng sơ chế HTX",
           notes_vi="Xay vỏ, còn 240 kg cà phê nhân.", notes_en="Hulled: 240 kg of green beans.",
           **yard)
    _event(harvest, "processing", date(year, 11, 26), step="roasting", actor="Xưởng rang HTX",
           notes_vi="Rang mộc vừa, không tẩm.", notes_en="Medium roast, no additives.", **yard)
    _event(harvest, "lab", date(year, 11, 27), test="Ochratoxin A", result="< 2 µg/kg (đạt)",
           lab="Phòng thử nghiệm (giả định)", notes_vi="Mẫu lấy sau khi rang.",
           notes_en="Sampled after roasting.")
    variants = product.active_variants or product.variants
    parts = [{"taken": 100, "quantity": 400, "variant_id": variants[0].id, "unit": "gói"}]
    if len(variants) > 1:
        parts.append({"taken": 100, "quantity": 200, "variant_id": variants[1].id,
                      "unit": "gói"})
    packed = services.split_lot(harvest, parts, on=date(year, 11, 28))
    _event(packed[0], "shipping", date(year, 11, 30), destination="Kho HTX Market, TP. Hồ Chí Minh",
           actor="Giao hàng tiết kiệm", notes_vi="Gửi 120 gói đến kho bán lẻ.",
           notes_en="120 bags sent to the retail warehouse.")
    return harvest, packed


def pepper_history(product: Product, *, year: int | None = None) -> tuple[Lot, list[Lot]]:
    year = year or date.today().year - 1
    coop = product.cooperative
    harvest = services.create_lot_for(coop, {
        "product_id": product.id, "kind": "harvest", "quantity": 800, "unit": "kg",
        "produced_on": date(year, 3, 15), "best_before": date(year + 2, 3, 15),
        "area": "Thôn 11, xã Ea Ning, Đắk Lắk",
        "standards": "TCVN 7036:2008 (hạt tiêu đen)"})
    place = {"place": "Vườn tiêu thôn 11", "place_code": str(coop.commune_code or "")}
    _event(harvest, "input", date(year, 1, 12), step="pesticide", input_name="Dầu khoáng SK",
           dose="1,5 lít/200 lít nước", phi_days="21", actor="Tổ hợp tác tiêu",
           notes_vi="Phun một lần, cách ly 21 ngày trước thu hái.",
           notes_en="One spray, 21 days before picking.", **place)
    _event(harvest, "certification", date(year, 2, 1), scheme="ocop",
           number="DEMO-DLK-2025-0031", issuer="UBND tỉnh Đắk Lắk (giả định)",
           valid_until=f"{year + 2}-06-20", notes_vi="Sản phẩm OCOP 3 sao.",
           notes_en="3-star OCOP product.")
    _event(harvest, "harvest", date(year, 3, 15), actor="Các hộ thành viên",
           notes_vi="Thu hái khi chùm có quả chín đỏ.", notes_en="Picked once spikes turn red.",
           **place)
    _event(harvest, "processing", date(year, 3, 16), step="drying", actor="Sân phơi HTX",
           notes_vi="Phơi 4 ngày nắng, độ ẩm 12%.", notes_en="Sun-dried for 4 days to 12%.")
    _event(harvest, "processing", date(year, 3, 21), step="sorting", actor="Xưởng HTX",
           notes_vi="Sàng tuyển hạt 550 g/l.", notes_en="Sorted to 550 g/l density.")
    _event(harvest, "lab", date(year, 3, 25), test="Độ ẩm", result="12,1% (đạt)",
           lab="Phòng thử nghiệm (giả định)")
    variants = product.active_variants or product.variants
    packed = services.split_lot(harvest, [
        {"taken": 100, "quantity": 400, "variant_id": variants[0].id, "unit": "gói"}],
        on=date(year, 3, 28))
    return harvest, packed


def tamper(lot: Lot, seq: int, note: str = TAMPERED_NOTE) -> None:
    """Overwrite one stored event's notes behind the service's back (an UPDATE, as a
    database intruder would): its hash no longer matches."""
    db.session.execute(db.update(LotEvent).where(LotEvent.lot_id == lot.id,
                                                 LotEvent.seq == seq)
                       .values(notes_vi=note).execution_options(synchronize_session=False))
    db.session.expire(lot)


def seed() -> int:
    made = 0
    for (coop_name, prefix), build, altered in ((COFFEE, coffee_history, False),
                                                (PEPPER, pepper_history, True)):
        product = _product(coop_name, prefix)
        if product is None or services.latest_lots(product.id, 1):
            continue
        harvest, packed = build(product)
        if altered:
            tamper(harvest, 1)
        made += 1 + len(packed)
    return made

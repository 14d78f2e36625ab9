"""The packing slip: what a carrier needs to take one cooperative's parcel to the buyer
(recipient, phone, full address with commune/ward and province, the part's number, the
lines with their weights, and the cash to collect on delivery)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from market.accounts.models import Role
from market.catalog.models import ProductVariant
from market.errors import NotFound
from market.extensions import db
from market.geo import services as geo
from market.orders import shipping
from market.orders.models import PaymentMethod, VendorOrder

SIZES = ("a6", "a4")


@dataclass
class SlipLine:
    name: str
    quantity: int
    unit: str
    unit_weight_grams: int
    weight_grams: int
    weight_known: bool


@dataclass
class PackingSlip:
    vendor_order: VendorOrder
    number: str
    recipient: str
    phone: str
    address_line: str
    commune: str
    province: str
    sender: str
    sender_phone: str
    sender_address: str
    lines: list[SlipLine]
    total_weight_grams: int
    weight_estimated: bool  # some product has no recorded weight: counted as 1 kg a unit
    cod_amount: int  # 0 when the buyer paid in advance (VietQR, card)

    @property
    def prepaid(self) -> bool:
        return self.cod_amount == 0


def _visible_part(user, public_id: str) -> VendorOrder:
    """A cooperative's own part, or any part for an admin; everyone else: not found."""
    query = db.select(VendorOrder).filter_by(public_id=public_id)
    role = getattr(user, "role", None)
    if role == Role.COOP_STAFF.value and user.cooperative_id is not None:
        query = query.filter_by(cooperative_id=user.cooperative_id)
    elif role != Role.ADMIN.value:
        raise NotFound(_l("No such order."))
    vo = db.session.scalar(query)
    if vo is None:
        raise NotFound(_l("No such order."))
    return vo


def _place_name(place) -> str:
    # The official Vietnamese name on every slip, whatever the page's language: the parcel
    # travels in Vietnam and the carrier reads the address as written there.
    return place.name_vi if place else ""


def packing_slip(user, public_id: str) -> PackingSlip:
    vo = _visible_part(user, public_id)
    order, coop = vo.order, vo.cooperative
    weights = dict(db.session.execute(
        db.select(ProductVariant.id, ProductVariant.weight_grams)
        .where(ProductVariant.id.in_([line.variant_id for line in vo.lines]))).all())
    lines = []
    for line in vo.lines:
        known = bool(weights.get(line.variant_id))
        unit_weight = weights.get(line.variant_id) or shipping.DEFAULT_WEIGHT_GRAMS
        lines.append(SlipLine(line.title, line.quantity, line.unit, unit_weight,
                              unit_weight * line.quantity, known))
    coop_commune = geo.commune(coop.commune_code) if coop.commune_code else None
    sender_address = ", ".join(part for part in (
        coop.address, _place_name(coop_commune),
        _place_name(geo.province(coop.province_code))) if part)
    address_line = order.address_line
    commune = _place_name(geo.commune(order.commune_code))
    province = _place_name(geo.province(order.province_code))
    if order.country_code != shipping.HOME_COUNTRY:  # abroad: as the country's post writes it
        from market.accounts.addresses import format_foreign

        lines = format_foreign(order)[1:]  # without the recipient, printed above
        address_line, commune, province = ", ".join(lines[:-2]), lines[-2], lines[-1]
    return PackingSlip(
        vendor_order=vo, number=vo.number, recipient=order.name, phone=order.phone,
        address_line=address_line, commune=commune, province=province,
        sender=coop.name, sender_phone=coop.contact_phone, sender_address=sender_address,
        lines=lines, total_weight_grams=sum(line.weight_grams for line in lines),
        weight_estimated=not all(line.weight_known for line in lines),
        cod_amount=vo.total if order.payment_method == PaymentMethod.COD.value else 0,
    )

"""Checkout and the order pipeline: one Order per checkout, one VendorOrder per cooperative,
stock reserved atomically, every state change recorded."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from market import text
from market.accounts import addresses
from market.accounts.models import Role
from market.catalog.models import Product, ProductVariant
from market.catalog.services import public_products_query
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, NotFound, ValidationError
from market.extensions import begin_write, db
from market.geo import services as geo
from market.i18n import LOCALES
from market.intl.zones import NotShipped
from market.notifications import events
from market.orders import carriers, ledger, numbers, shipping, states
from market.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    PaymentMethod,
    VendorOrder,
    VendorOrderStatus,
)
from market.parsing import parse_int

S = VendorOrderStatus
MAX_QUANTITY = 999  # units in one order, all lines together
MAX_ORDER_LINES = 50
MAX_OPEN_ORDERS = 10  # per email address or API client, placed in the last 24 hours
DEFAULT_COMMISSION_BP = 500  # 5 %
# Parts that hold stock but no money yet: the buyer may still cancel them, and one client
# may hold only so many at a time.
OPEN_STATES = (S.PENDING_PAYMENT.value, S.CONFIRMED.value)
EMAIL_LENGTH = 254


@dataclass
class CheckoutLine:
    product_slug: str
    quantity: int
    seen_price: int | None = None  # the price the buyer saw, to tell them it changed
    # Which variant: its id (the cart), its SKU (the API), or None for the product's
    # default variant (a product without options).
    variant: int | str | None = None


@dataclass
class CheckoutProblem:
    product_slug: str
    reason: str  # unavailable, out_of_stock, price_changed, not_abroad, too_heavy, no_zone
    available: int | None = None
    price: int | None = None
    variant: str | None = None  # the variant's SKU, when known
    message: object = None  # abroad: why the parcel cannot go (a translatable message)


@dataclass
class _Wanted:
    product: Product
    variant: ProductVariant
    quantity: int


class CheckoutRefused(DomainError):
    """The cart changed under the buyer: prices or stock. `problems` says which lines."""

    code = "checkout_refused"
    status = 409

    def __init__(self, message, problems: list[CheckoutProblem]):
        super().__init__(message)
        self.problems = problems


@dataclass
class Contact:
    name: str
    email: str
    phone: str
    province_code: int
    commune_code: int
    address_line: str
    extra: dict = field(default_factory=dict)
    # Abroad: the country (ISO alpha-2) and its own address fields; province and commune 0.
    country_code: str = shipping.HOME_COUNTRY
    postal_code: str = ""
    city: str = ""
    country_area: str = ""
    city_area: str = ""

    @property
    def abroad(self) -> bool:
        return self.country_code != shipping.HOME_COUNTRY


def _clean_contact(contact: Contact) -> Contact:
    """Check and clean what a buyer typed: the email here, the delivery address (in Vietnam
    or abroad) by the rules the address book shares (accounts.addresses.clean_delivery).
    Every error at once."""
    errors = Collector()
    email = contact.email if isinstance(contact.email, str) else ""
    if text.too_long(email, EMAIL_LENGTH):
        errors.add("email", _l("At most %(n)d characters.", n=EMAIL_LENGTH))
    email = text.clean_line(email, EMAIL_LENGTH)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.add("email", _l("Enter a valid email address."))
    address = None
    try:
        address = addresses.clean_delivery(**{
            name: getattr(contact, name) for name in addresses.DELIVERY_FIELDS})
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    errors.raise_if_any()
    return Contact(email=email, extra=contact.extra, **addresses.columns(address))


# Inside Vietnam every method the platform offers; abroad only a card (Stripe): cash on
# delivery and a Vietnamese bank transfer cannot reach a buyer abroad.
ABROAD_METHODS = (PaymentMethod.STRIPE.value,)
METHOD_NOT_ABROAD = _l("Orders delivered abroad are paid by card; cash on delivery and bank "
                       "transfer are only for addresses in Vietnam.")


def methods_for(country_code, methods_available) -> list[str]:
    """The payment methods a delivery to this country may use."""
    if str(country_code or shipping.HOME_COUNTRY).upper() == shipping.HOME_COUNTRY:
        return list(methods_available)
    return [m for m in methods_available if m in ABROAD_METHODS]


def _check_lines(lines: list[CheckoutLine]) -> list[CheckoutLine]:
    """The limits hold for the whole order, not per line: 2 x 999 is not a way round 999."""
    if len(lines) > MAX_ORDER_LINES:
        raise DomainError(_l("An order holds at most %(n)d different products.",
                             n=MAX_ORDER_LINES), code="too_many_lines")
    checked = []
    for line in lines:
        # bool is an int in Python: `"quantity": true` is not one unit.
        if type(line.quantity) is not int or not 0 < line.quantity <= MAX_QUANTITY:
            raise DomainError(_l("Quantities must be between 1 and %(n)d.", n=MAX_QUANTITY),
                              code="bad_quantity")
        seen = line.seen_price if type(line.seen_price) is int else None
        variant = line.variant if isinstance(line.variant, (int, str)) \
            and not isinstance(line.variant, bool) else None
        checked.append(CheckoutLine(line.product_slug if isinstance(line.product_slug, str)
                                    else "", line.quantity, seen, variant))
    if sum(line.quantity for line in checked) > MAX_QUANTITY:
        raise DomainError(_l("An order holds at most %(n)d units in all.", n=MAX_QUANTITY),
                          code="bad_quantity")
    return checked


def find_variant(product: Product, ref) -> ProductVariant | None:
    """The variant a line names: by id, by SKU, or (None) the product's default one."""
    if ref is None or ref == "":
        return product.default_variant
    by_id = product.variant(ref) if isinstance(ref, int) or str(ref).isdigit() else None
    return by_id or next((v for v in product.variants if v.sku == str(ref)), None)


def _merge(lines: list[CheckoutLine], products: dict, problems: list
           ) -> OrderedDict[int, _Wanted]:
    """Two lines of one variant are one demand on its stock (an oversell elsewhere): lines
    merge by the variant they resolve to, whichever way they named it."""
    wanted: OrderedDict[int, _Wanted] = OrderedDict()
    for line in lines:
        product = products.get(line.product_slug)
        variant = find_variant(product, line.variant) if product else None
        if variant is None or not variant.active:
            problems.append(CheckoutProblem(line.product_slug, "unavailable",
                                            variant=variant.sku if variant else None))
            continue
        if line.seen_price is not None and line.seen_price != variant.price:
            problems.append(CheckoutProblem(line.product_slug, "price_changed",
                                            price=variant.price, variant=variant.sku))
        if variant.id in wanted:
            wanted[variant.id].quantity += line.quantity
        else:
            wanted[variant.id] = _Wanted(product, variant, line.quantity)
    return wanted


def _check_holds(contact: Contact, client_ref: str | None, max_open: int, now: datetime) -> None:
    """One email address, or one client of the anonymous API, may hold stock with only so
    many unpaid or unshipped orders at a time: placing orders is no way to empty a shop."""
    recent = now - timedelta(days=1)
    held = (db.select(db.func.count(db.distinct(Order.id)))
            .join(VendorOrder, VendorOrder.order_id == Order.id)
            .where(VendorOrder.status.in_(OPEN_STATES), Order.created_at >= recent))
    by_email = db.session.scalar(held.where(Order.email == contact.email.lower()))
    by_client = db.session.scalar(held.where(Order.client_ref == client_ref)) if client_ref else 0
    if max(by_email, by_client) >= max_open:
        raise DomainError(_l("You already have %(n)d orders waiting for payment or shipping. "
                             "Pay for or cancel one of them first.", n=max_open),
                          code="too_many_open_orders", status=429)


def _reserve(variant_id: int, quantity: int) -> bool:
    """Take one variant's stock with one conditional UPDATE: atomic on PostgreSQL and
    SQLite alike."""
    result = db.session.execute(
        db.update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.stock >= quantity)
        .values(stock=ProductVariant.stock - quantity)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def _release(vendor_order: VendorOrder) -> None:
    for line in vendor_order.lines:
        if line.variant_id is None:  # bulk-made history holds no stock
            continue
        db.session.execute(
            db.update(ProductVariant).where(ProductVariant.id == line.variant_id)
            .values(stock=ProductVariant.stock + line.quantity)
            .execution_options(synchronize_session="fetch")
        )


def place_order(
    *, lines: list[CheckoutLine], contact: Contact, payment_method: str, idempotency_key: str,
    buyer=None, locale: str = "vi", methods_available=("cod", "vietqr"),
    payment_timeout: timedelta = timedelta(hours=24), shipping_rates: dict | None = None,
    now: datetime | None = None, client_ref: str | None = None,
    max_open_orders: int = MAX_OPEN_ORDERS,
) -> Order:
    """Place one order for the whole cart, or refuse it whole. The same idempotency key
    always yields the same order (double click, retry, back button)."""
    begin_write(db.session())  # the caller starts checkout in a fresh transaction
    key = (idempotency_key or "").strip()
    if not 16 <= len(key) <= 80:
        raise DomainError(_l("This checkout form has expired; please reload it."),
                          code="bad_idempotency_key")
    existing = db.session.scalar(db.select(Order).filter_by(idempotency_key=key))
    if existing is not None:
        return existing
    if payment_method not in methods_available:
        raise DomainError(_l("Choose an available payment method."), code="bad_method")
    contact = _clean_contact(contact)
    if payment_method not in methods_for(contact.country_code, methods_available):
        raise ValidationError({"payment_method": METHOD_NOT_ABROAD}, code="method_not_abroad")
    lines = _check_lines(lines)
    if not lines:
        raise DomainError(_l("Your cart is empty."), code="empty_cart")

    now = now or utcnow()
    _check_holds(contact, client_ref, max_open_orders, now)
    slugs = list(dict.fromkeys(line.product_slug for line in lines))
    products = {
        p.slug: p for p in db.session.scalars(
            public_products_query().where(Product.slug.in_(slugs)).order_by(Product.id))
    }
    problems: list[CheckoutProblem] = []
    wanted = _merge(lines, products, problems)
    if not problems and contact.abroad:
        problems = _abroad_problems(wanted, contact.country_code)
    if problems:
        raise CheckoutRefused(_l("Some items in your cart changed. Please review them."),
                              problems)

    savepoint = db.session.begin_nested()
    try:
        # A fixed lock order (variant id): no deadlock between two checkouts.
        for variant_id in sorted(wanted):
            want = wanted[variant_id]
            if not _reserve(variant_id, want.quantity):
                db.session.refresh(want.variant, ["stock"])
                problems.append(CheckoutProblem(want.product.slug, "out_of_stock",
                                                available=want.variant.stock,
                                                variant=want.variant.sku))
        if problems:
            savepoint.rollback()
            raise CheckoutRefused(_l("Some items are no longer in stock in that quantity."),
                                  problems)
        order = _build_order(wanted, contact, payment_method, key, buyer, locale,
                             now, payment_timeout, shipping_rates)
        order.client_ref = client_ref
        _notify(order, "placed")
        for vo in order.vendor_orders:
            events.new_order(vo)
        savepoint.commit()
    except IntegrityError:
        # The same key committed by a concurrent request: that order is the answer.
        savepoint.rollback()
        existing = db.session.scalar(db.select(Order).filter_by(idempotency_key=key))
        if existing is None:
            raise
        return existing
    return order


def _abroad_problems(wanted: OrderedDict[int, _Wanted], country: str) -> list[CheckoutProblem]:
    """Every line whose cooperative cannot send its parcel to `country`: it does not ship
    abroad, the country is in no zone, or the parcel is above the weight limit."""
    by_coop: OrderedDict[int, list[_Wanted]] = OrderedDict()
    for want in wanted.values():
        by_coop.setdefault(want.product.cooperative_id, []).append(want)
    problems = []
    for coop_lines in by_coop.values():
        coop = coop_lines[0].product.cooperative
        try:
            _parcel_fee(coop, [(w.variant, w.quantity) for w in coop_lines], 0, None, country)
        except NotShipped as exc:
            problems += [CheckoutProblem(w.product.slug, exc.reason, variant=w.variant.sku,
                                         available=exc.limit_grams, message=exc.message)
                         for w in coop_lines]
    return problems


def shipping_quote(groups, destination_province: int, rates: dict | None = None,
                   country: str = shipping.HOME_COUNTRY) -> dict:
    """Shipping per cooperative (by cooperative id) for a cart going to this province (or,
    abroad, this country): the same rule place_order applies, so the buyer sees the fee
    before ordering. A cooperative that cannot send its parcel there is left out."""
    quote = {}
    for group in groups:
        try:
            quote[group.cooperative.id] = _parcel_fee(
                group.cooperative, [(line.variant, line.quantity) for line in group.lines],
                int(destination_province), rates, country)
        except NotShipped:
            continue
    return quote


def refusals(groups, country: str) -> dict:
    """Abroad: cooperative id -> why its parcel cannot go to `country` (a NotShipped)."""
    found = {}
    if country == shipping.HOME_COUNTRY:
        return found
    for group in groups:
        try:
            _parcel_fee(group.cooperative,
                        [(line.variant, line.quantity) for line in group.lines], 0, None,
                        country)
        except NotShipped as exc:
            found[group.cooperative.id] = exc
    return found


@dataclass
class CheckoutTotals:
    """What the checkout summary shows before "Place order": goods, shipping per
    cooperative (None until the province is known) and the grand total."""

    goods: int
    shipping: dict | None  # cooperative id -> fee
    refused: dict = field(default_factory=dict)  # abroad: cooperative id -> NotShipped
    country: str = shipping.HOME_COUNTRY

    @property
    def shipping_total(self) -> int | None:
        # Open while a parcel cannot go where the buyer asked (abroad): it must be removed.
        if self.shipping is None or self.refused:
            return None
        return sum(self.shipping.values())

    @property
    def total(self) -> int | None:
        return None if self.shipping_total is None else self.goods + self.shipping_total


def checkout_totals(summary, province_code, rates: dict | None = None,
                    country_code=None) -> CheckoutTotals:
    """The totals of a cart summary going to `province_code` (any input: a bad or missing
    province simply leaves shipping open), or abroad to `country_code`: then the parcels
    that cannot go there are in `refused` and the totals stay open until they are removed."""
    country = addresses.known_country(country_code) or shipping.HOME_COUNTRY
    if country != shipping.HOME_COUNTRY:
        refused = refusals(summary.groups, country)
        quote = shipping_quote(summary.groups, 0, rates, country)
        return CheckoutTotals(goods=summary.subtotal, shipping=quote, refused=refused,
                              country=country)
    province = geo.province(parse_int(province_code))
    return CheckoutTotals(
        goods=summary.subtotal,
        shipping=shipping_quote(summary.groups, province.code, rates) if province else None)


def _parcel_fee(coop, items, destination_province: int, rates: dict | None,
                country: str = shipping.HOME_COUNTRY) -> int:
    weight = sum((variant.weight_grams or shipping.DEFAULT_WEIGHT_GRAMS) * quantity
                 for variant, quantity in items)
    if country != shipping.HOME_COUNTRY and not coop.ships_abroad:
        raise NotShipped(_l("%(coop)s does not ship abroad.", coop=coop.name),
                                 "not_abroad")
    return shipping.parcel_fee(coop.province_code, destination_province, weight, rates, country)


def _unused_number() -> str:
    # 29^8 numbers: collisions are rare but, over millions of orders, not impossible.
    while True:
        number = numbers.new_number()
        if not db.session.scalar(db.select(Order.id).filter_by(number=number)):
            return number


def _build_order(wanted: OrderedDict[int, _Wanted], contact, payment_method, key, buyer, locale,
                 now, payment_timeout, shipping_rates) -> Order:
    by_coop: OrderedDict[int, list[_Wanted]] = OrderedDict()
    for want in sorted(wanted.values(), key=lambda w: (w.product.cooperative_id, w.product.id,
                                                       w.variant.position, w.variant.id)):
        by_coop.setdefault(want.product.cooperative_id, []).append(want)
    order = Order(
        number=_unused_number(), idempotency_key=key, buyer_id=buyer.id if buyer else None,
        email=contact.email.lower(), name=contact.name,
        phone=re.sub(r"[\s.-]", "", contact.phone), province_code=contact.province_code,
        commune_code=contact.commune_code, address_line=contact.address_line,
        country_code=contact.country_code, postal_code=contact.postal_code, city=contact.city,
        country_area=contact.country_area, city_area=contact.city_area,
        locale=locale if locale in LOCALES else "vi", payment_method=payment_method,
        subtotal=0, shipping_total=0, total=0, created_at=now,
    )
    db.session.add(order)
    initial = S.CONFIRMED if payment_method == PaymentMethod.COD.value else S.PENDING_PAYMENT
    for index, coop_lines in enumerate(by_coop.values(), start=1):
        coop = coop_lines[0].product.cooperative
        subtotal = sum(w.variant.price * w.quantity for w in coop_lines)
        fee = _parcel_fee(coop, [(w.variant, w.quantity) for w in coop_lines],
                          int(contact.province_code), shipping_rates, contact.country_code)
        vo = VendorOrder(
            number=numbers.part_number(order.number, index), cooperative_id=coop.id, status=initial.value, subtotal=subtotal,
            shipping_fee=fee, total=subtotal + fee,
            commission_rate_bp=coop.commission_rate_bp or DEFAULT_COMMISSION_BP,
            reserved_until=None if initial == S.CONFIRMED else now + payment_timeout,
            created_at=now,
        )
        for w in coop_lines:
            p, v, q = w.product, w.variant, w.quantity
            vo.lines.append(OrderLine(product_id=p.id, variant_id=v.id, name=p.name(locale),
                                      variant_label=v.label(locale), sku=v.sku, unit=p.unit,
                                      unit_price=v.price, quantity=q, line_total=v.price * q))
        vo.events.append(OrderEvent(actor_id=buyer.id if buyer else None, actor_role="buyer",
                                    from_status=None, to_status=initial.value, at=now))
        order.vendor_orders.append(vo)
        order.subtotal += subtotal
        order.shipping_total += fee
    order.total = order.subtotal + order.shipping_total
    db.session.flush()
    return order


# --- notifications ------------------------------------------------------------------------

_SUBJECTS = {
    "placed": lambda **kw: _l("Your order %(id)s is placed", **kw),
    "paid": lambda **kw: _l("Payment received for order %(id)s", **kw),
    "shipped": lambda **kw: _l("%(coop)s has shipped part of order %(id)s", **kw),
    "delivered": lambda **kw: _l("Part of order %(id)s was delivered", **kw),
    "link": lambda **kw: _l("Your link to order %(id)s", **kw),
}


def _notify(order: Order, kind: str, vendor_order: VendorOrder | None = None) -> None:
    """Queue the buyer's email in this transaction (sent later by `flask send-mail`)."""
    from market.i18n import format_vnd
    from market.notifications import services as notifications
    from market.orders import links

    subject = _SUBJECTS[kind](id=order.number,
                              coop=vendor_order.cooperative.name if vendor_order else "")
    tracking = ""
    if vendor_order and vendor_order.tracking_number:
        url = carriers.tracking_url(vendor_order.carrier, vendor_order.tracking_number)
        tracking = " ".join(filter(None, (carriers.display_name(vendor_order.carrier),
                                          vendor_order.tracking_number, url)))
    # The recipient's name was typed by whoever placed the order (maybe not the mailbox's
    # owner): it appears only as a labelled, quoted field, never as the platform's words.
    body = _l("Hello,\n\n%(subject)s.\n%(tracking)s\nOrder total: %(total)s\n"
              "Recipient given with the order: \"%(name)s\"\n"
              "Follow your order: %(url)s\n\n"
              "If you did not place this order, ignore this email.\n\nHTX Market",
              name=order.name, subject=subject, tracking=tracking,
              total=format_vnd(order.total, order.locale),
              url=links.order_url(order))
    notifications.enqueue(order.email, order.locale, subject, body)


def send_order_link(order: Order) -> None:
    """Mail the guest a fresh link to their order (links.resend decides whether to)."""
    _notify(order, "link")


# --- who may act --------------------------------------------------------------------------

def role_of(user, vendor_order: VendorOrder) -> str | None:
    """The user's role towards this vendor order, or None when it is none of theirs."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.role == Role.ADMIN.value:
        return states.ADMIN
    if user.role == Role.COOP_STAFF.value and user.cooperative_id == vendor_order.cooperative_id:
        return states.COOP
    if vendor_order.order.buyer_id == user.id:
        return states.BUYER
    return None


def transition(vendor_order: VendorOrder, to_status, *, actor=None, system: bool = False,
               payment: bool = False, as_buyer: bool = False, note: str = "",
               carrier: str = "", tracking_number: str = "",
               now: datetime | None = None) -> VendorOrder:
    """Move a vendor order on, if this actor may; record it; keep stock and ledger in step.

    `payment` is the payment path's role (money arrived or went back); only this module's
    payment functions pass it. `as_buyer`: the view checked that the guest session placed
    this order."""
    to = S(to_status)
    if payment:
        role = states.PAYMENT
    elif system:
        role = states.SYSTEM
    elif as_buyer:
        role = states.BUYER
    else:
        role = role_of(actor, vendor_order)
    if role is None:
        raise NotFound(_l("No such order."))
    frm = S(vendor_order.status)
    if not states.allowed(vendor_order.order.payment_method, frm, to, role):
        raise DomainError(
            _l("An order that is %(state)s cannot be moved to %(target)s by you.",
               state=status_label(frm), target=status_label(to)),
            code="illegal_transition", status=409,
        )
    if to == S.SHIPPED:
        carrier, tracking_number = carriers.clean_shipment(carrier, tracking_number)
    now = now or utcnow()
    if to in (S.CANCELLED, S.REFUNDED) and frm in states.STOCK_HELD:
        _release(vendor_order)
    if frm not in states.STOCK_HELD and to in states.STOCK_HELD:
        _reserve_again(vendor_order)  # a cancelled part comes back only with its stock
    vendor_order.status = to.value
    if to == S.SHIPPED:
        vendor_order.carrier, vendor_order.tracking_number = carrier, tracking_number
    if to == S.DELIVERED:
        vendor_order.delivered_at = now
    vendor_order.events.append(OrderEvent(
        actor_id=getattr(actor, "id", None), actor_role=role, from_status=frm.value,
        to_status=to.value, note=note[:300], at=now,
    ))
    db.session.flush()
    if to in (S.PACKED, S.SHIPPED):
        from market.trace import services as trace  # which lot each unit ships from

        trace.allocate(vendor_order)
    if to in (S.PAID, S.SHIPPED, S.DELIVERED):
        _notify(vendor_order.order, to.value, vendor_order)
    if to == S.PAID:
        events.payment_received(vendor_order)
    if states.was_paid(vendor_order) and to in (S.PAID, S.DELIVERED):
        ledger.record_sale(vendor_order)
    if to == S.REFUNDED:
        remaining = vendor_order.total - ledger.refunded_so_far(vendor_order)
        if remaining > 0:
            ledger.record_refund(vendor_order, remaining)
    return vendor_order


class StockGone(DomainError):
    code = "stock_gone"
    status = 409


def _reserve_again(vendor_order: VendorOrder) -> None:
    """Take every line's stock again (conditional UPDATEs), all of them or none."""
    savepoint = db.session.begin_nested()
    for line in sorted(vendor_order.lines, key=lambda line: line.variant_id or 0):
        if line.variant_id is None:
            continue
        if not _reserve(line.variant_id, line.quantity):
            savepoint.rollback()
            raise StockGone(_l("Some items of this order are no longer in stock."))
    savepoint.commit()


def expire_unpaid(now: datetime | None = None) -> int:
    """Cancel vendor orders whose payment did not arrive in time, releasing their stock."""
    now = now or utcnow()
    due = db.session.scalars(
        db.select(VendorOrder).where(VendorOrder.status == S.PENDING_PAYMENT.value,
                                     VendorOrder.reserved_until < now)
        .order_by(VendorOrder.id)
    ).all()
    for vo in due:
        transition(vo, S.CANCELLED, system=True, note="payment timeout", now=now)
    return len(due)


def is_late(vo: VendorOrder) -> bool:
    """Cancelled by the payment timeout, not by a person: a late payment may restore it."""
    last = vo.events[-1] if vo.events else None
    return (vo.status == S.CANCELLED.value and last is not None
            and last.actor_role == states.SYSTEM and not states.was_paid(vo))


def mark_order_paid(order: Order, *, actor=None, note: str = "",
                    now: datetime | None = None) -> list[VendorOrder]:
    """The buyer's one payment for the order arrived; only the payment path calls this.

    Parts awaiting payment become paid. Parts the payment timeout cancelled are restored,
    all of them or none, when their stock can be reserved again. Returns the parts this
    payment now pays for: whatever else it brought (parts a person cancelled, late parts
    whose stock is gone, an order paid twice) the caller must refund."""
    paid = [vo for vo in order.vendor_orders if vo.status == S.PENDING_PAYMENT.value]
    for vo in paid:
        transition(vo, S.PAID, actor=actor, payment=True, note=note, now=now)
    late = [vo for vo in order.vendor_orders if is_late(vo)]
    if late:
        savepoint = db.session.begin_nested()
        try:
            for vo in late:
                transition(vo, S.PAID, actor=actor, payment=True, note=f"late {note}"[:300],
                           now=now)
        except StockGone:
            savepoint.rollback()
            for vo in late:
                db.session.refresh(vo)
            late = []
        else:
            savepoint.commit()
    return paid + late


def refund_vendor_order(vendor_order: VendorOrder, *, actor=None, note: str = "",
                        now: datetime | None = None) -> VendorOrder:
    """The money for this part went back to the buyer (a refund made at the provider, an
    admin's transfer back, a decided dispute): the only way to REFUNDED."""
    return transition(vendor_order, S.REFUNDED, actor=actor, payment=True, note=note, now=now)


def cancellable(order: Order) -> bool:
    return any(vo.status in OPEN_STATES for vo in order.vendor_orders)


def cancel_order(order: Order, *, actor=None, guest: bool = False) -> int:
    """The buyer cancels every part that holds no money yet; returns how many."""
    count = 0
    for vo in order.vendor_orders:
        if vo.status in OPEN_STATES:
            transition(vo, S.CANCELLED, actor=actor, as_buyer=guest, note="cancelled by buyer")
            count += 1
    if not count:
        raise DomainError(_l("Nothing in this order can be cancelled any more."),
                          code="illegal_transition", status=409)
    return count


def order_for_transfer(reference: str, *, actor) -> Order:
    """The order a VietQR bank transfer reference belongs to; admins only (the transfer
    reached the platform's account, which only the platform sees)."""
    order = db.session.scalar(
        db.select(Order).filter_by(transfer_reference=(reference or "").strip().upper())
    )
    if order is None or getattr(actor, "role", None) != Role.ADMIN.value:
        raise NotFound(_l("No order has this transfer reference."))
    return order


SEARCH_LENGTH = 80


def _like(value: str) -> str:
    """A LIKE pattern that finds `value` anywhere, its own % and _ taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", value) + "%"


def vendor_orders_for(cooperative_id: int, status: str | None = None,
                      search: str | None = None) -> list[VendorOrder]:
    """A cooperative's own vendor orders only: the query is scoped here, not in views.
    `search` is an order number as typed (any case, with or without hyphens; the order's or
    the part's), or else part of the recipient's name or phone."""
    query = db.select(VendorOrder).filter_by(cooperative_id=cooperative_id)
    if status:
        query = query.filter_by(status=status)
    search = text.clean_line(search or "", SEARCH_LENGTH)
    if search:
        parsed = numbers.parse(search)
        query = query.join(Order, Order.id == VendorOrder.order_id)
        if parsed:
            number, part = parsed
            query = query.where(VendorOrder.number == numbers.part_number(number, part)
                                if part else Order.number == number)
        else:
            condition = Order.name.ilike(_like(search), escape="\\")
            if re.search(r"\d", search):
                condition |= Order.phone.like(_like(re.sub(r"[\s.-]", "", search)),
                                              escape="\\")
            query = query.where(condition)
    return list(db.session.scalars(query.order_by(VendorOrder.created_at.desc())))


def vendor_order_for(cooperative_id: int, public_id: str) -> VendorOrder:
    vo = db.session.scalar(
        db.select(VendorOrder).filter_by(cooperative_id=cooperative_id, public_id=public_id)
    )
    if vo is None:
        raise NotFound(_l("No such order."))
    return vo


def may_view(order: Order, user, guest_order_ids: list[str],
             linked_order_id: str | None = None) -> bool:
    """The buyer who placed it, the guest session that placed it, whoever holds the signed
    link to a guest's order (`linked_order_id`: the order the link names, see links.py),
    or an admin."""
    if order.public_id in guest_order_ids:
        return True
    if linked_order_id is not None and order.buyer_id is None \
            and linked_order_id == order.public_id:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.ADMIN.value or order.buyer_id == user.id


def orders_of(buyer, query: str | None = None) -> list[Order]:
    """The buyer's own orders, newest first; `query` (an order number as typed: any case,
    with or without hyphens, a cooperative part's suffix) narrows them to that order."""
    select = db.select(Order).filter_by(buyer_id=buyer.id)
    if query and query.strip():
        parsed = numbers.parse(query)
        if parsed is None:
            return []
        select = select.filter_by(number=parsed[0])
    return list(db.session.scalars(select.order_by(Order.created_at.desc(), Order.id.desc())))


def get_order(public_id: str) -> Order:
    order = db.session.scalar(db.select(Order).filter_by(public_id=public_id))
    if order is None:
        raise NotFound(_l("No such order."))
    return order


# --- what the buyer's order page shows ----------------------------------------------------

@dataclass
class Parcel:
    """One cooperative's part as the buyer follows it."""

    vendor_order: VendorOrder
    carrier_name: str
    tracking_url: str | None

    @property
    def cancellable(self) -> bool:  # the same rule as cancel_order's
        return self.vendor_order.status in OPEN_STATES


@dataclass
class OrderView:
    address_lines: list[str]  # recipient, phone, street, commune/ward, province
    payment_method: str  # a PaymentMethod value
    payment_state: str  # awaiting_transfer, awaiting_card, paid, cod, refunded, unpaid
    parcels: list[Parcel]


def payment_state(order: Order) -> str:
    """Where the buyer's money stands, in one word for the order page."""
    method = order.payment_method
    if method == PaymentMethod.COD.value:
        return "cod"
    statuses = {vo.status for vo in order.vendor_orders}
    if S.PENDING_PAYMENT.value in statuses:
        return "awaiting_card" if method == PaymentMethod.STRIPE.value else "awaiting_transfer"
    if statuses == {S.REFUNDED.value}:
        return "refunded"
    if any(states.was_paid(vo) for vo in order.vendor_orders):
        return "paid"
    return "unpaid"  # cancelled before any money arrived


def order_view(order: Order, lang: str) -> OrderView:
    if order.country_code != shipping.HOME_COUNTRY:
        lines = addresses.format_foreign(order)
        return OrderView(
            address_lines=lines[:1] + [order.phone] + lines[1:],
            payment_method=order.payment_method, payment_state=payment_state(order),
            parcels=[Parcel(vo, carriers.display_name(vo.carrier),
                            carriers.tracking_url(vo.carrier, vo.tracking_number))
                     for vo in order.vendor_orders])
    province, commune = geo.province(order.province_code), geo.commune(order.commune_code)
    address = [order.name, order.phone, order.address_line,
               commune.name(lang) if commune else "", province.name(lang) if province else ""]
    return OrderView(
        address_lines=[line for line in address if line],
        payment_method=order.payment_method, payment_state=payment_state(order),
        parcels=[Parcel(vo, carriers.display_name(vo.carrier),
                        carriers.tracking_url(vo.carrier, vo.tracking_number))
                 for vo in order.vendor_orders])


def status_label(status) -> str:
    labels = {
        S.PENDING_PAYMENT: _l("awaiting payment"), S.PAID: _l("paid"),
        S.CONFIRMED: _l("confirmed"), S.PACKED: _l("packed"), S.SHIPPED: _l("shipped"),
        S.DELIVERED: _l("delivered"), S.COMPLETED: _l("completed"),
        S.CANCELLED: _l("cancelled"), S.REFUNDED: _l("refunded"),
    }
    return str(labels[S(status)])


# Parts a cooperative must pack now: paid (prepaid) or confirmed (cash on delivery).
TO_PACK = (S.PAID.value, S.CONFIRMED.value)


def to_pack(cooperative_id: int, limit: int = 10) -> tuple[int, list[VendorOrder]]:
    """How many of the cooperative's parts wait to be packed, and the oldest of them."""
    scope = db.select(VendorOrder).where(VendorOrder.cooperative_id == cooperative_id,
                                         VendorOrder.status.in_(TO_PACK))
    count = db.session.scalar(db.select(db.func.count()).select_from(scope.subquery()))
    oldest = db.session.scalars(scope.order_by(VendorOrder.created_at, VendorOrder.id)
                                .limit(limit))
    return count, list(oldest)


# --- what reviews and the cooperative's rating need (market/reviews calls these) ---------------

RECEIVED = (S.DELIVERED.value, S.COMPLETED.value)  # the buyer has the goods


def buyer_line(user, vendor_order_public_id: str, position: int) -> OrderLine:
    """Line `position` (1-based) of one of the user's own vendor orders; anyone else's, or a
    line that does not exist, is 'no such order'."""
    vo = db.session.scalar(db.select(VendorOrder).filter_by(public_id=vendor_order_public_id))
    if (vo is None or user is None or not getattr(user, "is_authenticated", False)
            or vo.order.buyer_id != user.id or not 1 <= position <= len(vo.lines)):
        raise NotFound(_l("No such order."))
    return vo.lines[position - 1]


def line_vendor_order(line: OrderLine) -> VendorOrder:
    return db.session.get(VendorOrder, line.vendor_order_id)


def received(vendor_order: VendorOrder) -> bool:
    return vendor_order.status in RECEIVED


def line_buyer_id(line: OrderLine) -> int | None:
    return line_vendor_order(line).order.buyer_id


@dataclass
class ShippingRecord:
    days: int  # the promise: shipped within this many days of payment or confirmation
    counted: int  # parts paid/confirmed in the period whose promise has come due
    on_time: int

    @property
    def share(self) -> float | None:
        return self.on_time / self.counted if self.counted else None


def shipping_record(cooperative_id: int, *, days: int = 3, period_days: int = 365,
                    now: datetime | None = None) -> ShippingRecord:
    """How often the cooperative ships on time, from the order events: of its parts paid
    (prepaid) or confirmed (cash on delivery) in the last `period_days`, the share shipped
    within `days` of that moment. A part cancelled before shipping is not counted; one still
    unshipped after `days` counts as late; one still inside its `days` is not counted yet."""
    now = now or utcnow()
    start_states = (S.PAID.value, S.CONFIRMED.value)
    started = (db.select(OrderEvent.vendor_order_id.label("vo_id"),
                         db.func.min(OrderEvent.at).label("at"))
               .join(VendorOrder, VendorOrder.id == OrderEvent.vendor_order_id)
               .where(VendorOrder.cooperative_id == cooperative_id,
                      OrderEvent.to_status.in_(start_states))
               .group_by(OrderEvent.vendor_order_id).subquery())
    shipped = (db.select(OrderEvent.vendor_order_id.label("vo_id"),
                         db.func.min(OrderEvent.at).label("at"))
               .join(VendorOrder, VendorOrder.id == OrderEvent.vendor_order_id)
               .where(VendorOrder.cooperative_id == cooperative_id,
                      OrderEvent.to_status == S.SHIPPED.value)
               .group_by(OrderEvent.vendor_order_id).subquery())
    rows = db.session.execute(
        db.select(started.c.at, shipped.c.at, VendorOrder.status)
        .join(VendorOrder, VendorOrder.id == started.c.vo_id)
        .outerjoin(shipped, shipped.c.vo_id == started.c.vo_id)
        .where(started.c.at >= now - timedelta(days=period_days)))
    promise = timedelta(days=days)
    counted = on_time = 0
    for began, sent, status in rows:
        began, sent = _aware(began), _aware(sent)
        if sent is None:
            if status in (S.CANCELLED.value, S.REFUNDED.value) or now - began <= promise:
                continue
            counted += 1
            continue
        counted += 1
        on_time += sent - began <= promise
    return ShippingRecord(days=days, counted=counted, on_time=on_time)


def _aware(value: datetime | None) -> datetime | None:
    """An aggregate's datetime as aware UTC, whatever the driver returned."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value

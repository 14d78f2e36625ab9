"""Requests for quotation (RFQ) -> quote -> agreement, for wholesale and export buyers.

A cooperative opens its products (or all of them, and goods it did not list) to inquiries.
A signed-in buyer sends an RFQ; the cooperative quotes; the buyer accepts, declines or
counters; the cooperative re-quotes; an accepted quote becomes an Agreement with both parties
and the terms as accepted. Every step is one transition of TRANSITIONS, recorded as an
RfqEvent with who, when, from and to which state, and mailed through the outbox.

Who sees what: the buyer their own inquiries, the cooperative's staff those addressed to it
(anyone else: "no such inquiry"); the Department only `province_summary`, which holds counts
and volumes, never a buyer's name or contact."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from market import text as clean
from market.accounts.models import Role
from market.catalog import services as catalog
from market.catalog.models import Category, Product
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, NotFound, PermissionDenied
from market.extensions import db
from market.ocop import services as ocop
from market.parsing import parse_date, parse_int
from market.vendors import services as vendors
from market.vendors.models import Cooperative
from market.wholesale import emails, terms
from market.wholesale.models import (
    CLOSED,
    Agreement,
    Quote,
    Rfq,
    RfqEvent,
    RfqStatus,
    WholesaleProduct,
    WholesaleProfile,
)

S = RfqStatus
BUYER, COOPERATIVE = "buyer", "cooperative"
MAX_MESSAGE = 2000
MAX_LINE = 120
MAX_TARGET_DAYS = 730  # a target date more than two years ahead is a typo
MAX_VALIDITY_DAYS = 365
MAX_LEAD_DAYS = 365
MAX_PRICE_VND = 10**13  # per unit: a 40' container of the dearest goods stays far below
PAGE_SIZE = 100
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- the state machine -------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    side: str
    sources: frozenset
    target: str


TRANSITIONS = {
    "sent": Transition(BUYER, frozenset({None}), S.OPEN.value),
    "quoted": Transition(COOPERATIVE, frozenset({S.OPEN.value, S.QUOTED.value,
                                                 S.COUNTERED.value}), S.QUOTED.value),
    "countered": Transition(BUYER, frozenset({S.QUOTED.value}), S.COUNTERED.value),
    "accepted": Transition(BUYER, frozenset({S.QUOTED.value}), S.ACCEPTED.value),
    "declined": Transition(BUYER, frozenset({S.QUOTED.value}), S.DECLINED.value),
    "withdrawn": Transition(BUYER, frozenset({S.OPEN.value, S.COUNTERED.value}),
                            S.WITHDRAWN.value),
    "refused": Transition(COOPERATIVE, frozenset({S.OPEN.value, S.COUNTERED.value}),
                          S.REFUSED.value),
}

STATUS_LABELS = {
    S.OPEN.value: _l("waiting for a quote"), S.QUOTED.value: _l("quoted"),
    S.COUNTERED.value: _l("counter-offer sent"), S.ACCEPTED.value: _l("accepted"),
    S.DECLINED.value: _l("declined by the buyer"), S.WITHDRAWN.value: _l("withdrawn"),
    S.REFUSED.value: _l("declined by the cooperative"),
}
ACTION_LABELS = {
    "sent": _l("Request sent"), "quoted": _l("Quote"), "countered": _l("Counter-offer"),
    "accepted": _l("Quote accepted"), "declined": _l("Quote declined"),
    "withdrawn": _l("Request withdrawn"), "refused": _l("Declined to quote"),
}
CLOSED_MESSAGES = {
    S.ACCEPTED.value: _l("This quote has already been accepted: the agreement is made."),
    S.DECLINED.value: _l("This inquiry is closed: the buyer declined the quote."),
    S.WITHDRAWN.value: _l("This inquiry is closed: the buyer withdrew it."),
    S.REFUSED.value: _l("This inquiry is closed: the cooperative declined to quote."),
}


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


def allowed(rfq: Rfq, side: str) -> set[str]:
    """The actions `side` may take on the inquiry now."""
    return {action for action, t in TRANSITIONS.items()
            if t.side == side and rfq.status in t.sources}


def _check(rfq: Rfq, action: str, side: str) -> Transition:
    transition = TRANSITIONS[action]
    if rfq.status in CLOSED:
        raise InvalidTransition(CLOSED_MESSAGES[rfq.status], code=f"rfq_{rfq.status}")
    if transition.side != side:
        raise PermissionDenied(_l("Only the buyer can do this.") if transition.side == BUYER
                               else _l("Only the cooperative can do this."))
    if rfq.status not in transition.sources:
        if action in ("accepted", "declined", "countered"):
            message = _l("There is no quote to answer: the cooperative's turn.")
        elif action == "quoted":  # unreachable: every open state may be quoted
            message = _l("This inquiry cannot be quoted now.")
        else:
            message = _l("A quote is waiting for the buyer's answer: accept, decline or "
                         "counter it.")
        raise InvalidTransition(message)
    return transition


def _move(rfq: Rfq, action: str, actor, side: str, message: str = "", **extra) -> RfqEvent:
    transition = _check(rfq, action, side) if action != "sent" else TRANSITIONS["sent"]
    event = RfqEvent(rfq=rfq, actor_id=actor.id, side=side, action=action,
                     from_status=None if action == "sent" else rfq.status,
                     to_status=transition.target, message=message, **extra)
    rfq.status = transition.target
    rfq.updated_at = utcnow()
    db.session.add(event)
    db.session.flush()
    return event


# --- who may see an inquiry -------------------------------------------------------------------

def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _staff_coop(user) -> int | None:
    if _signed_in(user) and user.role == Role.COOP_STAFF.value:
        return user.cooperative_id
    return None


def side_of(user, rfq: Rfq) -> str | None:
    if not _signed_in(user):
        return None
    if rfq.buyer_id == user.id:
        return BUYER
    if _staff_coop(user) is not None and _staff_coop(user) == rfq.cooperative_id:
        return COOPERATIVE
    return None


def get_for(user, public_id: str, *, for_update: bool = False) -> tuple[Rfq, str]:
    """The inquiry and the user's side in it; anyone but its buyer and the addressed
    cooperative's staff is told there is no such inquiry."""
    query = db.select(Rfq).filter_by(public_id=str(public_id)[:16])
    if for_update:
        query = query.with_for_update()
    rfq = db.session.scalar(query)
    side = side_of(user, rfq) if rfq is not None else None
    if side is None:
        raise NotFound(_l("No such inquiry."))
    if for_update:
        db.session.refresh(rfq)
    return rfq, side


# --- the vendor setting ----------------------------------------------------------------------

def _profile(cooperative_id: int) -> WholesaleProfile | None:
    return db.session.get(WholesaleProfile, cooperative_id)


def takes_rfq(cooperative_id: int, product_id: int | None = None) -> bool:
    """Whether the cooperative (or this product of it) takes requests for quotation: one
    query, for the storefront's button."""
    listed = WholesaleProduct.cooperative_id == cooperative_id
    if product_id is not None:
        listed = listed & (WholesaleProduct.product_id == product_id)
    return bool(db.session.scalar(sa.select(sa.or_(
        sa.exists().where(WholesaleProfile.cooperative_id == cooperative_id,
                          WholesaleProfile.accepts_all.is_(True)),
        sa.exists().where(listed)))))


def rfq_takers() -> dict[int, tuple[bool, frozenset[int]]]:
    """Every cooperative that takes requests for quotation: id -> (accepts all its
    products, the products it listed); takes_rfq in two queries for the whole site."""
    takers: dict[int, tuple[bool, set[int]]] = {}
    for coop_id in db.session.scalars(sa.select(WholesaleProfile.cooperative_id).where(
            WholesaleProfile.accepts_all.is_(True))):
        takers[coop_id] = (True, set())
    for coop_id, product_id in db.session.execute(
            sa.select(WholesaleProduct.cooperative_id, WholesaleProduct.product_id)):
        takers.setdefault(coop_id, (False, set()))[1].add(product_id)
    return {c: (everything, frozenset(ids)) for c, (everything, ids) in takers.items()}


def taker_takes(takers: dict, cooperative_id: int, product_id: int | None = None) -> bool:
    """takes_rfq, answered from rfq_takers()."""
    everything, listed = takers.get(cooperative_id, (False, frozenset()))
    return everything or (bool(listed) if product_id is None else product_id in listed)


def product_takes_rfq(product: Product) -> bool:
    return takes_rfq(product.cooperative_id, product.id)


def rfq_products(cooperative_id: int) -> list[Product]:
    """The cooperative's public products that take inquiries."""
    profile = _profile(cooperative_id)
    query = catalog.public_products_query().where(Product.cooperative_id == cooperative_id)
    if not (profile and profile.accepts_all):
        query = query.where(Product.id.in_(
            db.select(WholesaleProduct.product_id)
            .where(WholesaleProduct.cooperative_id == cooperative_id)))
    return list(db.session.scalars(query.order_by(Product.id)))


def cooperative_takes_rfq(cooperative_id: int) -> bool:
    profile = _profile(cooperative_id)
    return bool(profile and profile.accepts_all) or bool(rfq_products(cooperative_id))


def _require_staff(user) -> int:
    coop_id = _staff_coop(user)
    if coop_id is None:
        raise PermissionDenied(_l("This page is for cooperative staff."))
    return coop_id


@dataclass
class Settings:
    accepts_all: bool
    products: list[Product]
    chosen: set[int]


def settings_for(user) -> Settings:
    coop_id = _require_staff(user)
    profile = _profile(coop_id)
    products = list(db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop_id).order_by(Product.id)))
    chosen = set(db.session.scalars(db.select(WholesaleProduct.product_id)
                                    .where(WholesaleProduct.cooperative_id == coop_id)))
    return Settings(bool(profile and profile.accepts_all), products, chosen)


def save_settings(user, *, accepts_all: bool, product_ids) -> Settings:
    """Which of its products take inquiries (ids of other cooperatives' products are
    ignored), and whether all do."""
    coop_id = _require_staff(user)
    profile = _profile(coop_id) or WholesaleProfile(cooperative_id=coop_id)
    profile.accepts_all = bool(accepts_all)
    db.session.add(profile)
    wanted = {i for i in (parse_int(v) for v in product_ids) if i is not None}
    own = set(db.session.scalars(db.select(Product.id).where(
        Product.cooperative_id == coop_id, Product.id.in_(wanted)))) if wanted else set()
    db.session.execute(db.delete(WholesaleProduct).where(
        WholesaleProduct.cooperative_id == coop_id,
        WholesaleProduct.product_id.not_in(own) if own else sa.true()))
    existing = set(db.session.scalars(db.select(WholesaleProduct.product_id)
                                      .where(WholesaleProduct.cooperative_id == coop_id)))
    for product_id in sorted(own - existing):
        db.session.add(WholesaleProduct(product_id=product_id, cooperative_id=coop_id))
    db.session.flush()
    return settings_for(user)


# --- sending an inquiry ----------------------------------------------------------------------

def today_vn() -> date:
    return ocop.today_in_vietnam()


@dataclass
class Target:
    """Where an RFQ form points: a cooperative, and one of its products or a choice."""

    cooperative: Cooperative
    product: Product | None
    products: list[Product]
    open_goods: bool  # may ask for goods it did not list


def target_for_product(slug: str) -> Target:
    product = catalog.get_public_product(slug)
    if not product_takes_rfq(product):
        raise NotFound(_l("This product does not take requests for quotation."))
    return Target(product.cooperative, product, [product], False)


def target_for_cooperative(slug: str) -> Target:
    coop = vendors.get_public(slug)
    profile = _profile(coop.id)
    products = rfq_products(coop.id)
    open_goods = bool(profile and profile.accepts_all)
    if not products and not open_goods:
        raise NotFound(_l("This cooperative does not take requests for quotation."))
    return Target(coop, None, products, open_goods)


def _top_category(product: Product | None) -> int | None:
    if product is None or product.category_id is None:
        return None
    category = db.session.get(Category, product.category_id)
    return category.parent_id or category.id


def _parse_quantity(value, unit: str | None, errors: Collector, field: str = "quantity"):
    quantity = parse_int(str(value or "").replace(" ", "").replace(".", "").replace(",", ""))
    if quantity is None or quantity <= 0:
        errors.add(field, _l("Enter the quantity as a whole number above zero."))
        return None
    if unit in terms.UNITS_BY_CODE and quantity > terms.UNITS_BY_CODE[unit].max_quantity:
        errors.add(field, _l("At most %(n)s %(unit)s in one inquiry.",
                             n=f"{terms.UNITS_BY_CODE[unit].max_quantity:,}",
                             unit=terms.UNITS_BY_CODE[unit].label))
        return None
    return quantity


def _line(data: dict, key: str, errors: Collector, required_message=None,
          max_length: int = MAX_LINE) -> str:
    value = data.get(key)
    if clean.too_long(value, max_length):
        errors.add(key, _l("Keep this under %(n)d characters.", n=max_length))
    value = clean.clean_line(value, max_length)
    if required_message is not None and not value:
        errors.add(key, required_message)
    return value


def _block(data: dict, key: str, errors: Collector) -> str:
    value = data.get(key)
    if clean.too_long(value, MAX_MESSAGE):
        errors.add(key, _l("Keep the message under %(n)d characters.", n=MAX_MESSAGE))
    return clean.clean_block(value, MAX_MESSAGE)


def require_buyer(user) -> None:
    if not _signed_in(user):
        raise PermissionDenied(_l("Sign in to send a request for quotation."))
    if user.role != Role.BUYER.value:
        raise PermissionDenied(_l("Requests for quotation are sent from a buyer's account."))


def create_rfq(user, target: Target, data: dict, *, today: date | None = None) -> Rfq:
    """A signed-in buyer's inquiry to `target`'s cooperative. Every field error is reported
    at once (ValidationError); nothing is stored then."""
    require_buyer(user)
    today = today or today_vn()
    errors = Collector()
    product = target.product
    goods = ""
    if product is None:
        chosen = str(data.get("product") or "")
        product = next((p for p in target.products if p.slug == chosen), None)
        if product is None and not (target.open_goods and chosen == ""):
            errors.add("product", _l("Choose one of the cooperative's products."))
    if product is not None:
        goods = product.name(user.locale or "vi")
    else:
        goods = _line(data, "goods", errors, _l("Say which goods you are asking for."), 200)
    unit = str(data.get("unit") or "")
    if unit not in terms.UNITS_BY_CODE:
        errors.add("unit", _l("Choose a unit: kg, tonnes or containers."))
        unit = None
    quantity = _parse_quantity(data.get("quantity"), unit, errors)
    incoterm = str(data.get("incoterm") or "").upper()
    if incoterm not in terms.INCOTERMS_BY_CODE:
        errors.add("incoterm", _l("Choose an Incoterm (Incoterms 2020)."))
    place = _line(data, "incoterm_place", errors,
                  _l("Name the place or port for the Incoterm (e.g. FOB Ho Chi Minh City)."))
    country = str(data.get("destination_country") or "").upper()
    if country not in terms.COUNTRY_CODES:
        errors.add("destination_country", _l("Choose the country of destination."))
    port = _line(data, "destination_port", errors)
    target_date = parse_date(data.get("target_date"))
    if target_date is None:
        errors.add("target_date", _l("Enter the date you need the goods by (YYYY-MM-DD)."))
    elif target_date <= today:
        errors.add("target_date", _l("The target date must be after today."))
    elif target_date > today + timedelta(days=MAX_TARGET_DAYS):
        errors.add("target_date", _l("The target date must be within two years."))
    message = _block(data, "message", errors)
    company = _line(data, "company", errors, max_length=200)
    phone = _line(data, "contact_phone", errors, max_length=30)
    if phone and not re.fullmatch(r"\+?[0-9 ().-]{6,30}", phone):
        errors.add("contact_phone", _l("Enter a phone number with digits only (and +)."))
    errors.raise_if_any()
    rfq = Rfq(buyer_id=user.id, cooperative_id=target.cooperative.id,
              product_id=product.id if product else None, commodity_id=_top_category(product),
              goods=goods, quantity=quantity, unit=unit, quantity_kg=terms.to_kg(quantity, unit),
              incoterm=incoterm, incoterm_place=place, destination_country=country,
              destination_port=port, target_date=target_date, message=message,
              contact_name=user.name, company=company, contact_email=user.email,
              contact_phone=phone)
    db.session.add(rfq)
    db.session.flush()
    _move(rfq, "sent", user, BUYER, message)
    emails.rfq_sent(rfq)
    return rfq


# --- the cooperative's quote ------------------------------------------------------------------

def parse_usd_cents(value) -> int | None:
    """"4,250.50" or "4250.5" -> 425050; None when not a positive amount with 2 decimals."""
    text = str(value or "").strip().replace("$", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")) \
            or amount > 10**9:
        return None
    return int(amount * 100)


def offered_certificates(cooperative_id: int, today: date | None = None) -> list:
    """The cooperative's OCOP certificates that are verified and valid today."""
    from market.ocop.models import OcopCertificate

    today = today or today_vn()
    certs = db.session.scalars(db.select(OcopCertificate).where(
        OcopCertificate.cooperative_id == cooperative_id).order_by(OcopCertificate.id))
    return [c for c in certs if c.is_valid_on(today)]


def quote(user, public_id: str, data: dict, *, today: date | None = None) -> Quote:
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "quoted", side)
    today = today or today_vn()
    errors = Collector()
    price = catalog.parse_vnd(data.get("price_vnd"))
    if price is None or price <= 0 or price > MAX_PRICE_VND:
        errors.add("price_vnd", _l("Enter the price per unit in whole đồng, e.g. 125000000."))
    price_unit = str(data.get("price_unit") or "")
    if price_unit not in terms.price_units(rfq.unit):
        errors.add("price_unit", _l("Choose the unit the price is for."))
    usd = None
    if str(data.get("price_usd") or "").strip():
        usd = parse_usd_cents(data.get("price_usd"))
        if usd is None:
            errors.add("price_usd", _l("Enter the USD figure as a number such as 4250.50, or "
                                       "leave it empty."))
    quantity = _parse_quantity(data.get("quantity"), rfq.unit, errors)
    min_order = _parse_quantity(data.get("min_order"), rfq.unit, errors, "min_order")
    if quantity and min_order and min_order > quantity:
        errors.add("min_order", _l("The minimum order cannot be more than the quoted "
                                   "quantity."))
    valid_until = parse_date(data.get("valid_until"))
    if valid_until is None or valid_until < today:
        errors.add("valid_until", _l("The quote must be valid until today or a later day."))
    elif valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
        errors.add("valid_until", _l("A quote can be valid for a year at most."))
    lead = parse_int(data.get("lead_time_days"))
    if lead is None or not 0 <= lead <= MAX_LEAD_DAYS:
        errors.add("lead_time_days", _l("Enter the lead time in days, from 0 to %(n)d.",
                                        n=MAX_LEAD_DAYS))
    offered = {c.public_id: c for c in offered_certificates(rfq.cooperative_id, today)}
    wanted = [str(v) for v in data.get("certifications") or []]
    if any(v not in offered for v in wanted):
        errors.add("certifications", _l("Offer only your own OCOP certificates that are "
                                        "verified and valid."))
    other = _line(data, "other_certifications", errors, max_length=300)
    note = _block(data, "note", errors)
    errors.raise_if_any()
    q = Quote(rfq=rfq, author_id=user.id, quantity=quantity, price_vnd=price,
              price_unit=price_unit, price_usd_cents=usd, min_order=min_order,
              valid_until=valid_until, lead_time_days=lead,
              certifications=[{"number": offered[v].certificate_number,
                               "stars": offered[v].stars,
                               "valid_until": offered[v].valid_until.isoformat()}
                              for v in wanted],
              other_certifications=other, note=note)
    db.session.add(q)
    db.session.flush()
    _move(rfq, "quoted", user, side, note, quote_id=q.id)
    emails.quoted(rfq, q)
    return q


def refuse(user, public_id: str, message: str = "") -> Rfq:
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "refused", side)
    text = _message(message)
    _move(rfq, "refused", user, side, text)
    emails.refused(rfq)
    return rfq


# --- the buyer's answer -------------------------------------------------------------------------

def _message(message) -> str:
    if clean.too_long(message, MAX_MESSAGE):
        raise DomainError(_l("Keep the message under %(n)d characters.", n=MAX_MESSAGE),
                          code="message_long", status=422)
    return clean.clean_block(message, MAX_MESSAGE)


def quote_expired(q: Quote, today: date | None = None) -> bool:
    return q.valid_until < (today or today_vn())


def accept(user, public_id: str, quote_public_id: str, *, today: date | None = None
           ) -> Agreement:
    """The buyer accepts the current quote (the one their page showed: a newer quote must be
    read first), while it is valid; the agreement records both parties and the terms."""
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "accepted", side)
    current = rfq.current_quote
    if current is None or current.public_id != quote_public_id:
        raise InvalidTransition(_l("The cooperative has sent a newer quote: read it before "
                                   "accepting."), code="quote_replaced")
    if quote_expired(current, today):
        raise InvalidTransition(
            _l("This quote expired on %(day)s. Counter it to ask the cooperative for a new "
               "one.", day=current.valid_until.isoformat()), code="quote_expired")
    event = _move(rfq, "accepted", user, side, quote_id=current.id)
    agreement = Agreement(rfq=rfq, quote_id=current.id, buyer_id=rfq.buyer_id,
                          cooperative_id=rfq.cooperative_id, terms=_terms(rfq, current),
                          quoted_at=current.created_at, accepted_at=event.created_at)
    db.session.add(agreement)
    db.session.flush()
    emails.accepted(rfq, agreement)
    return agreement


def decline(user, public_id: str, message: str = "") -> Rfq:
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "declined", side)
    _move(rfq, "declined", user, side, _message(message), quote_id=rfq.current_quote.id)
    emails.declined(rfq)
    return rfq


def withdraw(user, public_id: str, message: str = "") -> Rfq:
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "withdrawn", side)
    _move(rfq, "withdrawn", user, side, _message(message))
    emails.withdrawn(rfq)
    return rfq


def counter(user, public_id: str, data: dict) -> RfqEvent:
    """The buyer proposes another price per unit and/or quantity, with a message; the
    cooperative answers with a new quote (or declines)."""
    rfq, side = get_for(user, public_id, for_update=True)
    _check(rfq, "countered", side)
    errors = Collector()
    price = None
    if str(data.get("price_vnd") or "").strip():
        price = catalog.parse_vnd(data.get("price_vnd"))
        if price is None or price <= 0 or price > MAX_PRICE_VND:
            errors.add("price_vnd", _l("Enter the price per unit in whole đồng, e.g. "
                                       "125000000."))
    quantity = None
    if str(data.get("quantity") or "").strip():
        quantity = _parse_quantity(data.get("quantity"), rfq.unit, errors)
    message = _block(data, "message", errors)
    if not errors.errors and price is None and quantity is None and not message:
        errors.add("message", _l("Propose a price or a quantity, or write what you would "
                                 "change."))
    errors.raise_if_any()
    event = _move(rfq, "countered", user, side, message, quote_id=rfq.current_quote.id,
                  counter_price_vnd=price, counter_quantity=quantity)
    emails.countered(rfq, event)
    return event


# --- the agreement ------------------------------------------------------------------------------

def _terms(rfq: Rfq, q: Quote) -> dict:
    coop = rfq.cooperative
    return {
        "goods": rfq.goods, "product_slug": rfq.product.slug if rfq.product else None,
        "quantity": q.quantity, "unit": rfq.unit, "price_vnd": q.price_vnd,
        "price_unit": q.price_unit, "price_usd_cents": q.price_usd_cents,
        "total_vnd": terms.total(q.price_vnd, q.price_unit, q.quantity, rfq.unit),
        "min_order": q.min_order, "incoterm": rfq.incoterm, "incoterm_place": rfq.incoterm_place,
        "destination_country": rfq.destination_country,
        "destination_port": rfq.destination_port, "target_date": rfq.target_date.isoformat(),
        "lead_time_days": q.lead_time_days, "valid_until": q.valid_until.isoformat(),
        "certifications": q.certifications, "other_certifications": q.other_certifications,
        "note": q.note,
        "buyer": {"name": rfq.contact_name, "company": rfq.company,
                  "email": rfq.contact_email, "phone": rfq.contact_phone},
        "seller": {"name": coop.name, "registration_code": coop.registration_code,
                   "address": coop.address, "province_code": coop.province_code,
                   "email": coop.contact_email, "phone": coop.public_phone},
    }


def province_name(code: int | None, locale: str) -> str:
    from market.geo import services as geo

    province = geo.province(code) if code else None
    return province.name(locale) if province else ""


def agreement_for(user, public_id: str) -> tuple[Agreement, str]:
    agreement = db.session.scalar(db.select(Agreement).filter_by(public_id=str(public_id)[:16]))
    side = side_of(user, agreement.rfq) if agreement is not None else None
    if side is None:
        raise NotFound(_l("No such agreement."))
    return agreement, side


# --- lists ----------------------------------------------------------------------------------------

def for_buyer(user, limit: int = PAGE_SIZE) -> list[Rfq]:
    if not _signed_in(user):
        raise PermissionDenied(_l("Sign in to see your inquiries."))
    return list(db.session.scalars(db.select(Rfq).where(Rfq.buyer_id == user.id)
                                   .order_by(Rfq.updated_at.desc(), Rfq.id.desc()).limit(limit)))


def waiting_on_cooperative():
    return Rfq.status.in_((S.OPEN.value, S.COUNTERED.value))


def for_cooperative(user, limit: int = PAGE_SIZE) -> list[Rfq]:
    """The staff member's cooperative's inquiries: those waiting for it first, then newest."""
    coop_id = _require_staff(user)
    return list(db.session.scalars(
        db.select(Rfq).where(Rfq.cooperative_id == coop_id)
        .order_by(waiting_on_cooperative().desc(), Rfq.updated_at.desc(), Rfq.id.desc())
        .limit(limit)))


# --- the Department's aggregate -----------------------------------------------------------------

PERIODS = (30, 90, 365, 0)  # days back; 0: since the first inquiry


@dataclass
class Summary:
    days: int
    count: int
    accepted: int
    kg: int  # asked by weight
    containers_20: int
    containers_40: int
    commodities: list[dict]  # {"name", "count", "kg"}
    countries: list[dict]  # {"code", "name", "count", "kg"}
    incoterms: list[dict]  # {"code", "count"}


def province_summary(scope, days: int, locale: str, *, today: date | None = None) -> Summary:
    """Inquiries to the cooperatives of the scope's provinces (department.services.Scope),
    in aggregate only: counts, kilograms and containers asked, by commodity and by country of
    destination. Nothing that names or reaches a buyer leaves this function."""
    days = days if days in PERIODS else 365
    clauses = [scope.clause(Cooperative.province_code)]
    if days:
        start = (today or today_vn()) - timedelta(days=days)
        clauses.append(Rfq.created_at >= _start_utc(start))
    base = db.select(Rfq).join(Cooperative, Cooperative.id == Rfq.cooperative_id) \
        .where(*clauses).subquery()
    r = base.c
    kg = sa.func.coalesce(sa.func.sum(r.quantity_kg), 0)

    def units(code):
        return sa.func.coalesce(sa.func.sum(sa.case((r.unit == code, r.quantity), else_=0)), 0)

    row = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case(
            (r.status == S.ACCEPTED.value, 1), else_=0)), 0),
        kg, units("container_20"), units("container_40"))).one()
    by_commodity = db.session.execute(
        sa.select(r.commodity_id, sa.func.count(), kg).group_by(r.commodity_id)
        .order_by(sa.func.count().desc())).all()
    names = {c.id: c.name(locale) for c in db.session.scalars(
        db.select(Category).where(Category.id.in_(
            [c for c, *_ in by_commodity if c is not None])))} if by_commodity else {}
    by_country = db.session.execute(
        sa.select(r.destination_country, sa.func.count(), kg).group_by(r.destination_country)
        .order_by(sa.func.count().desc(), r.destination_country)).all()
    by_incoterm = db.session.execute(
        sa.select(r.incoterm, sa.func.count()).group_by(r.incoterm)
        .order_by(sa.func.count().desc(), r.incoterm)).all()
    return Summary(
        days=days, count=row[0], accepted=int(row[1]), kg=int(row[2]),
        containers_20=int(row[3]), containers_40=int(row[4]),
        commodities=[{"name": names.get(c) if c is not None else None, "count": n,
                      "kg": int(k)} for c, n, k in by_commodity],
        countries=[{"code": code, "name": terms.country_name(code, locale), "count": n,
                    "kg": int(k)} for code, n, k in by_country],
        incoterms=[{"code": code, "count": n} for code, n in by_incoterm])


def _start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM)

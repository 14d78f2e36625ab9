"""Traceability rules: lots and their events (append-only, hash-chained), splitting and
merging, recalls, which lot each ordered unit shipped from, and the lookups the public
pages use. Every write checks that the person is staff of the lot's cooperative (or, for
a recall, an officer of its province or an admin)."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from market.accounts.models import Role, User
from market.catalog import services as catalog
from market.catalog.models import Product, ProductVariant
from market.dbtypes import utcnow
from market.errors import Collector, NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.i18n import LOCALES
from market.text import clean_block, clean_line
from market.trace import chain
from market.trace.models import EVENT_KINDS, LOT_KINDS, Lot, LotEvent, LotLink, OrderLineLot
from market.vendors import services as vendors

# Events staff record by hand (split, merge and recall are written by their own actions).
RECORDABLE = ("input", "harvest", "processing", "packing", "shipping", "certification",
              "lab", "correction")
PROCESS_STEPS = ("drying", "hulling", "sorting", "fermenting", "roasting", "grinding")
INPUT_TYPES = ("fertiliser", "pesticide", "other")
SCHEMES = ("vietgap", "globalgap", "organic", "ocop")
KIND_LABELS = {
    "input": _l("Input use"), "harvest": _l("Harvest"), "processing": _l("Processing"),
    "packing": _l("Packing"), "shipping": _l("Shipment"), "split": _l("Split"),
    "merge": _l("Merge"), "certification": _l("Certification"), "lab": _l("Lab result"),
    "correction": _l("Correction"), "recall": _l("Recall"),
}
LOT_KIND_LABELS = {"harvest": _l("Harvest lot"), "bulk": _l("Bulk lot"),
                   "packed": _l("Packed lot")}
STEP_LABELS = {
    "drying": _l("drying"), "hulling": _l("hulling"), "sorting": _l("sorting"),
    "fermenting": _l("fermenting"), "roasting": _l("roasting"), "grinding": _l("grinding"),
    "fertiliser": _l("fertiliser"), "pesticide": _l("pesticide"), "other": _l("other input"),
}
SCHEME_LABELS = {"vietgap": "VietGAP", "globalgap": "GlobalG.A.P.", "organic": _l("Organic"),
                 "ocop": "OCOP"}
DETAIL_FIELDS = {
    "input": ("input_name", "dose", "phi_days"),
    "certification": ("scheme", "number", "issuer", "valid_until", "document"),
    "lab": ("test", "result", "lab", "document"),
    "shipping": ("destination",),
    "correction": ("corrects",),
}


# --- who may do what ----------------------------------------------------------------------

def own_lot(user, code: str) -> Lot:
    """A lot of the staff member's own cooperative; anyone else's is "not found"."""
    coop = vendors.own_cooperative(user)
    lot = db.session.scalar(db.select(Lot).filter_by(code=(code or "").upper(),
                                                     cooperative_id=coop.id))
    if lot is None:
        raise NotFound(_l("No such lot."))
    return lot


def own_variants(coop) -> list[tuple[Product, ProductVariant]]:
    """(product, variant) of every option the cooperative sells, for the lot forms."""
    products = db.session.scalars(db.select(Product).filter_by(cooperative_id=coop.id)
                                  .order_by(Product.id))
    return [(product, variant) for product in products for variant in product.variants]


def lots_of(user) -> list[Lot]:
    coop = vendors.own_cooperative(user)
    return list(db.session.scalars(db.select(Lot).filter_by(cooperative_id=coop.id)
                                   .order_by(Lot.produced_on.desc(), Lot.id.desc())))


def public_lot(code: str) -> Lot:
    lot = db.session.scalar(db.select(Lot).filter_by(code=(code or "").upper()))
    if lot is None or lot.product.status == "draft":
        raise NotFound(_l("No such lot."))
    return lot


def may_recall(user, lot: Lot) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if user.role == Role.OFFICER.value:
        return user.province_code == lot.cooperative.province_code
    return user.role == Role.COOP_STAFF.value and user.cooperative_id == lot.cooperative_id


# --- lots ---------------------------------------------------------------------------------

def _new_code(produced_on: date) -> str:
    while True:
        code = f"L{produced_on:%y%m%d}-{secrets.token_hex(2).upper()}"
        if db.session.scalar(db.select(Lot.id).filter_by(code=code)) is None:
            return code


def _parse_date(value, errors: Collector, field: str, *, required=False) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        if required:
            errors.add(field, _l("Enter a date."))
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _l("Enter a date as YYYY-MM-DD."))
        return None


def _positive(value, errors: Collector, field: str) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(field, _l("Enter a whole number."))
        return None
    if number <= 0:
        errors.add(field, _l("Enter a number above zero."))
        return None
    return number


def _variant_of(coop_id: int, variant_id, errors: Collector, field="variant_id"):
    if variant_id in (None, ""):
        return None
    variant = db.session.get(ProductVariant, int(variant_id)) if str(variant_id).isdigit() \
        else None
    if variant is None or variant.cooperative_id != coop_id:
        errors.add(field, _l("Choose one of your products."))
        return None
    return variant


def create_lot(user, data: dict) -> Lot:
    return create_lot_for(vendors.own_cooperative(user), data)


def create_lot_for(coop, data: dict) -> Lot:
    """A new lot of the cooperative's product (the caller checked who may)."""
    errors = Collector()
    product = None
    variant = _variant_of(coop.id, data.get("variant_id"), errors)
    if variant is not None:
        product = variant.product
    elif data.get("product_id"):
        product = db.session.get(Product, int(data["product_id"])) \
            if str(data["product_id"]).isdigit() else None
        if product is None or product.cooperative_id != coop.id:
            errors.add("variant_id", _l("Choose one of your products."))
    else:
        errors.add("variant_id", _l("Choose one of your products."))
    kind = data.get("kind") or "harvest"
    if kind not in LOT_KINDS:
        errors.add("kind", _l("Choose a kind of lot."))
    quantity = _positive(data.get("quantity"), errors, "quantity")
    unit = clean_line(data.get("unit") or "kg", 20)
    produced_on = _parse_date(data.get("produced_on"), errors, "produced_on", required=True)
    best_before = _parse_date(data.get("best_before"), errors, "best_before")
    if produced_on and best_before and best_before < produced_on:
        errors.add("best_before", _l("The best-before date is before the production date."))
    if kind == "packed" and variant is None:
        errors.add("variant_id", _l("A packed lot is sold as one option: choose it."))
    errors.raise_if_any()
    lot = Lot(code=_new_code(produced_on), cooperative_id=coop.id, product_id=product.id,
              variant_id=variant.id if variant else None, kind=kind, quantity=quantity,
              unit=unit, produced_on=produced_on, best_before=best_before,
              commune_code=data.get("commune_code") or coop.commune_code,
              area=clean_line(data.get("area", ""), 200),
              farms=clean_block(data.get("farms", ""), 4000),
              standards=clean_line(data.get("standards", ""), 200))
    db.session.add(lot)
    db.session.flush()
    return lot


# --- events -------------------------------------------------------------------------------

def _at(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day.astimezone(UTC).replace(microsecond=0)
    return datetime.combine(day, time(3, 0), tzinfo=UTC)  # 10:00 in Vietnam


def append(lot: Lot, kind: str, *, occurred_at, user=None, place="", place_code="",
           actor="", step="", details: dict | None = None, notes_vi="", notes_en="",
           photos=()) -> LotEvent:
    """Add one event at the end of the lot's chain (the only way events are written)."""
    assert kind in EVENT_KINDS
    previous = lot.events[-1] if lot.events else None
    event = LotEvent(
        seq=(previous.seq + 1) if previous else 1, kind=kind, occurred_at=_at(occurred_at),
        place=place, place_code=place_code, actor=actor, step=step,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        notes_vi=notes_vi, notes_en=notes_en, photos=json.dumps(list(photos)),
        recorded_by_id=getattr(user, "id", None), recorded_at=utcnow().replace(microsecond=0),
        prev_hash=previous.hash if previous else "")
    event.hash = chain.digest(event, lot.code)
    lot.events.append(event)
    lot.head_hash = event.hash
    db.session.flush()
    return event


def record_event(user, code: str, data: dict, *, photos=()) -> LotEvent:
    """Staff record what happened to their lot; nothing already recorded changes."""
    return record_on(own_lot(user, code), data, user=user, photos=photos)


def record_on(lot: Lot, data: dict, *, user=None, photos=()) -> LotEvent:
    errors = Collector()
    kind = data.get("kind")
    if kind not in RECORDABLE:
        errors.add("kind", _l("Choose what happened."))
    occurred = _parse_date(data.get("occurred_on"), errors, "occurred_on", required=True)
    if occurred and occurred > date.today():
        errors.add("occurred_on", _l("The date is in the future."))
    step = data.get("step") or ""
    if kind == "processing" and step not in PROCESS_STEPS:
        errors.add("step", _l("Choose a processing step."))
    if kind == "input" and step not in INPUT_TYPES:
        errors.add("step", _l("Choose the kind of input."))
    details = {}
    for field in DETAIL_FIELDS.get(kind, ()):
        value = clean_line(data.get(field, ""), 200)
        if value:
            details[field] = value
    if kind == "input":
        if not details.get("input_name"):
            errors.add("input_name", _l("Name the product used."))
        if step == "pesticide":
            phi = details.get("phi_days", "")
            if not phi.isdigit():
                errors.add("phi_days", _l("Enter the pre-harvest interval in days."))
            else:
                details["phi_days"] = int(phi)
    if kind == "certification" and details.get("scheme") not in SCHEMES:
        errors.add("scheme", _l("Choose a certification."))
    if kind == "lab" and not details.get("result"):
        errors.add("result", _l("Enter the result."))
    if kind == "correction":
        corrects = details.get("corrects", "")
        if not corrects.isdigit() or not any(e.seq == int(corrects) for e in lot.events):
            errors.add("corrects", _l("Name the number of the event this corrects."))
        else:
            details["corrects"] = int(corrects)
        if not (data.get("notes_vi") or "").strip():
            errors.add("notes_vi", _l("Say what was wrong and what is right."))
    errors.raise_if_any()
    if kind != "processing" and kind != "input":
        step = ""
    return append(lot, kind, occurred_at=occurred, user=user,
                  place=clean_line(data.get("place", ""), 200),
                  place_code=clean_line(data.get("place_code", ""), 40),
                  actor=clean_line(data.get("actor", ""), 120), step=step, details=details,
                  notes_vi=clean_block(data.get("notes_vi", ""), 2000),
                  notes_en=clean_block(data.get("notes_en", ""), 2000), photos=photos)


def split(user, code: str, parts: list[dict], *, on: date | None = None) -> list[Lot]:
    """One lot into several (a harvest lot into packed lots): each part names its quantity
    taken from the parent (in the parent's unit), and the new lot's own quantity, unit and
    variant. The parent keeps what is left."""
    return split_lot(own_lot(user, code), parts, user=user, on=on)


def split_lot(parent: Lot, parts: list[dict], *, user=None, on: date | None = None) -> list[Lot]:
    if parent.recalled:
        raise ValidationError({"parts": _l("A recalled lot cannot be split.")})
    errors = Collector()
    clean = []
    for i, part in enumerate(parts):
        taken = _positive(part.get("taken"), errors, f"parts-{i}-taken")
        quantity = _positive(part.get("quantity"), errors, f"parts-{i}-quantity")
        variant = _variant_of(parent.cooperative_id, part.get("variant_id"), errors,
                              f"parts-{i}-variant_id")
        if variant is not None and variant.product_id != parent.product_id:
            errors.add(f"parts-{i}-variant_id", _l("Choose an option of the same product."))
        best_before = _parse_date(part.get("best_before"), errors, f"parts-{i}-best_before")
        clean.append((taken, quantity, variant, {**part, "best_before": best_before}))
    if not clean:
        errors.add("parts", _l("Add at least one part."))
    if sum(c[0] or 0 for c in clean) > parent.quantity:
        errors.add("parts", _l("The parts take more than the lot holds (%(n)d %(unit)s).",
                               n=parent.quantity, unit=parent.unit))
    errors.raise_if_any()
    day = on or date.today()
    children = []
    for taken, quantity, variant, part in clean:
        child = Lot(code=_new_code(day), cooperative_id=parent.cooperative_id,
                    product_id=parent.product_id,
                    variant_id=variant.id if variant else None,
                    kind="packed" if variant else "bulk", quantity=quantity,
                    unit=clean_line(part.get("unit") or (variant.product.unit if variant
                                                         else parent.unit), 20),
                    produced_on=day, best_before=part["best_before"] or parent.best_before,
                    commune_code=parent.commune_code, area=parent.area, farms=parent.farms,
                    standards=parent.standards)
        db.session.add(child)
        db.session.flush()
        db.session.add(LotLink(parent_id=parent.id, child_id=child.id, quantity=taken))
        children.append((child, taken))
    parent.quantity -= sum(t for _, t in children)
    append(parent, "split", occurred_at=day, user=user,
           details={"children": [{"code": c.code, "taken": t, "quantity": c.quantity,
                                  "unit": c.unit} for c, t in children]})
    for child, taken in children:
        append(child, "packing" if child.kind == "packed" else "split", occurred_at=day,
               user=user, details={"from": [{"code": parent.code, "taken": taken,
                                             "unit": parent.unit}]})
    return [c for c, _ in children]


def merge(user, codes: list[str], *, on: date | None = None) -> Lot:
    """Several whole lots of one product into one bulk lot."""
    lots = [own_lot(user, code) for code in dict.fromkeys(c.strip() for c in codes if c.strip())]
    if len(lots) < 2:
        raise ValidationError({"codes": _l("Choose at least two lots to merge.")})
    if len({lot.product_id for lot in lots}) > 1 or len({lot.unit for lot in lots}) > 1:
        raise ValidationError({"codes": _l("Only lots of one product and unit can be merged.")})
    if any(lot.recalled or lot.quantity == 0 for lot in lots):
        raise ValidationError({"codes": _l("Recalled or empty lots cannot be merged.")})
    day = on or date.today()
    first = lots[0]
    merged = Lot(code=_new_code(day), cooperative_id=first.cooperative_id,
                 product_id=first.product_id, kind="bulk",
                 quantity=sum(lot.quantity for lot in lots), unit=first.unit, produced_on=day,
                 best_before=min((lot.best_before for lot in lots if lot.best_before),
                                 default=None),
                 commune_code=first.commune_code, area="; ".join(dict.fromkeys(
                     lot.area for lot in lots if lot.area))[:200],
                 farms="\n".join(lot.farms for lot in lots if lot.farms)[:4000],
                 standards=first.standards)
    db.session.add(merged)
    db.session.flush()
    for lot in lots:
        db.session.add(LotLink(parent_id=lot.id, child_id=merged.id, quantity=lot.quantity))
        append(lot, "merge", occurred_at=day, user=user,
               details={"into": merged.code, "taken": lot.quantity})
    append(merged, "merge", occurred_at=day, user=user,
           details={"from": [{"code": lot.code, "taken": lot.quantity, "unit": lot.unit}
                             for lot in lots]})
    for lot in lots:
        lot.quantity = 0
    db.session.flush()
    return merged


# --- genealogy and the public timeline -----------------------------------------------------

def parents(lot: Lot) -> list[Lot]:
    return list(db.session.scalars(db.select(Lot).join(LotLink, LotLink.parent_id == Lot.id)
                                   .where(LotLink.child_id == lot.id).order_by(Lot.id)))


def children(lot: Lot) -> list[Lot]:
    return list(db.session.scalars(db.select(Lot).join(LotLink, LotLink.child_id == Lot.id)
                                   .where(LotLink.parent_id == lot.id).order_by(Lot.id)))


def lineage(lot: Lot, limit: int = 20) -> list[Lot]:
    """The lot and every lot it came from (nearest first), each once."""
    seen, queue, out = set(), [lot], []
    while queue and len(out) < limit:
        current = queue.pop(0)
        if current.id in seen:
            continue
        seen.add(current.id)
        out.append(current)
        queue.extend(parents(current))
    return out


@dataclass
class TimelineEntry:
    lot: Lot
    event: LotEvent
    details: dict
    photos: list
    intact: bool


@dataclass
class TracePage:
    lot: Lot
    lots: list  # the lot and its ancestors
    timeline: list  # TimelineEntry, oldest first
    verdicts: dict  # lot code -> chain.Verdict
    certifications: list
    lab_results: list

    @property
    def intact(self) -> bool:
        return all(v.ok for v in self.verdicts.values())


def trace_page(lot: Lot) -> TracePage:
    lots = lineage(lot)
    verdicts = {item.code: chain.verify(item) for item in lots}
    timeline = []
    for item in lots:
        for event in item.events:
            timeline.append(TimelineEntry(item, event, json.loads(event.details or "{}"),
                                          json.loads(event.photos or "[]"),
                                          event.seq not in verdicts[item.code].broken))
    timeline.sort(key=lambda e: (e.event.occurred_at, e.event.recorded_at, e.event.id))
    return TracePage(lot, lots, timeline, verdicts,
                     [e for e in timeline if e.event.kind == "certification"],
                     [e for e in timeline if e.event.kind == "lab"])


# --- GS1 Digital Link -----------------------------------------------------------------------

class BadGtin(ValidationError):
    code = "bad_gtin"
    status = 400


def gtin14(gtin: str) -> str:
    return (gtin or "").zfill(14)


def digital_link_lot(gtin: str, code: str) -> Lot:
    """The lot named by /01/<gtin>/10/<lot>; a wrong check digit is refused (400)."""
    if not catalog.valid_gtin(gtin):
        raise BadGtin({"gtin": _l("This GTIN is not valid: check its digits.")})
    lot = public_lot(code)
    if lot.variant is None or not lot.variant.gtin or gtin14(lot.variant.gtin) != gtin14(gtin):
        raise NotFound(_l("No such lot."))
    return lot


# --- orders: which lot each unit shipped from ----------------------------------------------

def available(lot: Lot) -> int:
    """Units of a packed lot not yet assigned to an order line."""
    used = db.session.scalar(db.select(db.func.coalesce(db.func.sum(OrderLineLot.quantity), 0))
                             .where(OrderLineLot.lot_id == lot.id))
    return lot.quantity - int(used or 0)


def allocate(vendor_order) -> int:
    """Assign the lines of a part being packed or shipped to lots of their variants, oldest
    lot first, skipping recalled lots; lines already assigned are left alone. Returns the
    units assigned."""
    assigned = 0
    for line in vendor_order.lines:
        if line.variant_id is None:
            continue
        done = db.session.scalar(db.select(db.func.coalesce(db.func.sum(
            OrderLineLot.quantity), 0)).where(OrderLineLot.order_line_id == line.id)) or 0
        wanted = line.quantity - int(done)
        if wanted <= 0:
            continue
        lots = db.session.scalars(db.select(Lot).where(
            Lot.variant_id == line.variant_id, Lot.kind == "packed",
            Lot.recalled_at.is_(None)).order_by(Lot.produced_on, Lot.id))
        for lot in lots:
            take = min(wanted, available(lot))
            if take <= 0:
                continue
            db.session.add(OrderLineLot(order_line_id=line.id, lot_id=lot.id, quantity=take))
            db.session.flush()
            wanted -= take
            assigned += take
            if wanted == 0:
                break
    return assigned


def lots_for_lines(line_ids) -> dict[int, list[Lot]]:
    """Order line id -> the lots its units shipped from (for the order and review pages)."""
    ids = list(line_ids)
    if not ids:
        return {}
    rows = db.session.execute(db.select(OrderLineLot.order_line_id, Lot)
                              .join(Lot, Lot.id == OrderLineLot.lot_id)
                              .where(OrderLineLot.order_line_id.in_(ids))
                              .order_by(Lot.produced_on, Lot.id))
    out: dict[int, list[Lot]] = {}
    for line_id, lot in rows:
        out.setdefault(line_id, []).append(lot)
    return out


def traced_product_ids() -> frozenset[int]:
    """The products that have at least one lot (those whose page lists lots)."""
    return frozenset(db.session.scalars(db.select(Lot.product_id).distinct()))


def latest_lots(product_id: int, limit: int = 3) -> list[Lot]:
    return list(db.session.scalars(db.select(Lot).where(Lot.product_id == product_id)
                                   .order_by(Lot.produced_on.desc(), Lot.id.desc())
                                   .limit(limit)))


# --- recall ---------------------------------------------------------------------------------

@dataclass
class RecallResult:
    lots: list
    stock_removed: int
    buyers_emailed: int


def recall(user, code: str, reason: str, *, trace_url) -> RecallResult:
    """Flag a lot and every lot made from it: their trace pages warn, the units of packed
    lots still on the shelf leave the variant's stock (a `recall` stock movement; units
    already sold or assigned stay counted), and the buyers of order lines that shipped
    from them are emailed. `trace_url(lot, locale)` builds the link for the mails."""
    lot = public_lot(code)
    if not may_recall(user, lot):
        raise PermissionDenied(_l("Only the cooperative or an officer of its province can "
                                  "recall this lot."))
    reason = clean_line(reason, 300)
    if not reason:
        raise ValidationError({"reason": _l("Say why the lot is recalled.")})
    affected, queue, seen = [], [lot], set()
    while queue:
        current = queue.pop(0)
        if current.id in seen:
            continue
        seen.add(current.id)
        affected.append(current)
        queue.extend(children(current))
    now = utcnow()
    removed = 0
    for item in affected:
        if item.recalled:
            continue
        item.recalled_at, item.recall_reason = now, reason
        append(item, "recall", occurred_at=now, user=user, details={"reason": reason},
               actor=getattr(user, "name", ""))
        if item.kind == "packed" and item.variant is not None:
            take = min(available(item), item.variant.stock)
            if take > 0:
                catalog.adjust_stock(item.variant, -take, reason="recall",
                                     actor_id=getattr(user, "id", None))
                removed += take
    emailed = _email_buyers(affected, reason, trace_url)
    db.session.flush()
    return RecallResult(affected, removed, emailed)


def _email_buyers(lots: list[Lot], reason: str, trace_url) -> int:
    from market.notifications.services import enqueue
    from market.orders.models import OrderLine
    from market.orders.services import line_vendor_order

    ids = [lot.id for lot in lots]
    rows = db.session.execute(db.select(OrderLine, OrderLineLot.lot_id)
                              .join(OrderLineLot, OrderLineLot.order_line_id == OrderLine.id)
                              .where(OrderLineLot.lot_id.in_(ids)))
    by_id = {lot.id: lot for lot in lots}
    sent = set()
    for line, lot_id in rows:
        order = line_vendor_order(line).order
        key = (order.email, lot_id)
        if key in sent:
            continue
        sent.add(key)
        lot = by_id[lot_id]
        buyer = db.session.get(User, order.buyer_id) if order.buyer_id else None
        locale = buyer.locale if buyer is not None and buyer.locale else order.locale
        locale = locale if locale in LOCALES else "vi"
        with force_locale(locale):
            link = trace_url(lot, locale)
        enqueue(order.email, locale,
                _l("Recall: %(product)s, lot %(lot)s", product=line.name, lot=lot.code),
                _l("The cooperative has recalled lot %(lot)s of %(product)s, which your order "
                   "%(number)s came from. Reason: %(reason)s\n\nPlease do not use it; the "
                   "cooperative will contact you about a refund or replacement.\n\n"
                   "Details: %(link)s\n\nHTX Market",
                   lot=lot.code, product=line.name, number=order.number, reason=reason,
                   link=link))
    return len(sent)

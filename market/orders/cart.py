"""The cart: a guest's lives in the session, a signed-in buyer's in the database, merged at
login. The cart holds only variant keys (the variant's id, as text) and quantities: prices
are always read fresh."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from market.catalog.models import Product, ProductVariant
from market.catalog.services import public_products_query
from market.errors import DomainError, NotFound
from market.extensions import db
from market.orders.models import CartItem
from market.orders.services import MAX_ORDER_LINES, MAX_QUANTITY


@dataclass
class CartLine:
    product: Product
    variant: ProductVariant
    quantity: int
    problem: str | None = None  # "short": fewer in stock than wanted

    @property
    def key(self) -> str:
        return str(self.variant.id)

    @property
    def problem_key(self) -> str:  # how checkout's problems are looked up
        return f"{self.product.slug}/{self.variant.sku}"

    @property
    def total(self) -> int:
        return self.variant.price * self.quantity

    def name(self, locale: str) -> str:
        return self.variant.display_name(self.product.name(locale), locale)


@dataclass
class CartGroup:
    cooperative: object
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)


@dataclass
class CartSummary:
    groups: list[CartGroup]
    missing: list[str]  # keys no longer for sale

    @property
    def subtotal(self) -> int:
        return sum(g.subtotal for g in self.groups)

    @property
    def count(self) -> int:
        return sum(line.quantity for g in self.groups for line in g.lines)

    @property
    def ok(self) -> bool:
        return not self.missing and all(not line.problem for g in self.groups for line in g.lines)


def _quantity(value) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        quantity = -1
    if not 0 <= quantity <= MAX_QUANTITY:
        raise DomainError(_l("Quantities must be between 1 and %(n)d.", n=MAX_QUANTITY),
                          code="bad_quantity")
    return quantity


def _unavailable() -> DomainError:
    return DomainError(_l("This product is no longer for sale."), code="unavailable",
                       status=404)


def public_variant(ref: str, variant=None) -> tuple[Product, ProductVariant]:
    """The product and variant a form names: a product slug with a variant id (the product
    page's picker), a slug alone (its default variant), or a cart key (a variant id)."""
    ref = ref if isinstance(ref, str) else ""
    if ref.isdigit() and not variant:
        query = public_products_query().join(ProductVariant, ProductVariant.product_id == Product.id) \
            .where(ProductVariant.id == int(ref))
        product = db.session.scalar(query)
        chosen = product.variant(ref) if product else None
    else:
        product = db.session.scalar(public_products_query().where(Product.slug == ref))
        chosen = (product.variant(variant) if variant else product.default_variant) \
            if product else None
    if chosen is None or not chosen.active:
        raise _unavailable()
    return product, chosen


def key_of(ref: str, variant=None) -> str:
    """The cart key of what a form names (see public_variant); the key itself when the
    line is gone from sale, so it can still be removed."""
    ref = ref if isinstance(ref, str) else ""
    if ref.isdigit() and not variant:
        return ref
    return str(public_variant(ref, variant)[1].id)


def set_quantity(items: dict, ref: str, quantity, *, add: bool = False, variant=None) -> dict:
    """A new cart dict with the variant `ref` names (see public_variant) set to (or
    increased by) `quantity`; 0 removes it."""
    quantity = _quantity(quantity)
    items = dict(items)
    key = key_of(ref, variant)
    if quantity == 0 and not add:
        items.pop(key, None)
        return items
    if key not in items and len(items) >= MAX_ORDER_LINES:
        raise DomainError(_l("A cart holds at most %(n)d different products.",
                             n=MAX_ORDER_LINES), code="too_many_lines")
    _product, chosen = public_variant(key)
    wanted = (items.get(key, 0) + quantity) if add else quantity
    if wanted - items.get(key, 0) + sum(items.values()) > MAX_QUANTITY:
        raise DomainError(_l("An order holds at most %(n)d units in all.", n=MAX_QUANTITY),
                          code="bad_quantity")
    if wanted > chosen.stock:
        raise DomainError(
            _l("Only %(n)d left in stock.", n=chosen.stock), code="short", status=409)
    items[key] = wanted
    return items


def change(items: dict, ref: str, *, quantity=None, step=None, remove: bool = False) -> dict:
    """The cart page's controls on one line: remove it, step it by -1 or +1 (the − / +
    buttons), or set the typed quantity."""
    if remove:
        return set_quantity(items, ref, 0)
    if step is not None:
        if str(step) not in ("-1", "1"):
            raise DomainError(_l("That action is not possible."), code="bad_step")
        key = key_of(ref)
        return set_quantity(items, key, max(0, items.get(key, 0) + int(step)))
    return set_quantity(items, ref, quantity)


def count(items: dict) -> int:
    """Units in a session cart (the header's badge), without a query."""
    return sum(q for q in items.values() if isinstance(q, int))


def count_saved(user) -> int:
    """Units in a signed-in buyer's saved cart: one SUM."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CartItem.quantity), 0))
                             .where(CartItem.user_id == user.id)) or 0


def _ids(items: dict) -> list[int]:
    return [int(k) for k in items if isinstance(k, str) and k.isdigit()]


def summarise(items: dict) -> CartSummary:
    """Group the cart by cooperative with fresh prices and stock, in two queries."""
    ids = _ids(items)
    variants: dict[str, tuple[Product, ProductVariant]] = {}
    if ids:
        products = db.session.scalars(
            public_products_query().join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(ProductVariant.id.in_(ids), ProductVariant.active.is_(True))).unique()
        for product in products:
            for variant in product.variants:
                if variant.id in ids and variant.active:
                    variants[str(variant.id)] = (product, variant)
    groups: OrderedDict[int, CartGroup] = OrderedDict()
    for key, quantity in items.items():
        if key not in variants:
            continue
        product, variant = variants[key]
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative))
        group.lines.append(CartLine(product, variant, quantity,
                                    "short" if quantity > variant.stock else None))
    return CartSummary(list(groups.values()), [k for k in items if k not in variants])


def load(user) -> dict:
    rows = db.session.execute(
        sa.select(CartItem.variant_id, CartItem.quantity)
        .where(CartItem.user_id == user.id).order_by(CartItem.id)
    )
    return {str(variant_id): quantity for variant_id, quantity in rows}


def save(user, items: dict) -> None:
    db.session.execute(sa.delete(CartItem).where(CartItem.user_id == user.id))
    ids = _ids(items)
    if ids:
        known = set(db.session.scalars(
            sa.select(ProductVariant.id).where(ProductVariant.id.in_(ids))))
        db.session.add_all(CartItem(user_id=user.id, variant_id=int(k), quantity=q)
                           for k, q in items.items() if k.isdigit() and int(k) in known)
    db.session.flush()


def merge(saved: dict, guest: dict) -> dict:
    """The guest's cart joins the saved one at login; a variant in both keeps the larger
    quantity (the same wish made twice is not two wishes)."""
    merged = dict(saved)
    for slug, quantity in guest.items():
        merged[slug] = max(quantity, merged.get(slug, 0))
    return merged


@dataclass
class Reorder:
    """What "Buy again" did: the new cart, and what it could not put back as ordered."""

    items: dict
    added: list[str] = field(default_factory=list)  # product names, as put back
    capped: list[tuple[str, int]] = field(default_factory=list)  # (name, units it holds now)
    unavailable: list[str] = field(default_factory=list)  # archived, hidden or sold out


def reorder(items: dict, order, buyer, lang: str = "vi") -> Reorder:
    """Put an earlier order's products back into `items` (a cart dict): each one still for
    sale up to the stock on the shelf, counting what the cart already holds, within the
    cart's limits (MAX_ORDER_LINES products, MAX_QUANTITY units). Prices are not carried
    over: the cart always reads them fresh. Only the buyer who placed the order may."""
    if buyer is None or order.buyer_id != buyer.id:
        raise NotFound(_l("No such order."))
    wanted: OrderedDict[tuple, list] = OrderedDict()
    for vendor_order in order.vendor_orders:
        for line in vendor_order.lines:
            label = f"{line.name} – {line.variant_label}" if line.variant_label else line.name
            entry = wanted.setdefault((line.product_id, line.variant_id), [label, 0])
            entry[1] += line.quantity
    product_ids = list({product_id for product_id, _v in wanted})
    products = {p.id: p for p in db.session.scalars(
        public_products_query().where(Product.id.in_(product_ids)))} if wanted else {}
    result = Reorder(dict(items))
    cart = result.items
    for (product_id, variant_id), (line_name, quantity) in wanted.items():
        product = products.get(product_id)
        variant = (product.variant(variant_id) if variant_id else product.default_variant) \
            if product else None
        if variant is None or not variant.active or variant.stock <= 0:
            result.unavailable.append(
                variant.display_name(product.name(lang), lang) if variant else line_name)
            continue
        name = variant.display_name(product.name(lang), lang)
        key = str(variant.id)
        have = cart.get(key, 0)
        if not have and len(cart) >= MAX_ORDER_LINES:
            result.capped.append((name, 0))
            continue
        room = MAX_QUANTITY - (sum(cart.values()) - have)
        target = min(have + quantity, variant.stock, room)
        if target < have + quantity:
            result.capped.append((name, max(target, have)))
        if target > have:
            cart[key] = target
            result.added.append(name)
    return result

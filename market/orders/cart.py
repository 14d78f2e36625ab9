"""The cart: a guest's lives in the session, a signed-in buyer's in the database, merged at
login. The cart holds only product slugs and quantities: prices are always read fresh."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from market.catalog.models import Product
from market.catalog.services import public_products_query
from market.errors import DomainError, NotFound
from market.extensions import db
from market.orders.models import CartItem
from market.orders.services import MAX_ORDER_LINES, MAX_QUANTITY


@dataclass
class CartLine:
    product: Product
    quantity: int
    problem: str | None = None  # "short": fewer in stock than wanted

    @property
    def total(self) -> int:
        return self.product.price * self.quantity


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
    missing: list[str]  # slugs no longer for sale

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


def _public_product(slug: str) -> Product:
    product = db.session.scalar(public_products_query().where(Product.slug == slug))
    if product is None:
        raise DomainError(_l("This product is no longer for sale."), code="unavailable",
                          status=404)
    return product


def set_quantity(items: dict, slug: str, quantity, *, add: bool = False) -> dict:
    """A new cart dict with `slug` set to (or increased by) `quantity`; 0 removes it."""
    quantity = _quantity(quantity)
    items = dict(items)
    if quantity == 0 and not add:
        items.pop(slug, None)
        return items
    if slug not in items and len(items) >= MAX_ORDER_LINES:
        raise DomainError(_l("A cart holds at most %(n)d different products.",
                             n=MAX_ORDER_LINES), code="too_many_lines")
    product = _public_product(slug)
    wanted = (items.get(slug, 0) + quantity) if add else quantity
    if wanted - items.get(slug, 0) + sum(items.values()) > MAX_QUANTITY:
        raise DomainError(_l("An order holds at most %(n)d units in all.", n=MAX_QUANTITY),
                          code="bad_quantity")
    if wanted > product.stock:
        raise DomainError(
            _l("Only %(n)d left in stock.", n=product.stock), code="short", status=409)
    items[slug] = wanted
    return items


def change(items: dict, slug: str, *, quantity=None, step=None, remove: bool = False) -> dict:
    """The cart page's controls on one line: remove it, step it by -1 or +1 (the − / +
    buttons), or set the typed quantity."""
    if remove:
        return set_quantity(items, slug, 0)
    if step is not None:
        if str(step) not in ("-1", "1"):
            raise DomainError(_l("That action is not possible."), code="bad_step")
        return set_quantity(items, slug, max(0, items.get(slug, 0) + int(step)))
    return set_quantity(items, slug, quantity)


def count(items: dict) -> int:
    """Units in a session cart (the header's badge), without a query."""
    return sum(q for q in items.values() if isinstance(q, int))


def count_saved(user) -> int:
    """Units in a signed-in buyer's saved cart: one SUM."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CartItem.quantity), 0))
                             .where(CartItem.user_id == user.id)) or 0


def summarise(items: dict) -> CartSummary:
    """Group the cart by cooperative with fresh prices and stock, in two queries."""
    products = {
        p.slug: p for p in db.session.scalars(
            public_products_query().where(Product.slug.in_(list(items))))
    } if items else {}
    groups: OrderedDict[int, CartGroup] = OrderedDict()
    for slug, quantity in items.items():
        product = products.get(slug)
        if product is None:
            continue
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative))
        group.lines.append(CartLine(product, quantity,
                                    "short" if quantity > product.stock else None))
    return CartSummary(list(groups.values()), [s for s in items if s not in products])


def load(user) -> dict:
    rows = db.session.execute(
        sa.select(Product.slug, CartItem.quantity).join(Product, Product.id == CartItem.product_id)
        .where(CartItem.user_id == user.id).order_by(CartItem.id)
    )
    return {slug: quantity for slug, quantity in rows}


def save(user, items: dict) -> None:
    db.session.execute(sa.delete(CartItem).where(CartItem.user_id == user.id))
    if items:
        ids = dict(db.session.execute(
            sa.select(Product.slug, Product.id).where(Product.slug.in_(list(items)))).all())
        db.session.add_all(CartItem(user_id=user.id, product_id=ids[slug], quantity=q)
                           for slug, q in items.items() if slug in ids)
    db.session.flush()


def merge(saved: dict, guest: dict) -> dict:
    """The guest's cart joins the saved one at login; a product in both keeps the larger
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
    wanted: OrderedDict[int, list] = OrderedDict()
    for vendor_order in order.vendor_orders:
        for line in vendor_order.lines:
            entry = wanted.setdefault(line.product_id, [line.name, 0])
            entry[1] += line.quantity
    products = {p.id: p for p in db.session.scalars(
        public_products_query().where(Product.id.in_(list(wanted))))} if wanted else {}
    result = Reorder(dict(items))
    cart = result.items
    for product_id, (line_name, quantity) in wanted.items():
        product = products.get(product_id)
        if product is None or product.stock <= 0:
            result.unavailable.append(product.name(lang) if product else line_name)
            continue
        name = product.name(lang)
        have = cart.get(product.slug, 0)
        if not have and len(cart) >= MAX_ORDER_LINES:
            result.capped.append((name, 0))
            continue
        room = MAX_QUANTITY - (sum(cart.values()) - have)
        target = min(have + quantity, product.stock, room)
        if target < have + quantity:
            result.capped.append((name, max(target, have)))
        if target > have:
            cart[product.slug] = target
            result.added.append(name)
    return result

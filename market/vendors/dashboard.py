"""What a cooperative must do now, for the top of its dashboard: orders to pack (oldest
first), disputes to answer, products running out, OCOP certificates about to expire. Every
list is scoped to the signed-in person's own cooperative."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from market.catalog import vendor as vendor_catalog
from market.ocop import services as ocop
from market.orders import disputes
from market.orders import services as orders
from market.vendors.services import own_cooperative

CERTIFICATE_WARNING_DAYS = 60
LIST_LIMIT = 10


@dataclass
class Todo:
    orders_to_pack: int
    oldest_to_pack: list
    disputes: list
    low_stock: int
    low_stock_products: list
    expiring: list
    low_stock_threshold: int = vendor_catalog.LOW_STOCK
    warning_days: int = CERTIFICATE_WARNING_DAYS

    @property
    def empty(self) -> bool:
        return not (self.orders_to_pack or self.disputes or self.low_stock or self.expiring)


def todo(user, today: date | None = None) -> Todo:
    coop = own_cooperative(user)
    count, oldest = orders.to_pack(coop.id, LIST_LIMIT)
    low, products = vendor_catalog.low_stock(coop, LIST_LIMIT)
    return Todo(orders_to_pack=count, oldest_to_pack=oldest,
                disputes=disputes.awaiting_answer(coop.id), low_stock=low,
                low_stock_products=products,
                expiring=ocop.expiring_soon(coop.id, CERTIFICATE_WARNING_DAYS, today))

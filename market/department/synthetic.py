"""Invented order history, row by row, for the demo (a few hundred lines) and the benchmark
(bench/department_data.py: a million lines, loaded with COPY). The rows follow the orders
tables' rules (totals add up, states as the state machine leaves them, one event per state
change, sale/commission/refund ledger entries) but skip the checkout: this is history, not
traffic. Seasonality: the coffee harvest (November to January) and Tết (January/February)
are busier, coffee most of all; refunds, cancellations and disputes at realistic rates."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from market.orders import numbers

COFFEE_MONTHS = {11: 1.9, 12: 2.1, 1: 2.2}
TET_MONTHS = {1: 1.6, 2: 1.4}


@dataclass(frozen=True)
class Item:
    product_id: int
    cooperative_id: int
    price: int
    name: str
    unit: str
    coffee: bool


def month_weight(month: int, coffee: bool) -> float:
    weight = TET_MONTHS.get(month, 1.0)
    if coffee:
        weight *= COFFEE_MONTHS.get(month, 0.7)
    return weight


@dataclass
class Ids:
    order: int
    vendor_order: int
    line: int
    event: int
    ledger: int
    dispute: int


TABLE_COLUMNS = {
    "orders": ("id", "public_id", "number", "idempotency_key", "buyer_id", "email", "name",
               "phone", "province_code", "commune_code", "address_line", "locale",
               "payment_method", "transfer_reference", "subtotal", "shipping_total", "total",
               "created_at"),
    "vendor_orders": ("id", "public_id", "order_id", "number", "cooperative_id", "status",
                      "subtotal", "shipping_fee", "total", "commission_rate_bp", "carrier",
                      "tracking_number", "reserved_until", "delivered_at", "created_at"),
    "order_lines": ("id", "vendor_order_id", "product_id", "name", "unit", "unit_price",
                    "quantity", "line_total", "variant_label", "sku"),
    "order_events": ("id", "vendor_order_id", "actor_id", "actor_role", "from_status",
                     "to_status", "note", "at"),
    "ledger_entries": ("id", "cooperative_id", "vendor_order_id", "payout_batch_id", "kind",
                       "amount", "at"),
    "disputes": ("id", "public_id", "vendor_order_id", "opened_by_id", "reason", "photos",
                 "answer", "status", "decision", "refund_amount", "decided_by_id",
                 "created_at"),
}


def generate(items: list[Item], *, lines: int, start: datetime, end: datetime, ids: Ids,
             destinations: list[tuple[int, int]], dispute_user_id: int, seed: int = 2026,
             chunk_lines: int = 20_000, prefix: str = "bench"):
    """Yield dicts {table: [row tuples]} of about `chunk_lines` order lines each, until
    `lines` order lines are made. `destinations`: (province, commune) pairs to deliver to."""
    rng = random.Random(seed)
    span_days = (end - start).days
    days = [start + timedelta(days=d) for d in range(span_days)]
    by_coop: dict[int, list[Item]] = {}
    for item in items:
        by_coop.setdefault(item.cooperative_id, []).append(item)
    coops = sorted(by_coop)
    coop_weights = [rng.paretovariate(1.3) for _ in coops]  # a few large, many small
    coffee_coops = {c for c in coops if any(i.coffee for i in by_coop[c])}
    day_weight = {}
    for d in days:
        day_weight[(d.month, True)] = month_weight(d.month, True)
        day_weight[(d.month, False)] = month_weight(d.month, False)
    general = list(itertools.accumulate(day_weight[(d.month, False)] for d in days))
    coffee = list(itertools.accumulate(day_weight[(d.month, True)] for d in days))
    coop_cum = list(itertools.accumulate(coop_weights))
    made, taken = 0, set()
    chunk = {t: [] for t in TABLE_COLUMNS}
    count_in_chunk = 0
    while made < lines:
        parts = 1 if rng.random() < 0.85 else 2
        chosen = rng.choices(coops, cum_weights=coop_cum, k=parts)
        chosen = list(dict.fromkeys(chosen))
        is_coffee = chosen[0] in coffee_coops
        day = rng.choices(days, cum_weights=coffee if is_coffee else general)[0]
        created = day + timedelta(seconds=rng.randint(0, 86399))
        method = "cod" if rng.random() < 0.6 else "vietqr"
        dest_province, dest_commune = rng.choice(destinations)
        while True:
            number = numbers.new_number()
            if number not in taken:
                taken.add(number)
                break
        oid = ids.order
        ids.order += 1
        buyer = f"buyer{rng.randint(1, max(lines // 8, 50))}@example.vn"
        order_sub = order_ship = 0
        fate = rng.random()
        for index, coop in enumerate(chosen, start=1):
            vid = ids.vendor_order
            ids.vendor_order += 1
            picks = rng.sample(by_coop[coop], min(len(by_coop[coop]), rng.choice((1, 1, 2, 3, 4))))
            subtotal = 0
            for item in picks:
                q = rng.choice((1, 1, 1, 2, 2, 3, 5))
                chunk["order_lines"].append((ids.line, vid, item.product_id, item.name,
                                             item.unit, item.price, q, item.price * q,
                                             "", ""))
                ids.line += 1
                made += 1
                count_in_chunk += 1
                subtotal += item.price * q
            fee = 30_000 if dest_province else 0
            total = subtotal + fee
            status, delivered_at, events, ledger = _fate(
                rng, fate, method, created, vid, coop, total, subtotal)
            for to_status, from_status, at, role in events:
                chunk["order_events"].append((ids.event, vid, None, role, from_status,
                                              to_status, "", at))
                ids.event += 1
            for kind, amount, at in ledger:
                chunk["ledger_entries"].append((ids.ledger, coop, vid, None, kind, amount, at))
                ids.ledger += 1
            if delivered_at and rng.random() < 0.015:
                decision = rng.choice(("full_refund", "partial_refund", "rejected", None))
                chunk["disputes"].append((
                    ids.dispute, f"bd{ids.dispute:010d}", vid, dispute_user_id,
                    "Hàng không đúng mô tả (dữ liệu thử).", "[]", "",
                    "decided" if decision else "open", decision,
                    total // 2 if decision == "partial_refund" else 0, None,
                    delivered_at + timedelta(days=1)))
                ids.dispute += 1
            chunk["vendor_orders"].append((
                vid, f"bv{vid:012d}", oid, numbers.part_number(number, index), coop, status,
                subtotal, fee, total, 500, "GHN" if delivered_at else "",
                "B1" if delivered_at else "", None, delivered_at, created))
            order_sub += subtotal
            order_ship += fee
        chunk["orders"].append((
            oid, f"bo{oid:012d}", number, f"{prefix}-{oid:012d}-key", None, buyer, "Người mua thử",
            "0900000000", dest_province, dest_commune, "Địa chỉ thử", "vi", method,
            numbers.compact(number), order_sub, order_ship, order_sub + order_ship, created))
        if count_in_chunk >= chunk_lines:
            yield chunk
            chunk = {t: [] for t in TABLE_COLUMNS}
            count_in_chunk = 0
    if count_in_chunk:
        yield chunk


def _fate(rng, fate, method, created, vid, coop, total, subtotal):
    """Status, delivery time, events (to, from, at, role) and ledger entries of one part."""
    now = datetime.now(UTC)
    events = []
    ledger = []
    first = "confirmed" if method == "cod" else "pending_payment"
    events.append((first, None, created, "buyer"))
    commission = -(subtotal * 500 // 10_000)
    if fate < 0.06:  # cancelled before any money
        events.append(("cancelled", first, created + timedelta(hours=6), "system"))
        return "cancelled", None, events, ledger
    status = first
    if method == "vietqr":
        paid_at = created + timedelta(minutes=rng.randint(5, 600))
        events.append(("paid", "pending_payment", paid_at, "payment"))
        ledger += [("sale", total, paid_at), ("commission", commission, paid_at)]
        status = "paid"
    hours = rng.lognormvariate(3.8, 0.5)  # median ~45 hours to delivery
    delivered_at = created + timedelta(hours=hours)
    if delivered_at > now:
        return status, None, events, ledger
    events.append(("packed", status, created + timedelta(hours=hours / 4), "coop"))
    events.append(("shipped", "packed", created + timedelta(hours=hours / 2), "coop"))
    events.append(("delivered", "shipped", delivered_at, "coop"))
    status = "delivered"
    if method == "cod":
        ledger += [("sale", total, delivered_at), ("commission", commission, delivered_at),
                   ("cash_collected", -total, delivered_at)]
    if fate > 0.975:  # refunded in full
        at = delivered_at + timedelta(days=2)
        ledger += [("refund", -total, at), ("commission_reversal", -commission, at)]
        if method == "cod":
            ledger.append(("cash_collected", total, at))
        events.append(("refunded", "delivered", at, "payment"))
        return "refunded", delivered_at, events, ledger
    if fate > 0.955:  # part of the money back
        at = delivered_at + timedelta(days=2)
        part = max(total // 3, 1)
        ledger += [("refund", -part, at)]
        if method == "cod":
            ledger.append(("cash_collected", part, at))
    if delivered_at + timedelta(days=7) < now and fate < 0.7:
        events.append(("completed", "delivered", delivered_at + timedelta(days=7), "system"))
        status = "completed"
    return status, delivered_at, events, ledger

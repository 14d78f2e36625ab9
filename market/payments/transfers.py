"""Bank transfers (VietQR) reaching the platform's account: the orders awaiting one, and a
bank statement import that matches its incoming lines to orders by reference AND amount.

Matching writes nothing: the admin sees the preview and confirms; confirming goes through
`services.confirm_transfer` (the one payment path), line by line re-checked, so a file
imported twice, or a line confirmed meanwhile by hand, is confirmed once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from market import spreadsheets, text
from market.accounts.models import Role
from market.errors import DomainError, NotFound
from market.extensions import db
from market.i18n import fold
from market.orders import numbers
from market.orders import services as orders
from market.orders.models import Order, PaymentMethod, VendorOrder, VendorOrderStatus
from market.payments import services
from market.payments.models import Payment

MAX_BYTES = 2 * 1024 * 1024
BUDGET = spreadsheets.Budget(max_bytes=MAX_BYTES, max_rows=5001, max_cols=40,
                             max_cells=100_000)
HEADER_SEARCH_ROWS = 30  # banks put the account holder, period and balances above the table
LIST_LIMIT = 200


def _require_admin(actor) -> None:
    if getattr(actor, "role", None) != Role.ADMIN.value:
        raise NotFound(_l("No such page."))


# --- orders awaiting a transfer ---------------------------------------------------------

def awaiting(actor, search: str | None = None) -> list[Order]:
    """Bank-transfer orders with a part still awaiting payment, oldest first; `search` is
    an order number or transfer reference as typed."""
    _require_admin(actor)
    query = (db.select(Order).where(
        Order.payment_method == PaymentMethod.VIETQR.value,
        db.select(VendorOrder.id).where(
            VendorOrder.order_id == Order.id,
            VendorOrder.status == VendorOrderStatus.PENDING_PAYMENT.value).exists()))
    if search and search.strip():
        parsed = numbers.parse(search)
        if parsed is None:
            return []
        query = query.where(Order.number == parsed[0])
    return list(db.session.scalars(query.order_by(Order.created_at, Order.id).limit(LIST_LIMIT)))


def find_order(actor, reference: str) -> Order:
    """The order of a transfer reference or order number as typed (any case, hyphens)."""
    _require_admin(actor)
    parsed = numbers.parse(reference)
    order = parsed and db.session.scalar(db.select(Order).filter_by(number=parsed[0]))
    if not order:
        raise NotFound(_l("No order has this transfer reference."))
    return order


def already_paid(order: Order) -> bool:
    key = services.transfer_external_id(order)
    return db.session.scalar(db.select(Payment.id).filter_by(external_id=key)) is not None


def holds_nothing(order: Order) -> bool:
    """No part awaits payment and none may be restored: money for it goes back as a refund."""
    return not any(vo.status == VendorOrderStatus.PENDING_PAYMENT.value or orders.is_late(vo)
                   for vo in order.vendor_orders)


# --- reading a bank statement ------------------------------------------------------------

# Header names as Vietnamese and international banks export them, folded (no diacritics,
# lower case, no punctuation, no "(VND)").
_HEADERS = {
    "date": {"date", "transaction date", "posting date", "value date", "trans date", "ngay",
             "ngay giao dich", "ngay gd", "ngay hach toan", "ngay hieu luc", "thoi gian",
             "thoi gian giao dich", "ngay gio giao dich"},
    "credit": {"amount", "credit", "credit amount", "cr", "so tien", "so tien ghi co",
               "ghi co", "phat sinh co", "so tien co", "tien vao", "so tien giao dich",
               "so tien chuyen"},
    "debit": {"debit", "debit amount", "dr", "so tien ghi no", "ghi no", "phat sinh no",
              "so tien no", "tien ra"},
    "description": {"description", "content", "details", "transaction details", "narrative",
                    "remark", "remarks", "memo", "noi dung", "mo ta", "dien giai",
                    "noi dung giao dich", "noi dung chuyen khoan", "chi tiet", "chi tiet giao dich",
                    "noi dung ck"},
    "reference": {"reference", "ref", "ref no", "reference no", "reference number",
                  "transaction id", "transaction no", "trans id", "so tham chieu", "ma giao dich",
                  "so giao dich", "ma gd", "so but toan", "so ct", "so chung tu", "ma tham chieu"},
}


def _header_key(value) -> str:
    name = re.sub(r"\(.*?\)", " ", fold(str(value or "")))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name).split())


# Longer headers that start like one of ours ("Nội dung chi tiết", "Số tiền ghi có (VND)").
_PREFIXES = {"description": ("noi dung", "dien giai", "mo ta", "description", "details"),
             "credit": ("so tien ghi co", "ghi co", "credit"),
             "debit": ("so tien ghi no", "ghi no", "debit")}


def _columns(row: list) -> dict[str, int]:
    found: dict[str, int] = {}
    keys = [_header_key(cell) for cell in row]
    for index, key in enumerate(keys):
        for column, names in _HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    for index, key in enumerate(keys):
        for column, prefixes in _PREFIXES.items():
            if column not in found and index not in found.values() and key.startswith(prefixes):
                found[column] = index
    return found


_GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


def parse_amount(value) -> int | None:
    """Whole đồng from a bank's cell: 1.250.000, 1,250,000, 1 250 000, 1250000, 1,250,000.00,
    "+1.250.000 VND", or a number. None when it cannot be read or has real decimals."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    raw = re.sub(r"(?i)(vnd|vnđ|đ|d)$", "", str(value or "").strip().replace("\u00a0", " "))
    raw = raw.strip().lstrip("+").strip()
    negative = raw.startswith("-")
    raw = raw.lstrip("-").strip()
    if not raw:
        return None
    # A decimal part of one or two digits after the last separator: cents of a statement
    # that shows them ("1,250,000.00", "1.250.000,00"); VND has none, so they must be zero.
    decimals = re.match(r"^(.*\d)[.,](\d{1,2})$", raw)
    if decimals:
        if int(decimals.group(2)):
            return None
        raw = decimals.group(1)
    if _GROUPED.match(raw):
        digits = re.sub(r"[.,\s]", "", raw)
    elif raw.isdigit():
        digits = raw
    else:
        return None
    amount = int(digits)
    return -amount if negative else amount


_REFERENCE = re.compile(rf"{numbers.PREFIX}[{numbers.ALPHABET}]{{{numbers.CODE_LENGTH}}}")


def references_in(description: str) -> list[str]:
    """Every order reference in a transfer's text, as the compact form (HTX7K3Q9M2P), found
    anywhere, in any case, with or without hyphens, spaces or dots inside it."""
    squeezed = re.sub(r"[\s._\-–—]", "", str(description or "").upper())
    seen = []
    for candidate in _REFERENCE.findall(squeezed):
        if candidate not in seen:
            seen.append(candidate)
    return seen


@dataclass
class StatementLine:
    line: int
    date: str
    amount: int | None
    description: str
    bank_reference: str
    outgoing: bool = False


def _cell(row: list, index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return text.clean_line(str(value), 500)


class StatementUnreadable(DomainError):
    code = "statement_unreadable"
    status = 422


def read_statement(data: bytes) -> list[StatementLine]:
    """The lines of a bank statement (CSV or XLSX), within the size and row budget."""
    rows = spreadsheets.read_rows(data, BUDGET)
    header_at, columns = None, {}
    for position, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _columns(values)
        if "credit" in columns and ("description" in columns or "reference" in columns):
            header_at = position
            break
    if header_at is None:
        raise StatementUnreadable(_l(
            "No header row found: the file needs an amount column (\"Số tiền\", \"Ghi có\", "
            "\"Amount\" or \"Credit\") and a description column (\"Nội dung\", \"Mô tả\", "
            "\"Diễn giải\" or \"Description\")."))
    lines = []
    for number, values in rows[header_at + 1:]:
        if not any(str(v).strip() for v in values if v is not None):
            continue
        raw_credit = _cell(values, columns.get("credit"))
        credit = parse_amount(values[columns["credit"]]
                              if columns["credit"] < len(values) else None)
        debit = parse_amount(values[columns["debit"]]) if (
            "debit" in columns and columns["debit"] < len(values)) else None
        outgoing = (credit is not None and credit < 0) or (
            not raw_credit.strip() or credit == 0) and bool(debit)
        lines.append(StatementLine(
            line=number, date=_cell(values, columns.get("date")), amount=credit,
            description=_cell(values, columns.get("description")),
            bank_reference=_cell(values, columns.get("reference")), outgoing=outgoing))
    if not lines:
        raise StatementUnreadable(_l("The file has a header row but no transactions."))
    return lines


# --- matching ----------------------------------------------------------------------------

MATCHED = "matched"
REASONS = {
    "unknown_reference": _l("No order has this reference."),
    "no_reference": _l("No order reference found in the description."),
    "amount_differs": _l("The amount differs from the order's total."),
    "already_paid": _l("Already confirmed: this order is paid."),
    "duplicate": _l("Duplicate line: the same transfer appears earlier in the file."),
    "order_in_file": _l("Another line of this file already pays this order."),
    "outgoing": _l("Not an incoming transfer."),
    "bad_amount": _l("The amount cannot be read."),
    "ambiguous": _l("The description names several orders; confirm it by hand."),
    "not_transfer": _l("This order is not paid by bank transfer."),
}


@dataclass
class Match:
    line: StatementLine
    status: str  # MATCHED or a key of REASONS
    order: Order | None = None
    reference: str = ""
    notes: list = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.status == MATCHED

    @property
    def reason(self):
        return REASONS.get(self.status, "")


def _orders_by_reference(references: set[str]) -> dict[str, Order]:
    if not references:
        return {}
    return {o.transfer_reference: o for o in db.session.scalars(
        db.select(Order).where(Order.transfer_reference.in_(sorted(references))))}


def match_lines(actor, lines: list[StatementLine]) -> list[Match]:
    """Each line with the order it pays, or why it pays none. Writes nothing."""
    _require_admin(actor)
    candidates = {line.line: references_in(f"{line.description} {line.bank_reference}")
                  for line in lines}
    known = _orders_by_reference({ref for refs in candidates.values() for ref in refs})
    seen_lines: set[tuple] = set()
    paid_in_file: set[str] = set()
    results = []
    for line in lines:
        identity = ((line.bank_reference,) if line.bank_reference
                    else (line.date, line.amount, line.description))
        refs = [ref for ref in candidates[line.line] if ref in known]
        results.append(_match_one(line, identity, refs, candidates[line.line], known,
                                  seen_lines, paid_in_file))
        seen_lines.add(identity)
    return results


def _match_one(line, identity, refs, candidates, known, seen_lines, paid_in_file) -> Match:
    if line.outgoing:
        return Match(line, "outgoing")
    if line.amount is None or line.amount <= 0:
        return Match(line, "bad_amount")
    if identity in seen_lines:
        return Match(line, "duplicate", reference=refs[0] if refs else "")
    if not refs:
        return Match(line, "unknown_reference" if candidates else "no_reference",
                     reference=candidates[0] if candidates else "")
    if len(refs) > 1:
        return Match(line, "ambiguous", reference=", ".join(refs))
    order = known[refs[0]]
    match = Match(line, MATCHED, order=order, reference=refs[0])
    if order.payment_method != PaymentMethod.VIETQR.value:
        match.status = "not_transfer"
    elif already_paid(order):
        match.status = "already_paid"
    elif line.amount != order.total:
        match.status = "amount_differs"
    elif refs[0] in paid_in_file:
        match.status = "order_in_file"
    else:
        paid_in_file.add(refs[0])
        if holds_nothing(order):
            match.notes.append(_l("Nothing of this order awaits payment any more: the money "
                                  "will be recorded as a refund due to the buyer."))
    return match


def preview(actor, data: bytes) -> list[Match]:
    return match_lines(actor, read_statement(data))


@dataclass
class Confirmation:
    reference: str
    amount: int
    order: Order | None
    confirmed: bool
    reason: object = ""


def confirm_matches(actor, pairs: list[tuple[str, int]]) -> list[Confirmation]:
    """Confirm the previewed (reference, amount) pairs the admin accepted. Each is checked
    again now: the order exists, is a transfer order, the amount is its total, and it is
    not yet paid (the payment's external id is unique: a second import confirms nothing)."""
    _require_admin(actor)
    out = []
    for reference, amount in pairs[:BUDGET.max_rows]:
        order = _orders_by_reference({reference}).get(reference)
        if order is None or order.payment_method != PaymentMethod.VIETQR.value:
            out.append(Confirmation(reference, amount, order, False, REASONS["unknown_reference"]))
        elif already_paid(order):
            out.append(Confirmation(reference, amount, order, False, REASONS["already_paid"]))
        elif amount != order.total:
            out.append(Confirmation(reference, amount, order, False, REASONS["amount_differs"]))
        else:
            services.confirm_transfer(reference, actor=actor)
            out.append(Confirmation(reference, amount, order, True))
    return out


def parse_pairs(values: list[str]) -> list[tuple[str, int]]:
    """The preview form's hidden fields: REFERENCE:AMOUNT each; anything else is dropped."""
    pairs = []
    for value in values[:BUDGET.max_rows]:
        ref, _, amount = (value or "").partition(":")
        ref = ref.strip().upper()
        if _REFERENCE.fullmatch(ref) and amount.isdigit() and len(amount) <= 15:
            pairs.append((ref, int(amount)))
    return list(dict.fromkeys(pairs))

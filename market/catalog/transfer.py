"""Bulk catalogue work: export a cooperative's products to CSV or XLSX, and import the same
format back. An import validates every row first (with the catalogue's own rules) and writes
nothing when any row is bad; export -> import changes nothing.

One row per variant, as Shopify's product CSV: `slug` is the product's handle, and the
product's own columns (names, descriptions, unit, category, origin, status) are filled on its
first row; the next rows of the same slug leave them empty and add the product's other
variants (`sku`, `option_vi`, `option_en`, `price`, `weight_grams`, `gtin`, `on_sale`,
`stock`, `stock_new`). A row's `sku` names an existing variant of that product; a new SKU (or
an empty one) adds a variant. A new product has an empty slug; rows below it with an empty
slug and an empty `name_vi` are its further variants.

Stock follows Shopify's inventory-CSV pattern, so a sheet exported before some orders never
undoes their reservations: `stock` is what was on hand at export time (for reading), and
`stock_new`, empty in the export, is what the cooperative counts now. A filled `stock_new`
applies as an adjustment of (stock_new - stock); an empty one leaves stock alone. A new
product (no slug) starts with `stock_new`, or `stock` when `stock_new` is empty."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from market import csv_safe, spreadsheets
from market.catalog import services
from market.catalog.models import Category, Product, ProductStatus
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.parsing import parse_int
from market.vendors.models import Cooperative

PRODUCT_COLUMNS = ("name_vi", "name_en", "description_vi", "description_en", "unit", "category",
                   "origin_province_code", "status")
COLUMNS = ("slug", *PRODUCT_COLUMNS, "sku", "option_vi", "option_en", "price", "weight_grams",
           "gtin", "on_sale", "stock", "stock_new")
# The variant's own columns, as the catalogue's variant input names them.
VARIANT_COLUMNS = {"sku": "sku", "option_vi": "label_vi", "option_en": "label_en",
                   "price": "price", "weight_grams": "weight_grams", "gtin": "gtin"}
FORMATS = ("csv", "xlsx")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
BUDGET = spreadsheets.Budget(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 1,
                             max_cols=50, max_cells=(MAX_ROWS + 1) * 20)


@dataclass
class RowError:
    line: int
    column: str
    message: object


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # (slug/sku, stock_new asked, stock now) where orders took units after the export
    stock_differs: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(DomainError):
    code = "import_failed"
    status = 422

    def __init__(self, errors: list[RowError], status: int | None = None):
        self.errors = errors
        super().__init__(_l("The file has %(n)d problem(s); nothing was imported.", n=len(errors)),
                         status=status)


# --- export ---------------------------------------------------------------------------------

def _rows(coop: Cooperative):
    products = db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop.id).order_by(Product.id)
    )
    slugs = dict(db.session.execute(db.select(Category.id, Category.slug)).all())
    for product in products:
        by_locale = {t.locale: t for t in product.translations}
        vi, en = by_locale.get("vi"), by_locale.get("en")
        first = {
            "name_vi": vi.name if vi else "", "name_en": en.name if en else "",
            "description_vi": vi.description if vi else "",
            "description_en": en.description if en else "",
            "unit": product.unit, "category": slugs.get(product.category_id, ""),
            "origin_province_code": product.origin_province_code, "status": product.status,
        }
        for index, variant in enumerate(product.variants):
            yield {
                "slug": product.slug,
                **(first if index == 0 else dict.fromkeys(PRODUCT_COLUMNS, "")),
                "sku": variant.sku, "option_vi": variant.label_vi,
                "option_en": variant.label_en, "price": variant.price,
                "weight_grams": variant.weight_grams or "", "gtin": variant.gtin or "",
                "on_sale": "yes" if variant.active else "no",
                "stock": variant.stock, "stock_new": "",
            }


def export(coop: Cooperative, fmt: str) -> bytes:
    return _write(list(_rows(coop)), fmt)


def template(fmt: str) -> bytes:
    return _write([], fmt)


def _write(rows: list[dict], fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_safe.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)
        return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "products"
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([row[c] for c in COLUMNS])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text that starts with "=" stays text, never a formula
                    cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(fmt)


# --- import ---------------------------------------------------------------------------------

def _cell(value, *, escaped: bool):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        # Our CSV export quoted formula-like text (csv_safe); undo it before anything else.
        return (csv_safe.unescape(value) if escaped else value).strip()
    return value


def read_upload(data: bytes, budget, unreadable) -> tuple[list, bool]:
    """The rows of an uploaded CSV or XLSX within `budget`, and whether it was XLSX: a file
    over budget is refused with 413, one that cannot be read with the `unreadable` message."""
    is_xlsx = data[:4] == b"PK\x03\x04"
    try:
        return spreadsheets.read_rows(data, budget, xlsx=is_xlsx), is_xlsx
    except spreadsheets.TooLarge as exc:
        raise ImportFailed([RowError(0, "file", exc.message)], status=413) from None
    except spreadsheets.Unreadable:
        raise ImportFailed([RowError(0, "file", unreadable)]) from None


def read(data: bytes, filename: str = "") -> list[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1. Read within BUDGET: a file larger
    than that is refused (413) before it is unpacked or materialised."""
    raw, is_xlsx = read_upload(data, BUDGET, _l(
        "Upload the CSV (UTF-8) or XLSX file made from the template."))
    raw = [(line, [_cell(v, escaped=not is_xlsx) for v in values]) for line, values in raw]
    if not raw or [str(h).strip() for h in raw[0][1][:len(COLUMNS)]] != list(COLUMNS):
        raise ImportFailed([RowError(1, "header", _l(
            "The first row must hold the template's columns: %(cols)s",
            cols=", ".join(COLUMNS)))])
    rows = []
    for line, values in raw[1:]:
        if all(v == "" for v in values):
            continue
        values = list(values) + [""] * (len(COLUMNS) - len(values))
        rows.append((line, dict(zip(COLUMNS, values))))
    if len(rows) > MAX_ROWS:
        raise ImportFailed([RowError(0, "file", _l(
            "At most %(n)d rows per file.", n=MAX_ROWS))], status=413)
    return rows


def _stock_cell(row: dict, column: str, line: int, errors: list[RowError]) -> int | None:
    """A whole, non-negative number of units, or None when the cell is empty."""
    if row[column] in ("", None):
        return None
    value = parse_int(row[column])
    if value is None or value < 0:
        errors.append(RowError(line, column, _l("Stock must be a whole number, 0 or more.")))
    return value


def _on_sale(row: dict, line: int, errors: list[RowError]) -> bool:
    value = str(row["on_sale"] or "yes").strip().lower()
    if value not in ("yes", "no", "có", "không", "1", "0", "true", "false"):
        errors.append(RowError(line, "on_sale", _l("Write yes or no.")))
    return value in ("yes", "có", "1", "true")


@dataclass
class _Planned:
    line: int  # the product's first row
    product: Product | None
    payload: dict
    variant_lines: list[int] = field(default_factory=list)
    # (variant, line, stock shown, stock_new) of existing variants
    stock: list[tuple] = field(default_factory=list)


def _group(rows, own: dict, errors: list[RowError]) -> list[tuple[str, list]]:
    """The rows of each product, in file order: (slug, [(line, row), ...])."""
    groups: list[tuple[str, list]] = []
    seen: set[str] = set()
    for line, row in rows:
        slug = str(row["slug"] or "")
        if slug:
            if groups and groups[-1][0] == slug:
                groups[-1][1].append((line, row))
                continue
            if own.get(slug) is None:
                errors.append(RowError(line, "slug", _l(
                    "No product of your cooperative has this slug; leave it empty for a new "
                    "product.")))
            elif slug in seen:
                errors.append(RowError(line, "slug", _l(
                    "This product's rows must follow each other.")))
            seen.add(slug)
        elif groups and not groups[-1][0] and not str(row["name_vi"] or ""):
            groups[-1][1].append((line, row))  # another variant of the new product above
            continue
        groups.append((slug, [(line, row)]))
    return groups


def import_products(coop: Cooperative, data: bytes, filename: str = "", *,
                    actor_id: int | None = None) -> ImportResult:
    """Validate every row, then write all of them, or none when any row is bad. Stock is
    never written as a value: see the module's docstring."""
    rows = read(data, filename)
    own = {p.slug: p for p in db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop.id))}
    categories = dict(db.session.execute(db.select(Category.slug, Category.id)).all())
    errors: list[RowError] = []
    plan: list[_Planned] = []
    for slug, group in _group(rows, own, errors):
        product = own.get(slug) if slug else None
        first_line, first = group[0]
        payload = {k: first[k] for k in PRODUCT_COLUMNS if k != "category"}
        payload["status"] = first["status"] or ProductStatus.DRAFT.value
        category = str(first["category"] or "")
        if category and category not in categories:
            errors.append(RowError(first_line, "category", _l("Unknown category.")))
        payload["category_id"] = categories.get(category)
        planned = _Planned(first_line, product, payload)
        by_sku = {v.sku: v for v in product.variants} if product else {}
        variants = []
        for line, row in group:
            for column in PRODUCT_COLUMNS:
                if line != first_line and str(row[column] or "") not in ("", str(first[column] or "")):
                    errors.append(RowError(line, column, _l(
                        "Leave the product's columns empty on its further rows, or repeat the "
                        "first row's value.")))
            values = {key: row[column] for column, key in VARIANT_COLUMNS.items()}
            values["active"] = _on_sale(row, line, errors)
            shown = _stock_cell(row, "stock", line, errors)
            wanted = _stock_cell(row, "stock_new", line, errors)
            existing = by_sku.get(str(row["sku"] or "")) if row["sku"] not in ("", None) else None
            if existing is not None:
                values["id"] = existing.id
                if wanted is not None:
                    if shown is None:
                        errors.append(RowError(line, "stock", _l(
                            "Keep the exported stock in this column: stock_new is counted "
                            "from it.")))
                    planned.stock.append((existing, line, shown, wanted))
            else:
                values["stock"] = wanted if wanted is not None else (shown or 0)
            variants.append(values)
            planned.variant_lines.append(line)
        payload["variants"] = variants
        _clean, field_errors = services.validate_product(payload)
        for column, message in field_errors.items():
            line = first_line
            if column.startswith("variants-"):
                _v, index, column = column.split("-", 2)
                line = planned.variant_lines[int(index)]
                column = {v: k for k, v in VARIANT_COLUMNS.items()}.get(column, column)
            column = "category" if column == "category_id" else column
            errors.append(RowError(line, column, message))
        plan.append(planned)
    if errors:
        raise ImportFailed(errors)

    result = ImportResult()
    with db.session.begin_nested():
        for planned in plan:
            product = planned.product
            if product is None:
                services.create_product(coop, planned.payload, actor_id=actor_id)
                result.created += 1
                continue
            before = _snapshot(product)
            if planned.payload["category_id"] is None:
                product.category_id = None
            try:
                services.update_product(product, planned.payload, actor_id=actor_id)
            except ValidationError as exc:
                errors.append(RowError(planned.line, "sku", exc.message))
                continue
            for variant, line, shown, wanted in planned.stock:
                try:
                    now = services.change_stock(variant, shown, wanted, reason="import",
                                                actor_id=actor_id)
                except ValidationError as exc:
                    errors.append(RowError(line, "stock_new", exc.message))
                else:
                    if now != wanted:
                        result.stock_differs.append((f"{product.slug}/{variant.sku}", wanted,
                                                     now))
            if _snapshot(product) == before:
                result.unchanged += 1
            else:
                result.updated += 1
        if errors:  # leaving the block by an exception rolls every row back
            raise ImportFailed(errors)
    return result


def _snapshot(product: Product) -> tuple:
    texts = sorted((t.locale, t.name, t.description) for t in product.translations)
    variants = tuple((v.id, v.sku, v.label_vi, v.label_en, v.price, v.weight_grams, v.stock,
                      v.gtin, v.active) for v in product.variants)
    return (product.unit, product.price, product.category_id,
            product.origin_province_code, product.status, tuple(texts), variants)

"""Bulk catalogue work: export a cooperative's products to CSV or XLSX, and import the same
format back. An import validates every row first (with the catalogue's own rules) and writes
nothing when any row is bad; export -> import changes nothing."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook

from market.catalog import services
from market.catalog.models import Category, Product, ProductStatus
from market.errors import DomainError
from market.extensions import db
from market.vendors.models import Cooperative

COLUMNS = ("slug", "name_vi", "name_en", "description_vi", "description_en", "unit", "price",
           "stock", "category", "origin_province_code", "status")
FORMATS = ("csv", "xlsx")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


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

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(DomainError):
    code = "import_failed"
    status = 422

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(_l("The file has %(n)d problem(s); nothing was imported.", n=len(errors)))


# --- export ---------------------------------------------------------------------------------

def _rows(coop: Cooperative):
    products = db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop.id).order_by(Product.id)
    )
    slugs = dict(db.session.execute(db.select(Category.id, Category.slug)).all())
    for product in products:
        by_locale = {t.locale: t for t in product.translations}
        vi, en = by_locale.get("vi"), by_locale.get("en")
        yield {
            "slug": product.slug, "name_vi": vi.name if vi else "",
            "name_en": en.name if en else "",
            "description_vi": vi.description if vi else "",
            "description_en": en.description if en else "",
            "unit": product.unit, "price": product.price, "stock": product.stock,
            "category": slugs.get(product.category_id, ""),
            "origin_province_code": product.origin_province_code, "status": product.status,
        }


def export(coop: Cooperative, fmt: str) -> bytes:
    return _write(list(_rows(coop)), fmt)


def template(fmt: str) -> bytes:
    return _write([], fmt)


def _write(rows: list[dict], fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
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

def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def read(data: bytes, filename: str = "") -> list[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1."""
    if len(data) > MAX_BYTES:
        raise ImportFailed([RowError(0, "file", _l("The file is larger than %(mb)d MB.", mb=5))])
    is_xlsx = data[:4] == b"PK\x03\x04"
    try:
        if is_xlsx:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            text = data.decode("utf-8-sig")
            raw = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError):
        raise ImportFailed([RowError(0, "file", _l(
            "Upload the CSV (UTF-8) or XLSX file made from the template."))])
    if not raw or [str(h).strip() for h in raw[0][:len(COLUMNS)]] != list(COLUMNS):
        raise ImportFailed([RowError(1, "header", _l(
            "The first row must hold the template's columns: %(cols)s",
            cols=", ".join(COLUMNS)))])
    rows = []
    for line, values in enumerate(raw[1:], start=2):
        if all(v == "" for v in values):
            continue
        values = list(values) + [""] * (len(COLUMNS) - len(values))
        rows.append((line, dict(zip(COLUMNS, values))))
    if len(rows) > MAX_ROWS:
        raise ImportFailed([RowError(0, "file", _l(
            "At most %(n)d products per file.", n=MAX_ROWS))])
    return rows


def import_products(coop: Cooperative, data: bytes, filename: str = "") -> ImportResult:
    """Validate every row, then write all of them, or none when any row is bad."""
    rows = read(data, filename)
    own = {p.slug: p for p in db.session.scalars(
        db.select(Product).where(Product.cooperative_id == coop.id))}
    categories = dict(db.session.execute(db.select(Category.slug, Category.id)).all())
    errors: list[RowError] = []
    plan = []
    seen = set()
    for line, row in rows:
        slug = str(row["slug"] or "")
        product = None
        if slug:
            product = own.get(slug)
            if product is None:
                errors.append(RowError(line, "slug", _l(
                    "No product of your cooperative has this slug; leave it empty for a new "
                    "product.")))
            elif slug in seen:
                errors.append(RowError(line, "slug", _l("This product appears twice in the file.")))
            seen.add(slug)
        payload = {k: row[k] for k in COLUMNS if k not in ("slug", "category")}
        payload["status"] = row["status"] or ProductStatus.DRAFT.value
        category = str(row["category"] or "")
        if category and category not in categories:
            errors.append(RowError(line, "category", _l("Unknown category.")))
        payload["category_id"] = categories.get(category)
        _clean, field_errors = services.validate_product(payload)
        for column, message in field_errors.items():
            column = "category" if column == "category_id" else column
            errors.append(RowError(line, column, message))
        plan.append((product, payload))
    if errors:
        raise ImportFailed(errors)

    result = ImportResult()
    with db.session.begin_nested():
        for product, payload in plan:
            if product is None:
                services.create_product(coop, payload)
                result.created += 1
                continue
            before = _snapshot(product)
            if payload["category_id"] is None:
                product.category_id = None
            services.update_product(product, payload)
            if _snapshot(product) == before:
                result.unchanged += 1
            else:
                result.updated += 1
    return result


def _snapshot(product: Product) -> tuple:
    texts = sorted((t.locale, t.name, t.description) for t in product.translations)
    return (product.unit, product.price, product.stock, product.category_id,
            product.origin_province_code, product.status, tuple(texts))

"""The department's tables as columns and rows, shared by the pages and the exports
(CSV, XLSX, the monthly PDF), so that an export holds exactly what the page shows."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from market import csv_safe
from market.department import registry, services
from market.department.services import Filters, Period, Scope


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy string: headers follow the page's language
    kind: str = "int"  # text, int, money, rate, change


FIGURES = [Column("gmv", _l("GMV (VND)"), "money"), Column("orders", _l("Orders")),
           Column("units", _l("Units")), Column("buyers", _l("Buyers")),
           Column("aov", _l("Average order value (VND)"), "money"),
           Column("cancel_rate", _l("Cancellation rate"), "rate"),
           Column("refund_rate", _l("Refund rate"), "rate"),
           Column("dispute_rate", _l("Dispute rate"), "rate")]
SHARE = Column("share", _l("Share of GMV"), "rate")

TITLES = {
    "overview": _l("Overview"), "cooperatives": _l("By cooperative"),
    "categories": _l("By category"), "commodities": _l("By commodity"),
    "ocop": _l("By OCOP stars"), "communes": _l("By the cooperative's commune"),
    "destinations": _l("By destination province"), "products": _l("Top products"),
    "trends": _l("New, growing, shrinking and inactive cooperatives"),
    "fulfilment": _l("Fulfilment time from payment to delivery"),
    "disputes": _l("Dispute outcomes"), "compare": _l("Provinces compared"),
    "registry": _l("Cooperative registry"), "outreach": _l("Registered, not yet online"),
    "indicators": _l("Indicators per commune"),
}
LABEL_HEADERS = {
    "cooperatives": _l("Cooperative"), "categories": _l("Category"),
    "commodities": _l("Commodity"), "ocop": _l("OCOP rating"), "communes": _l("Commune"),
    "destinations": _l("Destination province"), "products": _l("Product"),
    "compare": _l("Province"),
}
TREND_LABELS = {"new": _l("new"), "growing": _l("growing"), "steady": _l("steady"),
                "shrinking": _l("shrinking"), "inactive": _l("inactive")}
SALES_TABLES = ("overview", *services.BREAKDOWNS, "trends", "fulfilment", "disputes")
REGISTRY_TABLES = ("registry", "outreach", "indicators")
ALL_TABLES = (*SALES_TABLES, "compare", *REGISTRY_TABLES)


FULFILMENT_COLUMNS = [Column("label", _l("Time to delivery"), "text"),
                      Column("parts", _l("Deliveries")), Column("share", _l("Share"), "rate")]


def sales_table(scope: Scope, period: Period, filters: Filters, name: str, locale: str,
                sort: str | None = None, descending: bool = True):
    """(columns, rows) of one sales table."""
    if name == "overview":
        data = services.overview(scope, period, filters)
        cols = [Column("label", _l("Figure"), "text"),
                Column("now", period.label, "value"),
                Column("before", data["previous"].label, "value"),
                Column("change", _l("Change vs. previous period"), "change")]
        rows = []
        for col in [*FIGURES, Column("ocop_share", _l("Share of sales from OCOP products"),
                                     "rate"),
                    Column("domestic_buyers", _l("Domestic buyers")),
                    Column("foreign_buyers", _l("Foreign buyers"))]:
            rows.append({"key": col.key, "label": str(col.label), "kind": col.kind,
                         "now": data["now"].get(col.key), "before": data["before"].get(col.key),
                         "change": data["change"].get(col.key)})
        return cols, rows
    if name in services.BREAKDOWNS:
        rows = services.breakdown(scope, period, filters, name, locale)
        cols = [Column("label", LABEL_HEADERS[name], "text"), *FIGURES, SHARE]
        return cols, services.sort_rows(rows, sort, descending)
    if name == "trends":
        rows = services.cooperative_trends(scope, period, filters)
        for r in rows:
            r["trend_label"] = str(TREND_LABELS[r["trend"]])
        cols = [Column("label", _l("Cooperative"), "text"),
                Column("trend_label", _l("Trend"), "text"),
                Column("gmv", _l("GMV (VND)"), "money"),
                Column("previous", _l("GMV, previous period (VND)"), "money"),
                Column("change", _l("Change vs. previous period"), "change")]
        return cols, services.sort_rows(rows, sort, descending)
    if name == "fulfilment":
        return FULFILMENT_COLUMNS, services.fulfilment(scope, period, filters)["rows"]
    if name == "disputes":
        cols = [Column("label", _l("Outcome"), "text"), Column("parts", _l("Disputes")),
                Column("share", _l("Share"), "rate")]
        return cols, services.dispute_outcomes(scope, period, filters)
    if name == "compare":
        rows = services.compare_provinces(scope, period, locale)
        return [Column("label", LABEL_HEADERS["compare"], "text"), *FIGURES], \
            services.sort_rows(rows, sort, descending)
    raise services.NotFound(_l("No such table."))


def registry_table(scope: Scope, name: str, locale: str, **filters):
    from market.geo import services as geo

    if name in ("registry", "outreach"):
        entries = registry.entries(scope, **filters) if name == "registry" else \
            registry.outreach(scope)
        rows = []
        for e in entries:
            place = geo.commune(e.commune_code) if e.commune_code else None
            rows.append({"tax_code": e.tax_code, "label": e.name,
                         "kind": str(_l("group") if e.kind == "group" else _l("cooperative")),
                         "registration_number": e.registration_number,
                         "registered_on": e.registered_on.isoformat() if e.registered_on else "",
                         "representative": e.representative, "sector": e.sector,
                         "commune": place.name(locale) if place else "",
                         "members": e.members,
                         "status": str(registry.STATUS_LABELS[e.status])})
        cols = [Column("tax_code", _l("Tax code"), "text"), Column("label", _l("Name"), "text"),
                Column("kind", _l("Kind"), "text"),
                Column("registration_number", _l("Registration number"), "text"),
                Column("registered_on", _l("Registered on"), "text"),
                Column("representative", _l("Legal representative"), "text"),
                Column("sector", _l("Sector"), "text"), Column("commune", _l("Commune"), "text"),
                Column("members", _l("Members")), Column("status", _l("Status"), "text")]
        return cols, rows
    if name == "indicators":
        data = registry.indicators(scope, locale)
        return indicator_columns(_l("Commune")), data["communes"]
    raise services.NotFound(_l("No such table."))


def indicator_columns(first_label):
    return [Column("label", first_label, "text"),
            Column("registered", _l("Registered agricultural cooperatives")),
            Column("storefront_share", _l("With an approved storefront"), "rate"),
            Column("sold_90_share", _l("With a sale in the last 90 days"), "rate"),
            Column("ocop_share", _l("With an OCOP-rated product"), "rate"),
            Column("traceable", _l("With traceable lots"), "na")]


# --------------------------------------------------------------------------- files

def _cell(row: dict, col: Column):
    value = row.get(col.key)
    if col.kind == "value":
        col = Column(col.key, col.label, row.get("kind", "int"))
    if value is None:
        return "" if col.kind != "na" else str(_l("not available yet"))
    if col.kind in ("rate", "change"):
        return round(value * 100, 1)
    if col.kind == "text":
        return str(value)
    return value


def _headers(cols: list[Column]) -> list[str]:
    out = []
    for c in cols:
        label = str(c.label)
        out.append(f"{label} (%)" if c.kind in ("rate", "change") else label)
    return out


def to_csv(cols: list[Column], rows: list[dict], caption: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv_safe.writer(out)
    for line in caption:
        writer.writerow([line])
    writer.writerow(_headers(cols))
    for row in rows:
        writer.writerow([_cell(row, c) for c in cols])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8 then


def to_xlsx(cols: list[Column], rows: list[dict], caption: list[str], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31].replace("/", "-") or "data")
    for line in caption:
        sheet.append([line])
    sheet.append(_headers(cols))
    for row in rows:
        sheet.append([_cell(row, c) for c in cols])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FONT_DIR = Path(__file__).parent / "data"


def monthly_pdf(scope: Scope, month: date, locale: str, province_name: str) -> bytes:
    """The month's report for the provincial People's Committee: the overview, the largest
    breakdowns and the registry indicators, on A4."""
    from fpdf import FPDF

    from market.i18n import format_number

    period = services.parse_period("month", month.isoformat())
    filters = Filters()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, new_x="LMARGIN", new_y="NEXT", text=str(_l("Monthly report on e-commerce sales of cooperatives, "
                                "%(province)s, %(month)s", province=province_name,
                                month=period.label)))
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=str(_l("Department of Industry and Trade. Figures from the HTX "
                                "Market marketplace; GMV excludes cancelled orders and "
                                "refunds; days in Vietnam's time zone.")))
    pdf.ln(3)

    def fmt(value, kind):
        if value is None:
            return str(_l("not available yet")) if kind == "na" else "—"
        if kind in ("rate", "change"):
            return f"{format_number(round(value * 100, 1))} %"
        return format_number(value)

    def table(title, cols, rows, widths):
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 8, text=str(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=widths, text_align=["LEFT"] + ["RIGHT"] * (len(cols) - 1),
                       line_height=5) as t:
            header = t.row()
            for c in cols:
                header.cell(str(c.label))
            for r in rows:
                line = t.row()
                for c in cols:
                    kind = r.get("kind", "int") if c.kind == "value" else c.kind
                    value = r.get(c.key)
                    line.cell(str(value) if c.kind == "text" else fmt(value, kind))
        pdf.ln(3)

    cols, rows = sales_table(scope, period, filters, "overview", locale)
    table(TITLES["overview"], cols, rows, (60, 40, 40, 30))
    short = [Column("label", "", "text"), FIGURES[0], FIGURES[1], FIGURES[2], SHARE]
    for name in ("cooperatives", "commodities", "communes", "destinations"):
        _, rows = sales_table(scope, period, filters, name, locale)
        table(TITLES[name], [Column("label", LABEL_HEADERS[name], "text"), *short[1:]],
              rows[:15], (70, 35, 25, 25, 25))
    data = registry.indicators(scope, locale, months=1)
    table(_l("Indicators of the plan (registered agricultural cooperatives)"),
          indicator_columns(_l("Province")), data["provinces"], (45, 30, 30, 30, 30, 25))
    return bytes(pdf.output())

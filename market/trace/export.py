"""What leaves the platform about a lot: QR codes, the GS1 Digital Link URI and linkset,
the EPCIS 2.0 JSON-LD document, and the Circular 02/2024/TT-BKHCN field list with the
national portal's shape (docs/traceability.md has the mapping)."""
from __future__ import annotations

import io
import uuid

import segno

from market.geo import services as geo
from market.trace.models import Lot
from market.trace.services import SCHEME_LABELS, TracePage, children, gtin14, public_lot
from market.urls import absolute_url_for, public_base_url

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
TZ_OFFSET = "+07:00"  # Asia/Ho_Chi_Minh, no daylight saving


def trace_url(lot: Lot, lang: str = "vi") -> str:
    return absolute_url_for("trace.lot_page", lang=lang, code=lot.code)


def digital_link(lot: Lot) -> str | None:
    """https://<site>/01/<GTIN-14>/10/<lot> when the lot's variant has a GTIN."""
    if lot.variant is None or not lot.variant.gtin:
        return None
    return f"{public_base_url()}/01/{gtin14(lot.variant.gtin)}/10/{lot.code}"


def qr_target(lot: Lot) -> str:
    return digital_link(lot) or trace_url(lot)


def qr(lot: Lot, kind: str) -> bytes:
    code = segno.make(qr_target(lot), error="m")
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=4, border=2, xmldecl=False)
    else:
        code.save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def linkset(lot: Lot) -> dict:
    """RFC 9264 linkset of the Digital Link URI with GS1 link types (GS1-Digital Link 1.2)."""
    anchor = digital_link(lot) or trace_url(lot)
    product_url = absolute_url_for("storefront.product", lang="vi", slug=lot.product.slug)
    return {"linkset": [{
        "anchor": anchor,
        "https://gs1.org/voc/defaultLink": [{"href": trace_url(lot, "vi"), "type": "text/html"}],
        "https://gs1.org/voc/traceability": [
            {"href": trace_url(lot, lang), "type": "text/html", "hreflang": [lang],
             "title": lot.product.name(lang)} for lang in ("vi", "en")],
        "https://gs1.org/voc/pip": [{"href": product_url, "type": "text/html",
                                     "hreflang": ["vi"]}],
        "https://gs1.org/voc/epcis": [{
            "href": absolute_url_for("trace.epcis", code=lot.code),
            "type": "application/ld+json"}],
    }]}


# --- EPCIS 2.0 ------------------------------------------------------------------------------

def _epc_class(lot: Lot) -> str:
    """The lot as an EPC class: the GS1 Digital Link LGTIN where there is a GTIN, else the
    trace page (an http URI the lot is known by)."""
    return digital_link(lot) or trace_url(lot)


def _uom(unit: str) -> str | None:
    return {"kg": "KGM", "g": "GRM", "lít": "LTR"}.get(unit)


def _quantity(lot: Lot, amount: int, unit: str | None = None) -> dict:
    element = {"epcClass": _epc_class(lot), "quantity": amount}
    uom = _uom(unit or lot.unit)
    if uom:
        element["uom"] = uom
    return element


BIZ_STEPS = {"input": "other", "harvest": "commissioning", "processing": "other",
             "packing": "packing", "shipping": "shipping", "certification": "inspecting",
             "lab": "inspecting", "correction": "other", "recall": "holding",
             "split": "repackaging", "merge": "repackaging"}
DISPOSITIONS = {"harvest": "active", "packing": "active", "shipping": "in_transit",
                "recall": "recalled"}


def _event(entry, codes: dict) -> dict:
    event, lot, details = entry.event, entry.lot, entry.details
    base = {
        "eventTime": event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recordTime": event.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventTimeZoneOffset": TZ_OFFSET,
        "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, lot.code + ':' + event.hash)}",
        "bizStep": BIZ_STEPS[event.kind],
        "htx:kind": event.kind, "htx:sha256": event.hash, "htx:prevSha256": event.prev_hash,
    }
    if event.kind in DISPOSITIONS:
        base["disposition"] = DISPOSITIONS[event.kind]
    if event.place_code:
        base["bizLocation"] = {"id": f"urn:htx:location:{event.place_code}"}
    if event.step:
        base["htx:step"] = event.step
    for key in ("input_name", "phi_days", "scheme", "number", "result", "test", "destination"):
        if key in details:
            base[f"htx:{key}"] = details[key]
    if event.kind in ("split", "merge") and (details.get("children") or details.get("from")):
        inputs, outputs = [], []
        if details.get("children"):
            inputs = [_quantity(lot, sum(c["taken"] for c in details["children"]))]
            outputs = [_quantity(codes[c["code"]], c["quantity"], c["unit"])
                       for c in details["children"] if c["code"] in codes]
        else:
            inputs = [_quantity(codes[p["code"]], p["taken"], p["unit"])
                      for p in details["from"] if p["code"] in codes]
            outputs = [_quantity(lot, lot.quantity)]
        if inputs and outputs:
            return {"type": "TransformationEvent", **base, "inputQuantityList": inputs,
                    "outputQuantityList": outputs}
    event_json = {"type": "ObjectEvent", **base,
                  "action": "ADD" if event.kind == "harvest" else "OBSERVE",
                  "quantityList": [_quantity(lot, lot.quantity)]}
    if event.kind == "harvest" and lot.best_before:
        event_json["ilmd"] = {"cbvmda:bestBeforeDate": lot.best_before.isoformat()}
    return event_json


def epcis_document(page: TracePage, now) -> dict:
    """The lot's whole history (its ancestors' events too) as an EPCISDocument."""
    codes = {lot.code: lot for lot in page.lots}
    for child in children(page.lot):
        codes.setdefault(child.code, child)
    for entry in page.timeline:  # the other lots a split made, named by its outputs
        for key in ("children", "from"):
            for item in entry.details.get(key) or []:
                if item["code"] not in codes:
                    codes[item["code"]] = public_lot(item["code"])
    return {
        "@context": [EPCIS_CONTEXT, {"htx": f"{public_base_url()}/ns/trace#"}],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epcisBody": {"eventList": [_event(entry, codes) for entry in page.timeline]},
    }


# --- Circular 02/2024/TT-BKHCN --------------------------------------------------------------

# Article 5's minimum content of traceability information, as (key, label); a lot's page and
# national export carry each one (tests/trace/test_circular02.py checks every demo lot).
CIRCULAR_02_FIELDS = (
    ("product_name", "Tên sản phẩm, hàng hóa"),
    ("images", "Hình ảnh sản phẩm, hàng hóa"),
    ("producer_name", "Tên cơ sở sản xuất, kinh doanh"),
    ("producer_address", "Địa chỉ cơ sở sản xuất, kinh doanh"),
    ("stages", "Công đoạn sản xuất, kinh doanh (mã sản phẩm, mã địa điểm, thời gian)"),
    ("trace_code", "Mã truy vết sản phẩm"),
    ("trademark", "Nhãn hiệu, số sê-ri (nếu có)"),
    ("shelf_life", "Hạn sử dụng (nếu có)"),
    ("standards", "Tiêu chuẩn áp dụng"),
)
OPTIONAL_FIELDS = {"trademark", "shelf_life"}  # "where any"


def image_urls(lot: Lot) -> list[str]:
    return [absolute_url_for("media", filename=image.filename) for image in lot.product.images]


def national_record(page: TracePage) -> dict:
    """One lot in the shape the National Traceability Portal (truyxuatnguongoc.gov.vn)
    takes from connected systems: GS1 identifiers, the producer, and one entry per stage."""
    lot = page.lot
    coop = lot.cooperative
    province = geo.province(coop.province_code)
    commune = geo.commune(coop.commune_code) if coop.commune_code else None
    address = ", ".join(p for p in (coop.address, commune.name_vi if commune else "",
                                    province.name("vi") if province else "") if p)
    certificates = [f"{SCHEME_LABELS.get(e.details.get('scheme'), e.details.get('scheme'))} "
                    f"{e.details.get('number', '')}".strip() for e in page.certifications]
    stages = [{
        "stage": e.event.kind, "step": e.event.step,
        "product_trace_code": e.lot.code,
        "location_code": e.event.place_code or (str(e.lot.commune_code or "")),
        "location": e.event.place,
        "time": e.event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": e.event.actor, "hash": e.event.hash,
    } for e in page.timeline]
    gtin = gtin14(lot.variant.gtin) if lot.variant is not None and lot.variant.gtin else ""
    return {
        "product_name": lot.product.name("vi"),
        "product_name_en": lot.product.name("en"),
        "images": image_urls(lot),
        "producer_name": coop.name,
        "producer_address": address,
        "producer_tax_code": coop.registration_code,
        "stages": stages,
        "trace_code": lot.code,
        "gs1": {"gtin": gtin, "lot": lot.code, "digital_link": digital_link(lot) or ""},
        "trademark": " ".join(p for p in (lot.variant.sku if lot.variant else "", gtin) if p),
        "shelf_life": lot.best_before.isoformat() if lot.best_before else "",
        "standards": "; ".join(p for p in [lot.standards, *certificates] if p),
        "trace_url": trace_url(lot),
        "recalled": lot.recalled, "chain_intact": page.intact,
    }


def missing_fields(record: dict) -> list[str]:
    """Circular 02 fields a record lacks (optional ones only count when they exist)."""
    return [key for key, _ in CIRCULAR_02_FIELDS
            if key not in OPTIONAL_FIELDS and not record.get(key)]

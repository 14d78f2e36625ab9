"""JSON checkout: POST /api/v1/orders with an `Idempotency-Key` header. A retry with the same
key returns the order already placed (200) instead of placing a second one (201)."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict

from flask import Blueprint, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from market.errors import DomainError
from market.extensions import csrf, db, limiter
from market.orders import services
from market.orders.models import Order
from market.payments import services as payments
from market.payments.views import bank_account, gateway
from market.problems import from_domain_error, problem

bp = Blueprint("orders_api", __name__, url_prefix="/api/v1")
ORDER_LIMITS = "5 per minute;30 per hour"  # per address; README "Security model" says so


def order_json(order: Order) -> dict:
    return {
        "id": order.public_id, "number": order.number, "total": order.total, "currency": "VND",
        "subtotal": order.subtotal, "shipping": order.shipping_total,
        "payment_method": order.payment_method,
        "transfer_reference": order.transfer_reference,
        "parts": [{
            "id": vo.public_id, "number": vo.number, "cooperative": vo.cooperative.slug, "status": vo.status,
            "total": vo.total, "shipping": vo.shipping_fee,
            "lines": [{"name": line.name, "variant": line.variant_label, "sku": line.sku,
                       "quantity": line.quantity, "unit_price": line.unit_price}
                      for line in vo.lines],
        } for vo in order.vendor_orders],
    }


def client_ref() -> str:
    """A keyed hash of the caller's address: caps one client's holds without storing it."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, get_remote_address().encode(), hashlib.sha256).hexdigest()


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _lines(raw) -> list[services.CheckoutLine]:
    if not isinstance(raw, list):
        return []
    # "variant" is the variant's SKU; without it, the product's default variant.
    return [services.CheckoutLine(_text(x.get("product")), x.get("quantity"), x.get("seen_price"),
                                  _text(x.get("variant")) or None)
            for x in raw if isinstance(x, dict)]


def _contact(raw) -> services.Contact:
    raw = raw if isinstance(raw, dict) else {}
    return services.Contact(
        **{k: _text(raw.get(k)) for k in ("name", "email", "phone", "address_line")},
        province_code=raw.get("province_code"), commune_code=raw.get("commune_code"))


@bp.post("/orders")
@csrf.exempt  # no cookie authority: guests only; the key makes retries safe
@limiter.limit(ORDER_LIMITS)
def create_order():
    body = request.get_json(silent=True)
    locale = body.get("locale") if isinstance(body, dict) else None
    locale = locale if locale in ("vi", "en") else "vi"
    with force_locale(locale):
        key = request.headers.get("Idempotency-Key", "")
        if not isinstance(body, dict):
            return problem(400, _("The request body must be a JSON object."))
        try:
            known = db.session.scalar(db.select(Order.id).filter_by(idempotency_key=key))
            db.session.commit()  # checkout starts a fresh, writing transaction
            order = services.place_order(
                lines=_lines(body.get("lines")), contact=_contact(body.get("contact")),
                payment_method=_text(body.get("payment_method")), idempotency_key=key,
                locale=locale, methods_available=payments.available_methods(
                    gateway(), bank_account()),
                payment_timeout=current_app.config["ORDER_PAYMENT_TIMEOUT"],
                shipping_rates=current_app.config["SHIPPING_RATES"],
                client_ref=client_ref(),
                max_open_orders=current_app.config["MAX_OPEN_ORDERS_PER_CLIENT"],
            )
            db.session.commit()
        except services.CheckoutRefused as exc:
            db.session.rollback()
            return from_domain_error(exc, problems=[asdict(p) for p in exc.problems])
        except DomainError as exc:
            db.session.rollback()
            return from_domain_error(exc)
        response = current_app.json.response(order_json(order))
        response.status_code = 200 if known else 201
        return response

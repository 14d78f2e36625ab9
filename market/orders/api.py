"""JSON checkout: POST /api/v1/orders with an `Idempotency-Key` header. A retry with the same
key returns the order already placed (200) instead of placing a second one (201)."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _

from market.errors import DomainError
from market.extensions import csrf, db
from market.orders import services
from market.orders.models import Order
from market.payments import services as payments
from market.payments.views import bank_account, gateway
from market.problems import from_domain_error, problem

bp = Blueprint("orders_api", __name__, url_prefix="/api/v1")


def order_json(order: Order) -> dict:
    return {
        "id": order.public_id, "total": order.total, "currency": "VND",
        "subtotal": order.subtotal, "shipping": order.shipping_total,
        "payment_method": order.payment_method,
        "transfer_reference": order.transfer_reference,
        "parts": [{
            "id": vo.public_id, "cooperative": vo.cooperative.slug, "status": vo.status,
            "total": vo.total, "shipping": vo.shipping_fee,
            "lines": [{"name": line.name, "quantity": line.quantity,
                       "unit_price": line.unit_price} for line in vo.lines],
        } for vo in order.vendor_orders],
    }


@bp.post("/orders")
@csrf.exempt  # no cookie authority: guests only; the key makes retries safe
def create_order():
    body = request.get_json(silent=True)
    locale = (body or {}).get("locale", "vi") if isinstance(body, dict) else "vi"
    with force_locale(locale if locale in ("vi", "en") else "vi"):
        key = request.headers.get("Idempotency-Key", "")
        if not isinstance(body, dict):
            return problem(400, _("The request body must be a JSON object."))
        try:
            known = db.session.scalar(db.select(Order.id).filter_by(idempotency_key=key))
            db.session.commit()  # checkout starts a fresh, writing transaction
            contact = body.get("contact") or {}
            order = services.place_order(
                lines=[services.CheckoutLine(str(x.get("product", "")), x.get("quantity"),
                                             x.get("seen_price"))
                       for x in body.get("lines") or [] if isinstance(x, dict)],
                contact=services.Contact(**{k: contact.get(k, "") for k in (
                    "name", "email", "phone", "province_code", "commune_code", "address_line")}),
                payment_method=body.get("payment_method", ""), idempotency_key=key,
                locale=locale, methods_available=payments.available_methods(
                    gateway(), bank_account()),
                payment_timeout=current_app.config["ORDER_PAYMENT_TIMEOUT"],
                shipping_rates=current_app.config["SHIPPING_RATES"],
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

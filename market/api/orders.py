"""Orders through the API: POST /api/v1/orders (a guest's checkout, or a partner's with an
`orders:write` key) with an `Idempotency-Key` header, and GET /api/v1/orders/<id> (the
status, for the partner whose key placed it). The body is validated by `schemas.OrderIn`:
wrong types are 422 problem+json with field errors, never a crash."""
from __future__ import annotations

from dataclasses import asdict, replace

from flask import current_app, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from market.api import keys, schemas
from market.api.auth import current_key, presented, refusal, require_scope
from market.api.blueprint import KEYED, OPTIONAL_KEY, bp, json_response
from market.api.problems import from_domain
from market.errors import DomainError, NotFound
from market.extensions import csrf, db, limiter
from market.orders import services
from market.orders.api import ORDER_LIMITS, client_ref, order_json
from market.orders.models import Order
from market.payments import services as payments
from market.payments.views import bank_account, gateway


def _keyed() -> bool:
    return current_key() is not None


TEXT_FIELDS = ("name", "email", "phone", "address_line", "postal_code", "city",
               "country_area", "city_area")


def _contact(raw: dict) -> services.Contact:
    """The body's contact, in Vietnam or abroad (schemas.ContactIn): the service checks it."""
    return services.Contact(
        **{k: raw.get(k) or "" for k in TEXT_FIELDS},
        country_code=raw.get("country_code") or "VN",
        province_code=raw.get("province_code"), commune_code=raw.get("commune_code"))


def _problem_json(problem: services.CheckoutProblem) -> dict:
    """A refused line; abroad with `detail`, why its parcel cannot go (in the body's
    language: "HTX Mật ong does not ship abroad.")."""
    data = asdict(replace(problem, message=None))
    del data["message"]
    if problem.message:
        data["detail"] = str(problem.message)
    return data


@bp.route("/orders", methods=["POST"])
@csrf.exempt  # no cookie authority: a guest or a key; the Idempotency-Key makes retries safe
@limiter.limit(ORDER_LIMITS, exempt_when=_keyed, override_defaults=False)
@bp.arguments(schemas.OrderIn)
@bp.response(201, schemas.Order, headers={"Location": {"schema": {"type": "string"}}})
@bp.alt_response(200, schema=schemas.Order, description="A retry: the order already placed.")
@bp.doc(security=OPTIONAL_KEY, parameters=[{
    "in": "header", "name": "Idempotency-Key", "required": True,
    "schema": {"type": "string", "minLength": 16, "maxLength": 100}}])
def create_order(body):
    """Place an order. A retry with the same Idempotency-Key returns the order already placed
    (200) instead of a second one (201)."""
    # A guest needs no key; a presented key must be valid and hold orders:write.
    stop = refusal("orders:write" if presented() is not None else None)
    if stop is not None:
        return stop
    locale = body["locale"]
    with force_locale(locale):
        key = request.headers.get("Idempotency-Key", "")
        try:
            known = db.session.scalar(db.select(Order.id).filter_by(idempotency_key=key))
            db.session.commit()  # checkout starts a fresh, writing transaction
            order = services.place_order(
                lines=[services.CheckoutLine(x["product"], x["quantity"], x.get("seen_price"),
                                             x.get("variant") or None) for x in body["lines"]],
                contact=_contact(body["contact"]),
                payment_method=body["payment_method"], idempotency_key=key,
                locale=locale, methods_available=payments.available_methods(
                    gateway(), bank_account()),
                payment_timeout=current_app.config["ORDER_PAYMENT_TIMEOUT"],
                shipping_rates=current_app.config["SHIPPING_RATES"],
                client_ref=client_ref(),
                max_open_orders=current_app.config["MAX_OPEN_ORDERS_PER_CLIENT"],
            )
            if current_key() is not None:
                keys.record_order(current_key(), order.id)
            db.session.commit()
        except services.CheckoutRefused as exc:
            db.session.rollback()
            return from_domain(exc, problems=[_problem_json(p) for p in exc.problems])
        except DomainError as exc:
            db.session.rollback()
            return from_domain(exc)
        response = json_response(order_json(order), status=200 if known else 201, cache=None)
        response.headers["Location"] = url_for("api.order_status", public_id=order.public_id,
                                               _external=False)
        return response


@bp.route("/orders/<public_id>")
@bp.response(200, schemas.Order)
@bp.doc(security=KEYED)
@require_scope("orders:write")
def order_status(public_id):
    """An order this key placed, with each cooperative's part and its status."""
    order = keys.order_of_key(current_key(), Order, public_id)
    if order is None:
        raise NotFound(_l("This key placed no order with this id."))
    return json_response(order_json(order), cache="private, no-cache")


"""Signed, expiring links to a guest's order: the confirmation page and emails carry one, so
the guest can follow, pay for and cancel the order from any browser without an account.

The token names the order (its public id) and nothing else; who may do what with the order
stays in `services.may_view` and the state machine. Tokens are signed with SECRET_KEY under
their own salt (a token made for another purpose never opens an order) and expire after
MARKET_ORDER_LINK_DAYS days."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from market.errors import DomainError
from market.extensions import db
from market.orders.models import Order
from market.urls import absolute_url_for

SALT = "htx-market.order-link.v1"
MAX_TOKEN_LENGTH = 200


class LinkInvalid(DomainError):
    code = "order_link_invalid"
    status = 400


class LinkExpired(DomainError):
    code = "order_link_expired"
    status = 410


def _serializer(issued_at: int | None = None) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if issued_at is not None:  # a token dated when the order was placed (see placing_token)
        signer = type("DatedSigner", (TimestampSigner,), {"get_timestamp": lambda _: issued_at})
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=signer)


def make_token(order: Order) -> str:
    """A link valid for ORDER_LINK_DAYS from now (emails, the confirmation page)."""
    return _serializer().dumps({"o": order.public_id})


def placing_token(order: Order) -> str:
    """The same token every time for one order, dated when it was placed: for the card
    payment's return addresses, which Stripe compares between retries of one attempt (the
    same idempotency key must come with the same parameters)."""
    placed: datetime = order.created_at
    return _serializer(int(placed.timestamp())).dumps({"o": order.public_id})


def _public_id(payload) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), str):
        raise LinkInvalid(_l("This order link is not valid."))
    return payload["o"]


def order_id_from(token) -> str:
    """The public id of the order this token names; LinkInvalid when it was altered or is
    not an order link, LinkExpired when it is older than ORDER_LINK_DAYS."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid(_l("This order link is not valid."))
    max_age = int(current_app.config["ORDER_LINK_DAYS"]) * 86400
    try:
        return _public_id(_serializer().loads(token, max_age=max_age))
    except SignatureExpired:
        raise LinkExpired(_l("This order link has expired.")) from None
    except BadSignature:
        raise LinkInvalid(_l("This order link is not valid.")) from None


def order_id_or_none(token) -> str | None:
    """Like order_id_from, for forms and return URLs where a bad token is simply no proof."""
    if not token:
        return None
    try:
        return order_id_from(token)
    except DomainError:
        return None


def order_url(order: Order) -> str:
    """The absolute address of the order for emails: a signed link for a guest's order, the
    order page (behind sign-in) for a buyer's."""
    if order.buyer_id is None:
        return absolute_url_for("orders.order_by_link", lang=order.locale,
                                token=make_token(order))
    return absolute_url_for("orders.order_page", lang=order.locale, public_id=order.public_id)


def resend(token, email) -> bool:
    """Mail a fresh link to the order's address when `email` is that address and `token` is
    an order link this site signed (expired or not). The caller answers the same either way,
    so nobody learns whose order it is; returns whether a mail was queued (for tests)."""
    from market.orders import services

    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not isinstance(email, str):
        return False
    try:
        public_id = _public_id(_serializer().loads(token))  # signature only, any age
    except (BadSignature, DomainError):
        return False
    order = db.session.scalar(db.select(Order).filter_by(public_id=public_id))
    if order is None or order.buyer_id is not None or order.email != email.strip().lower():
        return False
    services.send_order_link(order)
    return True

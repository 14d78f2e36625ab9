"""The order's JSON shape and the client reference of API checkouts; the routes
(POST /api/v1/orders, GET /api/v1/orders/<id>) live in market/api/orders.py."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_limiter.util import get_remote_address

from market.orders.models import Order

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

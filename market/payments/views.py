"""The Stripe webhook and the card-payment return page."""
from flask import Blueprint, abort, current_app, jsonify, render_template, request, session
from flask_login import current_user

from market.extensions import csrf, db
from market.orders import links
from market.orders import services as orders
from market.payments import services
from market.payments.stripe_gateway import InvalidEvent, InvalidSignature, StripeGateway

bp = Blueprint("payments", __name__, template_folder="templates")


def gateway() -> StripeGateway:
    return StripeGateway(current_app.config.get("STRIPE_API_KEY"),
                         current_app.config.get("STRIPE_WEBHOOK_SECRET"),
                         current_app.config.get("STRIPE_API_BASE"))


def bank_account() -> services.BankAccount | None:
    cfg = current_app.config
    if not (cfg.get("VIETQR_BANK_BIN") and cfg.get("VIETQR_ACCOUNT")):
        return None
    return services.BankAccount(cfg["VIETQR_BANK_BIN"], cfg["VIETQR_ACCOUNT"],
                                cfg.get("VIETQR_HOLDER", ""))


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    # Verify the raw bytes Stripe signed, never a re-serialised JSON.
    stripe = gateway()
    try:
        event = stripe.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        return jsonify({"error": "invalid signature"}), 400
    except InvalidEvent as exc:
        current_app.logger.warning("signed stripe event refused: %s", exc)
        return jsonify({"error": "malformed event"}), 400
    try:
        outcome = services.handle_stripe_event(event, stripe)
    except (KeyError, TypeError, ValueError):
        # Signed but not what a handler expects: say so to Stripe and keep the evidence.
        db.session.rollback()
        current_app.logger.exception("stripe event %s could not be applied", event.get("id"))
        return jsonify({"error": "malformed event"}), 400
    db.session.commit()
    current_app.logger.info("stripe event %s %s: %s", event["id"], event["type"], outcome)
    return jsonify({"received": True, "outcome": outcome})


@bp.get("/<lang:lang>/payments/stripe/return/<public_id>")
def stripe_return(public_id):
    """Where Stripe sends the buyer back: waits (refreshing) until the webhook has landed."""
    order = orders.get_order(public_id)
    link = request.args.get("link")  # paid from the guest's signed order link
    linked = links.order_id_or_none(link)
    if not orders.may_view(order, current_user, session.get("orders", []), linked):
        abort(404)
    return render_template("orders/stripe_return.html", order=order,
                           link_token=link if linked else None)


"""Buyer pages (cart, checkout, orders) and the cooperative's order pages."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from market import confirm
from market.accounts import addresses
from market.accounts.models import Role
from market.catalog.services import parse_vnd
from market.dbtypes import utcnow
from market.errors import DomainError, ValidationError
from market.extensions import db, limiter
from market.i18n import current_lang
from market.intl import display
from market.orders import (
    carriers,
    cart,
    disputes,
    ledger,
    links,
    packing,
    proforma,
    services,
    states,
)
from market.orders.forms import METHOD_LABELS, CheckoutForm
from market.orders.models import Dispute, PaymentMethod, VendorOrderStatus
from market.payments import services as payments
from market.payments import transfers, vietqr
from market.payments.views import bank_account, gateway
from market.reviews import services as reviews
from market.trace import services as trace
from market.uploads import send_private
from market.urls import absolute_url_for, with_query
from market.vendors import services as vendors

bp = Blueprint("orders", __name__, url_prefix="/<lang:lang>", template_folder="templates")
CHECKOUT_LIMITS = "10 per minute;60 per hour"  # per address; README "Security model" says so
LINK_RESEND_LIMITS = "3 per minute;10 per hour"


@bp.app_context_processor
def _labels():
    """Words for the codes that orders pages show: never a raw `full_refund` or `cod`."""
    return {"dispute_decision_labels": disputes.DECISION_LABELS,
            "dispute_status_labels": disputes.STATUS_LABELS,
            "payment_method_labels": METHOD_LABELS}


def _attempt(action, success_message) -> bool:
    """Run one state-changing service call: commit and say so, or roll back and show why."""
    try:
        action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return False
    flash(success_message, "success")
    return True


# --- the cart: session for guests, database for signed-in buyers -------------------------

def _items() -> dict:
    if current_user.is_authenticated:
        return cart.load(current_user)
    return dict(session.get("cart", {}))


def _store(items: dict) -> None:
    if current_user.is_authenticated:
        cart.save(current_user, items)
        db.session.commit()
    else:
        session["cart"] = items


@user_logged_in.connect
def _merge_cart_at_login(app, user):
    guest = session.pop("cart", None)
    if guest:
        cart.save(user, cart.merge(cart.load(user), guest))
        db.session.commit()


@bp.app_context_processor
def _cart_count():
    """The header's cart badge: a callable, so only pages that show it pay for it (one
    SUM for a signed-in buyer, nothing for a guest's session cart)."""
    def cart_count() -> int:
        if current_user.is_authenticated:
            return cart.count_saved(current_user)
        return cart.count(session.get("cart", {}))
    return {"cart_count": cart_count}


@bp.get("/cart")
def view_cart():
    return render_template("orders/cart.html", summary=cart.summarise(_items()))


@bp.post("/cart/add")
def add_to_cart():
    try:
        _store(cart.set_quantity(_items(), request.form.get("product", ""),
                                 request.form.get("quantity", 1), add=True,
                                 variant=request.form.get("variant") or None))
        flash(_("Added to your cart."), "success")
    except DomainError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("orders.view_cart"))


@bp.post("/cart/update")
def update_cart():
    """One line's quantity: typed (quantity), stepped (the − / + buttons: step=-1 or 1) or
    removed (the remove button)."""
    form = request.form
    try:
        _store(cart.change(_items(), form.get("product", ""), quantity=form.get("quantity", 0),
                           step=form.get("step"), remove="remove" in form))
    except DomainError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("orders.view_cart"), code=303)


# --- checkout -----------------------------------------------------------------------------

def _methods() -> list[str]:
    return payments.available_methods(gateway(), bank_account())


@bp.route("/checkout", methods=["GET", "POST"])
@limiter.limit(CHECKOUT_LIMITS, methods=["POST"])
def checkout():
    items = _items()
    summary = cart.summarise(items)
    if not summary.groups:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("orders.view_cart"))
    form = CheckoutForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = form.name.data or current_user.name
        form.email.data = form.email.data or current_user.email
    book = _address_book(form)
    form.fill_choices(current_lang(), services.methods_for(form.country, _methods()))
    if form.abroad and len(form.payment_method.choices) == 1:
        form.payment_method.data = form.payment_method.choices[0][0]
    problems = []
    removed = request.form.get("remove_line") if request.method == "POST" else None
    if removed:
        # A line the chosen country cannot receive, removed from the checkout itself: the
        # page comes back with everything typed, and the rest of the cart.
        try:
            _store(cart.change(_items(), removed, remove=True))
        except DomainError as exc:
            flash(str(exc.message), "error")
        summary = cart.summarise(_items())
        if not summary.groups:
            flash(_("Your cart is empty."), "info")
            return redirect(url_for("orders.view_cart"))
    elif form.recalculate.data:
        pass  # "Update total" (without JavaScript): the summary below, nothing placed
    elif form.validate_on_submit():
        try:
            order = _place(form, summary)
        except services.CheckoutRefused as exc:
            problems = exc.problems
            flash(str(exc.message), "error")
        except ValidationError as exc:
            for field, message in exc.errors.items():
                getattr(form, field, form.address_line).errors.append(str(message))
        except DomainError as exc:
            flash(str(exc.message), "error")
        else:
            return _after_order(order)
    status = 422 if (form.errors or problems) else 200
    totals = _totals(summary, form.province_code.data, form.country)
    return render_template("orders/checkout.html", form=form, summary=summary,
                           totals=totals, estimate=display.estimate(totals.total),
                           zone_table=display.zone_table(totals.country),
                           problems={f"{p.product_slug}/{p.variant}": p for p in problems},
                           **book), status


def _totals(summary, province_code, country=None) -> services.CheckoutTotals:
    return services.checkout_totals(summary, province_code,
                                    current_app.config["SHIPPING_RATES"], country)


@bp.get("/checkout/summary")
def checkout_summary():
    """The checkout's summary for another province, for the page's script to swap in."""
    summary = cart.summarise(_items())
    totals = _totals(summary, request.args.get("province_code"), request.args.get("country_code"))
    return render_template("orders/_checkout_summary.html", summary=summary, problems={},
                           totals=totals, estimate=display.estimate(totals.total),
                           zone_table=display.zone_table(totals.country))


def _place(form: CheckoutForm, summary) -> services.Order:
    db.session.commit()  # checkout starts a fresh, writing transaction
    lines = [services.CheckoutLine(line.product.slug, line.quantity, line.variant.price,
                                   variant=line.variant.id)
             for group in summary.groups for line in group.lines]
    order = services.place_order(
        lines=lines,
        contact=services.Contact(email=form.email.data, **form.address_fields()),
        payment_method=form.payment_method.data, idempotency_key=form.idempotency_key.data,
        buyer=current_user if current_user.is_authenticated else None,
        locale=current_lang(), methods_available=_methods(),
        payment_timeout=current_app.config["ORDER_PAYMENT_TIMEOUT"],
        shipping_rates=current_app.config["SHIPPING_RATES"],
        max_open_orders=current_app.config["MAX_OPEN_ORDERS_PER_CLIENT"],
    )
    _remember_address(form, order)
    db.session.commit()
    _store({})
    session["orders"] = (session.get("orders", []) + [order.public_id])[-20:]
    return order


# --- the buyer's address book at checkout (its rules: accounts/addresses.py) --------------

def _address_book(form) -> dict:
    """The signed-in buyer's saved addresses for the picker. On GET the one chosen with
    `?address=<id>` (plain links: no JavaScript needed), else the default, fills the
    delivery fields; with none saved, the profile's phone number does."""
    if not current_user.is_authenticated:
        return {"saved_addresses": [], "chosen_address": None}
    book, chosen = addresses.for_checkout(current_user, request.args.get("address"))
    if request.method == "GET":
        values = addresses.form_values(chosen) if chosen else {"phone": current_user.phone}
        for name, value in values.items():
            getattr(form, name).data = value or getattr(form, name).data
    return {"saved_addresses": book, "chosen_address": chosen,
            "describe_address": addresses.describe}


def _remember_address(form, order) -> None:
    """After the order: its address (in Vietnam or abroad) joins the buyer's address book
    ("Save this address", ticked by default), and its phone the profile when that has none."""
    if current_user.is_authenticated and form.save_address.data \
            and order.buyer_id == current_user.id:
        addresses.remember(current_user, **addresses.form_values(order))


def _after_order(order):
    if order.payment_method == PaymentMethod.STRIPE.value:
        return _pay_by_card(order)
    flash(_("Thank you! Your order is placed."), "success")
    return redirect(url_for("orders.order_page", public_id=order.public_id), code=303)


def _pay_by_card(order, link_token: str | None = None):
    """To Stripe's payment page; when Stripe cannot be reached the order (and its stock) is
    kept and the buyer lands on its page, which offers to try again or to cancel. A guest's
    order returns to addresses that carry its link (the browser that pays may not be the
    one that placed it); the link is the order's fixed one, so every retry of one attempt
    sends Stripe the same parameters."""
    if order.buyer_id is None:
        token = links.placing_token(order)
        success = with_query(absolute_url_for("payments.stripe_return",
                                              public_id=order.public_id), {"link": token})
        back = absolute_url_for("orders.order_by_link", token=token)
    else:
        success = absolute_url_for("payments.stripe_return", public_id=order.public_id)
        back = absolute_url_for("orders.order_page", public_id=order.public_id)
    try:
        url = payments.start_card_payment(order, gateway(), success_url=success,
                                          cancel_url=back)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back_to_order(order, link_token)
    return redirect(url, code=303)


# --- the buyer's orders -------------------------------------------------------------------

def _link_token() -> str | None:
    """The signed order link a form or a return URL carries, if any."""
    token = request.form.get("link") or request.args.get("link")
    return token if isinstance(token, str) and token else None


def _linked_order_id(link_token: str | None) -> str | None:
    """The order a signed link names; an altered or expired link stops the request with a
    page that says so (and, when expired, offers a new link by email)."""
    if not link_token:
        return None
    try:
        return links.order_id_from(link_token)
    except links.LinkExpired as exc:
        abort(make_response(render_template("orders/link_problem.html", message=exc.message,
                                            token=link_token, expired=True), exc.status))
    except links.LinkInvalid as exc:
        abort(make_response(render_template("orders/link_problem.html", message=exc.message,
                                            expired=False), exc.status))


def _visible_order(public_id, link_token: str | None = None):
    order = services.get_order(public_id)
    linked = _linked_order_id(link_token)
    if not services.may_view(order, current_user, session.get("orders", []), linked):
        abort(404)
    return order


def _order_url(order, link_token: str | None) -> str:
    if link_token:
        return url_for("orders.order_by_link", token=link_token)
    return url_for("orders.order_page", public_id=order.public_id)


def _back_to_order(order, link_token: str | None):
    return redirect(_order_url(order, link_token), code=303)


def _confirm_cancel(number: str, order, link_token: str | None):
    return confirm.page(_("Cancel order %(id)s?", id=number),
                        _("The cooperatives stop preparing it and the goods go back on sale. "
                          "This cannot be undone."),
                        _("Cancel the order"), _order_url(order, link_token))


def _render_order(order, link_token: str | None = None):
    qr = None
    bank = bank_account()
    if order.payment_method == PaymentMethod.VIETQR.value and bank and any(
        vo.status == VendorOrderStatus.PENDING_PAYMENT.value for vo in order.vendor_orders
    ):
        qr = vietqr.svg(payments.transfer_request(order, bank))
    # A guest's order shows the link that opens it anywhere (the email carries it too).
    share_link = (links.order_url(order) if order.buyer_id is None and not link_token
                  else None)
    return render_template("orders/order.html", order=order, qr=qr, bank=bank,
                           view=services.order_view(order, current_lang()),
                           method_labels=METHOD_LABELS,
                           link_token=link_token, share_link=share_link,
                           card_retry=payments.awaiting_card_payment(order)
                           and gateway().enabled,
                           cancellable=services.cancellable(order),
                           status_label=services.status_label,
                           disputes=disputes.for_order(order), dispute_window=disputes.WINDOW,
                           line_reviews=reviews.for_order(order, current_user),
                           line_lots=trace.lots_for_lines(
                               line.id for vo in order.vendor_orders for line in vo.lines))


@bp.get("/orders/<public_id>")
def order_page(public_id):
    return _render_order(_visible_order(public_id))


def _pdf(body: bytes, name: str):
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/orders/<public_id>/proforma/<part_id>.pdf")
def buyer_proforma(public_id, part_id):
    """The proforma invoice of one international parcel, for whoever may see the order
    (a guest's signed link as ?link=)."""
    order = _visible_order(public_id, request.args.get("link"))
    vo = proforma.for_buyer(order, part_id)
    return _pdf(proforma.pdf(vo), proforma.filename(vo))


@bp.get("/vendor/orders/<public_id>/proforma.pdf")
@login_required
def vendor_proforma(public_id):
    """The same invoice for the cooperative that ships the parcel (admins any)."""
    vo = proforma.for_staff(current_user, public_id)
    return _pdf(proforma.pdf(vo), proforma.filename(vo))


@bp.get("/orders/link/<token>")
def order_by_link(token):
    """A guest's order opened from its signed link, in any browser, signed in or not."""
    order = _visible_order(_linked_order_id(token), token)
    response = make_response(_render_order(order, token))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/orders/link/resend")
@limiter.limit(LINK_RESEND_LIMITS)
def resend_link():
    """A fresh link for an expired one, mailed to the order's address; the answer is the
    same whether or not the address matches."""
    links.resend(request.form.get("token"), request.form.get("email"))
    db.session.commit()
    return render_template("orders/link_problem.html", expired=False, resent=True,
                           message=_("If this email address is the order's, a new link "
                                     "is on its way. It opens the order for %(days)d days.",
                                     days=current_app.config["ORDER_LINK_DAYS"]))


@bp.post("/orders/<public_id>/cancel/<vo_id>")
def cancel_part(public_id, vo_id):
    order = _visible_order(public_id)
    vo = next((v for v in order.vendor_orders if v.public_id == vo_id), None)
    if vo is None or not current_user.is_authenticated:
        abort(404)
    if confirm.needed():
        return _confirm_cancel(vo.number, order, None)
    _attempt(lambda: services.transition(vo, VendorOrderStatus.CANCELLED, actor=current_user),
             _("That part of your order is cancelled."))
    return redirect(url_for("orders.order_page", public_id=public_id))


@bp.post("/orders/<public_id>/pay")
def pay_order(public_id):
    token = _link_token()
    return _pay_by_card(_visible_order(public_id, token), token)


@bp.post("/orders/<public_id>/cancel")
def cancel_order(public_id):
    """The buyer (signed in, the guest session that placed it, or whoever holds its signed
    link) cancels what holds no money."""
    token = _link_token()
    order = _visible_order(public_id, token)
    guest = order.buyer_id is None and (public_id in session.get("orders", [])
                                        or _linked_order_id(token) == public_id)
    if confirm.needed():
        return _confirm_cancel(order.number, order, token)
    _attempt(lambda: services.cancel_order(order, actor=current_user, guest=guest),
             _("Your order is cancelled."))
    return _back_to_order(order, token)


@bp.get("/orders")
@login_required
def my_orders():
    query = (request.args.get("q") or "").strip()[:40]
    return render_template("orders/my_orders.html", query=query,
                           orders=services.orders_of(current_user, query),
                           status_label=services.status_label)


@bp.post("/orders/<public_id>/reorder")
@login_required
def reorder(public_id):
    """ "Buy again": the order's products that are still for sale go back into the cart."""
    result = cart.reorder(_items(), services.get_order(public_id), current_user,
                          current_lang())
    _store(result.items)
    if result.added:
        flash(_("Added to your cart again: %(names)s.", names=", ".join(result.added)),
              "success")
    for name, held in result.capped:
        flash(_("Not enough %(name)s in stock: your cart holds %(n)d.", name=name, n=held),
              "info")
    if result.unavailable:
        flash(_("No longer available, so not added: %(names)s.",
                names=", ".join(result.unavailable)), "error")
    if not result.added and not result.capped and not result.unavailable:
        flash(_("This order has nothing to buy again."), "info")
    return redirect(url_for("orders.view_cart"), code=303)


# --- the cooperative's side ---------------------------------------------------------------

def _coop_id() -> int:
    if not current_user.is_authenticated or current_user.role != Role.COOP_STAFF.value:
        abort(404)
    return current_user.cooperative_id


@bp.get("/vendor/orders")
@login_required
def vendor_orders():
    status = request.args.get("status") or None
    if status and status not in {s.value for s in VendorOrderStatus}:
        status = None
    query = request.args.get("q", "")
    return render_template("orders/vendor_orders.html", status=status, q=query,
                           vendor_orders=services.vendor_orders_for(_coop_id(), status, query),
                           statuses=list(VendorOrderStatus), status_label=services.status_label)


@bp.get("/vendor/orders/<public_id>/slip")
@login_required
def packing_slip(public_id):
    """A printable slip for the parcel (A6 label or A4 sheet); the cooperative's own parts
    only (admins any)."""
    size = request.args.get("size")
    return render_template("orders/packing_slip.html",
                           slip=packing.packing_slip(current_user, public_id),
                           size=size if size in packing.SIZES else packing.SIZES[0],
                           sizes=packing.SIZES)


@bp.get("/vendor/orders/<public_id>")
@login_required
def vendor_order(public_id):
    vo = services.vendor_order_for(_coop_id(), public_id)
    return render_template("orders/vendor_order.html", vo=vo,
                           dispute=disputes.for_order(vo.order).get(vo.id),
                           next_states=states.next_states(vo, states.COOP),
                           carrier_choices=carriers.choices(),
                           status_label=services.status_label,
                           packing_slip=request.args.get("print") == "slip")


@bp.post("/vendor/orders/<public_id>")
@login_required
def vendor_order_action(public_id):
    vo = services.vendor_order_for(_coop_id(), public_id)
    target = request.form.get("to", "")
    if target == VendorOrderStatus.CANCELLED.value and confirm.needed():
        return confirm.page(_("Cancel order %(id)s?", id=vo.number),
                            _("The buyer is told, and the stock goes back on the shelf."),
                            _("Cancel the order"),
                            url_for("orders.vendor_order", public_id=public_id))
    if target not in {s.value for s in VendorOrderStatus}:
        flash(_("That action is not possible."), "error")
    else:
        _attempt(lambda: services.transition(
            vo, target, actor=current_user, carrier=request.form.get("carrier", ""),
            tracking_number=request.form.get("tracking_number", "")), _("Order updated."))
    return redirect(url_for("orders.vendor_order", public_id=public_id))


def _admin() -> None:
    if not current_user.is_authenticated or current_user.role != Role.ADMIN.value:
        abort(404)


@bp.route("/admin/transfers", methods=["GET", "POST"])
@login_required
def confirm_transfer():
    """Orders awaiting a bank transfer (search by number); POST confirms one, after the
    admin compared the amount on the confirmation step (`transfer_detail`)."""
    _admin()
    if request.method == "POST":
        reference = request.form.get("reference", "").strip().upper()
        _attempt(lambda: payments.confirm_transfer(reference, actor=current_user),
                 _("Transfer confirmed for reference %(ref)s.", ref=reference))
        return redirect(url_for("orders.confirm_transfer"))
    return _transfers_page()


def _transfers_page(**result):
    query, now = request.args.get("q", ""), utcnow()
    return render_template("orders/confirm_transfer.html", q=query,
                           orders=transfers.awaiting(current_user, query),
                           age=lambda at: format_timedelta(now - at, add_direction=False),
                           max_mb=transfers.MAX_BYTES // (1024 * 1024),
                           **result), 422 if result.get("error") else 200


@bp.get("/admin/transfers/<reference>")
@login_required
def transfer_detail(reference):
    """The confirmation step: the amount expected, to compare with the bank statement."""
    _admin()
    order = transfers.find_order(current_user, reference)
    return render_template("orders/transfer_detail.html", order=order,
                           already_paid=transfers.already_paid(order),
                           holds_nothing=transfers.holds_nothing(order),
                           status_label=services.status_label)


@bp.post("/admin/transfers/statement")
@login_required
def import_statement():
    """A bank statement (CSV or XLSX): matched and unmatched lines, nothing written yet."""
    _admin()
    upload = request.files.get("statement")
    if not upload or not upload.filename:
        return _transfers_page(error=_("Choose the bank statement file (CSV or XLSX)."))
    try:
        matches = transfers.preview(current_user, upload.stream.read(transfers.MAX_BYTES + 1))
    except DomainError as exc:
        return _transfers_page(error=str(exc.message))
    return _transfers_page(matches=matches, filename=upload.filename[:120])


@bp.post("/admin/transfers/statement/confirm")
@login_required
def confirm_statement():
    _admin()
    pairs = transfers.parse_pairs(request.form.getlist("pay"))
    try:
        done = transfers.confirm_matches(current_user, pairs)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("orders.confirm_transfer"), code=303)
    confirmed = [c for c in done if c.confirmed]
    flash(ngettext("%(num)d transfer confirmed.", "%(num)d transfers confirmed.",
                   len(confirmed)), "success")
    for c in done:
        if not c.confirmed:
            flash(f"{c.reference}: {c.reason}", "info")
    return redirect(url_for("orders.confirm_transfer"), code=303)


# --- disputes -----------------------------------------------------------------------------

@bp.post("/orders/<public_id>/dispute/<vo_id>")
@login_required
def open_dispute(public_id, vo_id):
    order = _visible_order(public_id)
    vo = next((v for v in order.vendor_orders if v.public_id == vo_id), None)
    if vo is None:
        abort(404)
    photos = [f.stream for f in request.files.getlist("photos") if f and f.filename]
    _attempt(lambda: disputes.open_dispute(
        vo, current_user, request.form.get("reason", ""), photos,
        private_dir=current_app.config["PRIVATE_DIR"]),
        _("Your dispute is open. The cooperative will answer."))
    return redirect(url_for("orders.order_page", public_id=public_id))


@bp.get("/disputes/<public_id>/photos/<int:index>")
@login_required
def dispute_photo(public_id, index):
    """A buyer's photo, only for those who may see the dispute (private files, never /media)."""
    name = disputes.photo_for(current_user, public_id, index, request.args.get("size"))
    return send_private(current_app.config["PRIVATE_DIR"], name,
                        legacy_media_dir=current_app.config["MEDIA_DIR"])


@bp.post("/vendor/disputes/<public_id>")
@login_required
def answer_dispute(public_id):
    dispute = _dispute(public_id)
    if dispute.vendor_order.cooperative_id != _coop_id():
        abort(404)
    _attempt(lambda: disputes.answer(dispute, current_user, request.form.get("answer", "")),
             _("Your answer is recorded."))
    return redirect(url_for("orders.vendor_order", public_id=dispute.vendor_order.public_id))


@bp.route("/disputes", methods=["GET", "POST"])
@login_required
def dispute_queue():
    if request.method == "POST":
        dispute = _dispute(request.form.get("dispute", ""))
        if not disputes.may_decide(current_user, dispute):
            abort(404)
        decision = request.form.get("decision", "")
        if decision in disputes.DECISIONS and confirm.needed():
            return confirm.page(
                _("Decide the dispute about order %(id)s: %(decision)s?",
                  id=dispute.vendor_order.number,
                  decision=disputes.DECISION_LABELS[decision]),
                _("The decision is final: the buyer and the cooperative see it, and a refund "
                  "is recorded at once."), _("Record the decision"),
                url_for("orders.dispute_queue"))
        _attempt(lambda: disputes.decide(
            dispute, current_user, request.form.get("decision", ""),
            parse_vnd(request.form.get("refund_amount") or "0") or 0,
            request.form.get("note", "")), _("Decision recorded."))
        return redirect(url_for("orders.dispute_queue"))
    if current_user.role not in (Role.OFFICER.value, Role.ADMIN.value):
        abort(404)
    return render_template("orders/disputes.html", disputes=disputes.queue_for(current_user))


def _dispute(public_id):
    dispute = db.session.scalar(db.select(Dispute).filter_by(public_id=public_id))
    if dispute is None:
        abort(404)
    return dispute


# --- money: the cooperative's ledger and the platform's payouts ---------------------------

@bp.get("/vendor/payouts")
@login_required
def vendor_payouts():
    coop_id = _coop_id()
    return render_template("orders/vendor_payouts.html", balance=ledger.balance(coop_id),
                           entry_labels=ledger.ENTRY_LABELS,
                           entries=ledger.entries_for(coop_id),
                           payouts=ledger.payouts_for(coop_id))


@bp.route("/admin/payouts", methods=["GET", "POST"])
@login_required
def admin_payouts():
    if current_user.role != Role.ADMIN.value:
        abort(404)
    if request.method == "POST":
        _attempt(lambda: ledger.create_payout(
            vendors.get_by_slug(request.form.get("cooperative", "")).id,
            parse_vnd(request.form.get("amount", "")) or 0,
            request.form.get("bank_reference", ""), current_user), _("Payout recorded."))
        return redirect(url_for("orders.admin_payouts"))
    return render_template("orders/admin_payouts.html", owed=ledger.balances(),
                           problems=ledger.reconcile())

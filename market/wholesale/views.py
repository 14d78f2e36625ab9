"""Wholesale pages: the RFQ form (from a product or a cooperative page), the buyer's
inquiries, the cooperative's inbox and setting, the thread with its quote / accept /
decline / counter forms, and the printable agreement. Views parse input and call
market/wholesale/services.py, which checks who may see and do what on every inquiry."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import confirm
from market.errors import DomainError, ValidationError
from market.extensions import db, limiter
from market.i18n import current_lang
from market.wholesale import services, terms
from market.wholesale.forms import (
    AcceptForm,
    CounterForm,
    MessageForm,
    QuoteForm,
    RfqForm,
    SettingsForm,
    incoterm_choices,
    unit_choices,
)

bp = Blueprint("wholesale", __name__, url_prefix="/<lang:lang>", template_folder="templates")
# Each request for quotation mails the cooperative's team: a few per client address.
RFQ_LIMITS = "5 per minute;30 per hour"


def _template_values() -> dict:
    return {"terms": terms, "status_labels": services.STATUS_LABELS,
            "action_labels": services.ACTION_LABELS}


# --- the RFQ form ---------------------------------------------------------------------------

def _rfq_form(target: services.Target) -> RfqForm:
    lang = current_lang()
    form = RfqForm()
    choices = [(p.slug, p.name(lang)) for p in target.products]
    if target.open_goods:
        choices.append(("", _("Other goods (describe below)")))
    form.product.choices = choices
    form.unit.choices = unit_choices()
    form.incoterm.choices = incoterm_choices(lang)
    form.destination_country.choices = [("", _("Choose a country"))] + terms.countries(lang)
    if request.method == "GET":
        form.unit.data = form.unit.data or "tonne"
        form.incoterm.data = form.incoterm.data or "FOB"
    return form


def _send(target: services.Target):
    services.require_buyer(current_user)
    form = _rfq_form(target)
    status = 200
    if form.validate_on_submit():
        try:
            rfq = services.create_rfq(current_user, target, form.data)
        except ValidationError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                getattr(form, field).errors = [str(message)]
            status = 422
        else:
            db.session.commit()
            flash(_("Your request for quotation is sent to %(coop)s. You will get an email "
                    "when it answers.", coop=target.cooperative.name), "success")
            return redirect(url_for(".thread", public_id=rfq.public_id), code=303)
    elif form.errors:
        status = 422
    return render_template("wholesale/rfq_form.html", form=form, target=target,
                           **_template_values()), status


@bp.route("/wholesale/rfq/product/<slug>", methods=["GET", "POST"])
@limiter.limit(RFQ_LIMITS, methods=["POST"])
@login_required
def rfq_product(slug):
    return _send(services.target_for_product(slug))


@bp.route("/wholesale/rfq/cooperative/<slug>", methods=["GET", "POST"])
@limiter.limit(RFQ_LIMITS, methods=["POST"])
@login_required
def rfq_cooperative(slug):
    return _send(services.target_for_cooperative(slug))


# --- lists ------------------------------------------------------------------------------------

@bp.get("/account/inquiries")
@login_required
def my_inquiries():
    return render_template("wholesale/my_inquiries.html",
                           rfqs=services.for_buyer(current_user), **_template_values())


@bp.get("/vendor/inquiries")
@login_required
def vendor_inbox():
    rfqs = services.for_cooperative(current_user)
    return render_template("wholesale/vendor_inbox.html", rfqs=rfqs, coop=current_user.cooperative,
                           **_template_values())


@bp.route("/vendor/inquiries/settings", methods=["GET", "POST"])
@login_required
def vendor_settings():
    settings = services.settings_for(current_user)
    form = SettingsForm()
    if form.validate_on_submit():
        services.save_settings(current_user, accepts_all=form.accepts_all.data,
                               product_ids=request.form.getlist("products"))
        db.session.commit()
        flash(_("Your wholesale setting is saved."), "success")
        return redirect(url_for(".vendor_settings"), code=303)
    if request.method == "GET":
        form.accepts_all.data = settings.accepts_all
    return render_template("wholesale/vendor_settings.html", form=form, settings=settings,
                           coop=current_user.cooperative)


# --- the thread ---------------------------------------------------------------------------------

def _quote_form(rfq, data=None) -> QuoteForm:
    form = QuoteForm(formdata=data)
    form.price_unit.choices = [(u, terms.UNITS_BY_CODE[u].singular)
                               for u in terms.price_units(rfq.unit)]
    form.certifications.choices = [
        (c.public_id, _("OCOP %(stars)d-star, certificate %(number)s", stars=c.stars,
                        number=c.certificate_number))
        for c in services.offered_certificates(rfq.cooperative_id)]
    if data is None:
        last = rfq.current_quote
        countered = next((e for e in reversed(rfq.events) if e.action == "countered"), None)
        form.quantity.data = str((countered and countered.counter_quantity)
                                 or (last.quantity if last else rfq.quantity))
        form.min_order.data = str(last.min_order if last else rfq.quantity)
        form.price_unit.data = last.price_unit if last else terms.price_units(rfq.unit)[-1]
        if last:
            form.price_vnd.data = str(last.price_vnd)
            form.lead_time_days.data = str(last.lead_time_days)
            form.other_certifications.data = last.other_certifications
    return form


def _thread(rfq, side, forms=None, status=200):
    forms = forms or {}
    allowed = services.allowed(rfq, side)
    current = rfq.current_quote
    if "quoted" in allowed and "quote" not in forms:
        forms["quote"] = _quote_form(rfq)
    for name, cls in (("counter", CounterForm), ("message", MessageForm),
                      ("accept", AcceptForm)):
        forms.setdefault(name, cls(formdata=None))
    if current is not None:
        forms["accept"].quote.data = current.public_id
    return render_template(
        "wholesale/thread.html", rfq=rfq, side=side, allowed=allowed, quote=current,
        expired=current is not None and services.quote_expired(current),
        incoterm=terms.INCOTERMS_BY_CODE[rfq.incoterm], forms=forms,
        total=(terms.total(current.price_vnd, current.price_unit, current.quantity, rfq.unit)
               if current else None),
        **_template_values()), status


@bp.get("/inquiries/<public_id>")
@login_required
def thread(public_id):
    rfq, side = services.get_for(current_user, public_id)
    return _thread(rfq, side)


def _act(public_id, action, success: str, form_name: str | None = None, form=None):
    """Run `action`; a field error shows the thread again with the form's errors, a refused
    step (expired, closed, replaced) is flashed, and 403/404 stay what they are."""
    try:
        result = action()
    except ValidationError as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            getattr(form, field).errors = [str(message)]
        rfq, side = services.get_for(current_user, public_id)
        return _thread(rfq, side, {form_name: form}, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(str(exc.message), "error")
        return redirect(url_for(".thread", public_id=public_id), code=303)
    db.session.commit()
    flash(success, "success")
    if action_goes_to_agreement(result):
        return redirect(url_for(".agreement", public_id=result.public_id), code=303)
    return redirect(url_for(".thread", public_id=public_id), code=303)


def action_goes_to_agreement(result) -> bool:
    from market.wholesale.models import Agreement

    return isinstance(result, Agreement)


@bp.post("/inquiries/<public_id>/quote")
@login_required
def quote(public_id):
    rfq, _side = services.get_for(current_user, public_id)
    form = _quote_form(rfq, request.form)
    if not form.validate_on_submit():
        return redirect(url_for(".thread", public_id=public_id), code=303)
    data = {**form.data, "certifications": request.form.getlist("certifications")}
    return _act(public_id, lambda: services.quote(current_user, public_id, data),
                _("Your quote is sent to the buyer."), "quote", form)


@bp.post("/inquiries/<public_id>/accept")
@login_required
def accept(public_id):
    services.get_for(current_user, public_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return redirect(url_for(".thread", public_id=public_id), code=303)
    return _act(public_id, lambda: services.accept(current_user, public_id, form.quote.data),
                _("You accepted the quote: here is the agreement."))


@bp.post("/inquiries/<public_id>/counter")
@login_required
def counter(public_id):
    services.get_for(current_user, public_id)
    form = CounterForm()
    if not form.validate_on_submit():
        return redirect(url_for(".thread", public_id=public_id), code=303)
    return _act(public_id, lambda: services.counter(current_user, public_id, form.data),
                _("Your counter-offer is sent to the cooperative."), "counter", form)


_CLOSING = {  # action: (the service, the step it makes)
    "decline": (services.decline, "declined"),
    "withdraw": (services.withdraw, "withdrawn"),
    "refuse": (services.refuse, "refused"),
}


def _close(public_id, action: str):
    rfq, side = services.get_for(current_user, public_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return redirect(url_for(".thread", public_id=public_id), code=303)
    service, step = _CLOSING[action]
    if step not in services.allowed(rfq, side):  # the service refuses it, with the reason
        return _act(public_id, lambda: service(current_user, public_id, form.message.data), "")
    if confirm.needed():
        titles = {
            "decline": (_("Decline this quote?"),
                        _("The inquiry closes and the cooperative is told; you cannot accept "
                          "this quote afterwards."), _("Decline the quote")),
            "withdraw": (_("Withdraw this inquiry?"),
                         _("The inquiry closes and the cooperative is told."),
                         _("Withdraw the inquiry")),
            "refuse": (_("Decline to quote?"),
                       _("The inquiry closes and the buyer is told."), _("Decline to quote")),
        }
        title, message, label = titles[action]
        return confirm.page(title, message, label, url_for(".thread", public_id=public_id))
    success = {"decline": _("You declined the quote; the inquiry is closed."),
               "withdraw": _("You withdrew the inquiry."),
               "refuse": _("You declined to quote; the buyer is told.")}[action]
    return _act(public_id, lambda: service(current_user, public_id, form.message.data), success)


@bp.post("/inquiries/<public_id>/decline")
@login_required
def decline(public_id):
    return _close(public_id, "decline")


@bp.post("/inquiries/<public_id>/withdraw")
@login_required
def withdraw(public_id):
    return _close(public_id, "withdraw")


@bp.post("/inquiries/<public_id>/refuse")
@login_required
def refuse(public_id):
    return _close(public_id, "refuse")


# --- the agreement ------------------------------------------------------------------------------

@bp.get("/agreements/<public_id>")
@login_required
def agreement(public_id):
    item, side = services.agreement_for(current_user, public_id)
    t = item.terms
    return render_template("wholesale/agreement.html", agreement=item, t=t, side=side,
                           incoterm=terms.INCOTERMS_BY_CODE[t["incoterm"]],
                           seller_province=services.province_name(t["seller"]["province_code"],
                                                                  current_lang()),
                           **_template_values())


__all__ = ["bp"]

"""Foreign buyers' pages: the display currency they choose, and the admin's exchange-rate
table (import a bank's CSV, or set one rate)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.accounts.models import Role
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.intl import display, rates
from market.urls import safe_redirect_target

bp = Blueprint("intl", __name__, url_prefix="/<lang:lang>", template_folder="templates")


@bp.app_context_processor
def _currencies():
    return {"display_currencies": rates.CURRENCIES,
            "display_currency": display.chosen_currency}


@bp.post("/currency")
def set_currency():
    """The display currency of estimates (VND: none), kept in the session."""
    code = (request.form.get("currency") or "").upper()
    if code in rates.CURRENCIES or code == "VND":
        session["currency"] = code
    back = safe_redirect_target(request.form.get("next")) or url_for("storefront.home")
    return redirect(back, code=303)


def _admin() -> None:
    if not current_user.is_authenticated or current_user.role != Role.ADMIN.value:
        abort(404)


@bp.route("/admin/rates", methods=["GET", "POST"])
@login_required
def admin_rates():
    """Import a bank's table (CSV) or set one rate; the table with its dates below."""
    _admin()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            upload = request.files.get("file")
            if upload and upload.filename:
                count = rates.import_file(
                    upload.stream.read(rates.MAX_BYTES + 1),
                    rate_date=rates.parse_day(request.form.get("rate_date")),
                    source=upload.filename[:80], actor_id=current_user.id)
                message = _("%(n)d exchange rates imported.", n=count)
            else:
                rates.set_rate(request.form.get("currency"), request.form.get("vnd_per_unit"),
                               request.form.get("rate_date"), actor_id=current_user.id)
                message = _("Exchange rate saved.")
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("intl.admin_rates"), code=303)
        except ValidationError as exc:
            db.session.rollback()
            errors, status = {k: str(v) for k, v in exc.errors.items()}, 422
        except DomainError as exc:
            db.session.rollback()
            errors, status = {"file": str(exc.message)}, 422
    return render_template("intl/admin_rates.html", latest=rates.latest(),
                           history=rates.history(), currencies=rates.CURRENCIES,
                           errors=errors, values=request.form), status

"""The admin's pages for partner API keys: create (the secret is shown once, on the answer
to the form), rotate (a new secret; the old one works for ROTATION_GRACE more), revoke, and
each key's recent requests. Admins only; every form carries a CSRF token."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.accounts.models import Role
from market.api import keys
from market.api.forms import KeyForm
from market.errors import ValidationError
from market.extensions import db

bp = Blueprint("api_admin", __name__, url_prefix="/<lang:lang>/admin/api-keys",
               template_folder="templates")


def _admin() -> None:
    if not current_user.is_authenticated or current_user.role != Role.ADMIN.value:
        abort(404)


def _key(key_id: int) -> keys.ApiKey:
    key = keys.get_key(key_id)
    if key is None:
        abort(404)
    return key


def _page(form: KeyForm, created=None, secret=None, status=200):
    return render_template("api/keys.html", form=form, keys=keys.list_keys(), created=created,
                           secret=secret, scopes=keys.SCOPES), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    _admin()
    form = KeyForm()
    if form.validate_on_submit():
        try:
            key, secret = keys.create_key(form.name.data, form.scopes.data, form.contact.data,
                                          form.rate_limit.data)
        except ValidationError as exc:
            for field, message in exc.errors.items():
                getattr(form, field, form.name).errors.append(message)
            db.session.rollback()
            return _page(form, status=422)
        db.session.commit()
        # Shown on this answer only: the page is not cached, and the secret is stored hashed.
        return _page(KeyForm(formdata=None), created=key, secret=secret)
    return _page(form, status=422 if form.errors else 200)


@bp.get("/<int:key_id>")
@login_required
def detail(key_id):
    _admin()
    key = _key(key_id)
    return render_template("api/key_detail.html", key=key, requests=keys.recent_requests(key))


@bp.post("/<int:key_id>/rotate")
@login_required
def rotate(key_id):
    _admin()
    key = _key(key_id)
    if not key.active():
        flash(_("A revoked key cannot be rotated: create a new one."), "error")
        return redirect(url_for("api_admin.index"))
    new, secret = keys.rotate_key(key)
    db.session.commit()
    flash(_("Key rotated: the old key keeps working for 24 hours."), "success")
    return _page(KeyForm(formdata=None), created=new, secret=secret)


@bp.post("/<int:key_id>/revoke")
@login_required
def revoke(key_id):
    _admin()
    keys.revoke_key(_key(key_id))
    db.session.commit()
    flash(_("Key revoked."), "success")
    return redirect(url_for("api_admin.index"))


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response

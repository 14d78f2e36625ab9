from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import services
from market.accounts.forms import LoginForm, RegisterForm
from market.errors import ValidationError
from market.extensions import db, limiter

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang>/account",
               template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: no open redirect through ?next=.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("storefront.home"))
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data, password=form.password.data, name=form.name.data,
                locale=form.locale.data,
            )
        except ValidationError as exc:
            for field, message in exc.errors.items():
                getattr(form, field, form.email).errors.append(str(message))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("storefront.home", lang=user.locale))
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("storefront.home"))


@bp.get("/")
@login_required
def profile():
    return render_template("accounts/profile.html", user=current_user)

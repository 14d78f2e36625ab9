import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import services
from market.accounts.forms import LoginForm, PasswordForm, RegisterForm
from market.errors import ValidationError
from market.extensions import db, limiter
from market.urls import safe_redirect_target

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang>/account",
               template_folder="templates")

LOGIN_LIMIT = "10 per minute"  # per client address, as the README says


def sign_in(user, remember: bool = False) -> None:
    """Start a server-side session for `user` and put its token in the cookie. Every place
    that signs someone in goes through here (login, registration, invitations)."""
    services.start_session(user, request.user_agent.string or "")
    db.session.commit()
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            sign_in(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_redirect_target(request.args.get("next"))
                            or url_for("storefront.home"))
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
            sign_in(user)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("storefront.home", lang=user.locale))
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("storefront.home"))


@bp.get("/")
@login_required
def profile():
    return render_template("accounts/profile.html", user=current_user,
                           sessions=services.sessions_of(current_user))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(LOGIN_LIMIT, methods=["POST"])  # it checks the current password too
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(),
                                     form.current_password.data,
                                     form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                getattr(form, field, form.password).errors.append(str(message))
        else:
            db.session.commit()
            flash(_("Your password is changed. You are signed out everywhere else."),
                  "success")
            return redirect(url_for(".profile"))
    status = 422 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    user = current_user._get_current_object()
    services.end_sessions(user, keep=user.current_session)
    db.session.commit()
    flash(_("You are signed out everywhere else."), "success")
    return redirect(url_for(".profile"))


@bp.cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Close an account by email: it can no longer sign in and all its sessions end."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    services.deactivate(user)
    db.session.commit()
    click.echo(f"{user.email} is deactivated and signed out everywhere.")

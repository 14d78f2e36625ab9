import click
from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import addresses, services
from market.accounts.forms import (
    AddressForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from market.errors import DomainError, ValidationError
from market.extensions import db, limiter
from market.i18n import current_lang
from market.sessions import renew_id
from market.urls import absolute_url_for, safe_redirect_target

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang>/account",
               template_folder="templates")

LOGIN_LIMIT = "10 per minute"  # per client address, as the README says
RESET_LIMIT = "5 per minute;20 per hour"  # reset requests per client address
RESET_EMAIL_LIMIT = "3 per hour"  # reset mails per email address: no way to flood a mailbox


def _show_errors(form, exc: ValidationError, fallback) -> None:
    """A service's field errors under the form's fields (`fallback` for any other)."""
    for field, message in exc.errors.items():
        getattr(form, field, fallback).errors.append(str(message))


def sign_in(user, remember: bool = False) -> None:
    """Start a server-side session for `user` and put its token in the cookie. Every place
    that signs someone in goes through here (login, registration, invitations)."""
    services.start_session(user, request.user_agent.string or "")
    db.session.commit()
    login_user(user, remember=remember)
    renew_id(session)  # after login_user: the session is not empty then


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
    form = RegisterForm(locale=current_lang())  # the page's language, unless chosen
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
    renew_id(session)
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
            _show_errors(form, exc, form.password)
        else:
            db.session.commit()
            flash(_("Your password is changed. You are signed out everywhere else."),
                  "success")
            return redirect(url_for(".profile"))
    status = 422 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


# --- password reset by email ------------------------------------------------------------------

def _reset_email_key() -> str:
    return "reset-email:" + (request.form.get("email") or "").strip().lower()[:254]


def _reset_link(token: str, lang: str) -> str:
    return absolute_url_for("accounts.reset_password", lang=lang, token=token)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
@limiter.limit(RESET_EMAIL_LIMIT, methods=["POST"], key_func=_reset_email_key,
               scope="password-reset-email")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, _reset_link)
        db.session.commit()
        # The same words whether or not the address has an account: no enumeration.
        flash(_("If an account uses %(email)s, we have sent it a link to choose a new "
                "password. It works for one hour.", email=form.email.data.strip()), "info")
        return redirect(url_for(".login"), code=303)
    status = 422 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def reset_password(token):
    form = ResetPasswordForm()
    problem = None
    try:
        user = services.user_for_reset_token(token)
    except DomainError as exc:
        problem, user = exc, None
    if user is not None and form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            _show_errors(form, exc, form.password)
        else:
            db.session.commit()
            logout_user()  # this browser's sign-in, if any, ended with all the others
            flash(_("Your new password is set and you are signed out everywhere. Sign in "
                    "with the new password."), "success")
            return redirect(url_for(".login"), code=303)
    status = 400 if problem else 422 if form.errors else 200
    response = make_response(render_template(
        "accounts/reset_password.html", form=form, problem=problem, user=user), status)
    # The token is in the path: no Referer carries it to another site, no cache keeps it.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- profile and address book -----------------------------------------------------------------

@bp.route("/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(user, name=form.name.data, locale=form.locale.data,
                                    phone=form.phone.data)
        except ValidationError as exc:
            db.session.rollback()
            _show_errors(form, exc, form.name)
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for(".profile", lang=user.locale), code=303)
    status = 422 if form.errors else 200
    return render_template("accounts/edit_profile.html", form=form), status


@bp.get("/addresses")
@login_required
def addresses_list():
    return render_template("accounts/addresses.html",
                           addresses=addresses.addresses_of(current_user),
                           describe=addresses.describe, limit=addresses.MAX_ADDRESSES)


def _address_form(address=None) -> AddressForm:
    """The address form with the choices of its country (Vietnam's places, or abroad the
    fields that country has), filled from the request or the saved address."""
    form = AddressForm(obj=address)
    form.fill_country_choices(current_lang())
    return form


def _address_page(form, address=None):
    status = 422 if form.errors else 200
    return render_template("accounts/address_form.html", form=form, address=address), status


def _submitted(form) -> bool:
    """A save: "Show this country's address fields" (the country changed) only re-renders."""
    return not form.refresh.data and form.validate_on_submit()


@bp.route("/addresses/new", methods=["GET", "POST"])
@login_required
def address_new():
    form = _address_form()
    if _submitted(form):
        try:
            addresses.add_address(current_user, make_default=form.make_default.data,
                                  **form.address_fields())
        except ValidationError as exc:
            db.session.rollback()
            _show_errors(form, exc, form.address_line)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("The address is saved."), "success")
            return redirect(url_for(".addresses_list"), code=303)
    return _address_page(form)


@bp.route("/addresses/<public_id>", methods=["GET", "POST"])
@login_required
def address_edit(public_id):
    address = addresses.get_address(current_user, public_id)
    form = _address_form(address)
    if request.method == "GET":
        form.make_default.data = address.is_default
    if _submitted(form):
        try:
            addresses.update_address(current_user, public_id,
                                     make_default=form.make_default.data,
                                     **form.address_fields())
        except ValidationError as exc:
            db.session.rollback()
            _show_errors(form, exc, form.address_line)
        else:
            db.session.commit()
            flash(_("The address is saved."), "success")
            return redirect(url_for(".addresses_list"), code=303)
    return _address_page(form, address)


@bp.post("/addresses/<public_id>/default")
@login_required
def address_default(public_id):
    addresses.set_default(current_user, public_id)
    db.session.commit()
    flash(_("This is now your default address."), "success")
    return redirect(url_for(".addresses_list"), code=303)


@bp.post("/addresses/<public_id>/delete")
@login_required
def address_delete(public_id):
    addresses.delete_address(current_user, public_id)
    db.session.commit()
    flash(_("The address is deleted."), "success")
    return redirect(url_for(".addresses_list"), code=303)


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

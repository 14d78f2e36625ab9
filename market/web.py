"""Blueprint registration, error pages, and the few app-wide routes (/, /healthz, /media)."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from market.errors import DomainError
from market.extensions import db, login_manager
from market.i18n import preferred_locale
from market.urls import template_url_for, with_query


def init_app(app) -> None:
    from market.accounts.services import load_user
    from market.accounts.views import bp as accounts_bp
    from market.intl.views import bp as intl_bp
    from market.notifications.views import bp as notifications_bp
    from market.ocop.views import bp as ocop_bp
    from market.orders.views import bp as orders_bp
    from market.payments.views import bp as payments_bp
    from market.prices.api import bp as prices_api_bp
    from market.prices.views import bp as prices_bp
    from market.reviews.views import bp as reviews_bp
    from market.storefront.views import bp as storefront_bp
    from market.storefront.views import seo_bp
    from market.trace.views import bp as trace_bp
    from market.trace.views import vendor_bp as trace_vendor_bp
    from market.vendors.views import bp as vendors_bp
    from market.webhooks.views import bp as webhooks_bp
    from market.wholesale.views import bp as wholesale_bp

    for blueprint in (accounts_bp, storefront_bp, seo_bp, vendors_bp, ocop_bp, orders_bp,
                      payments_bp, prices_bp, prices_api_bp, notifications_bp,
                      reviews_bp, trace_bp, trace_vendor_bp, intl_bp, webhooks_bp,
                      wholesale_bp):
        app.register_blueprint(blueprint)

    from market import api, department, search
    from market.feeds import views as _merchant_feed  # noqa: F401 (its route joins /api/v1)
    from market.webhooks import api as _webhooks_api  # noqa: F401 (its routes join /api/v1)
    from market.webhooks import events as webhook_events

    api.init_app(app)  # the partner API (/api/v1): its blueprint, OpenAPI document, hooks
    search.init_app(app)
    webhook_events.register_listeners()
    department.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")

    app.add_url_rule("/", "root", root)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/media/<path:filename>", "media", media)
    app.add_url_rule("/api/geo/communes/<int:province_code>", "communes", communes)
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(404, not_found)
    app.register_error_handler(429, too_many_requests)
    for code in ERROR_MESSAGES:
        app.register_error_handler(code, http_error)
    app.before_request(refuse_nul_bytes)
    app.context_processor(lambda: {"demo_mode": current_app.config["DEMO_MODE"]})
    app.jinja_env.globals["switch_lang_url"] = lang_url_for_switch
    app.jinja_env.globals["url_for"] = template_url_for(app)


def root():
    """`/` goes to the home page in the signed-in user's language, else by the browser's
    Accept-Language (/zh/ for zh-CN, /ja/ for ja-JP...), Vietnamese by default."""
    response = redirect(url_for("storefront.home", lang=preferred_locale()))
    response.headers["Vary"] = "Accept-Language"  # (and Cookie, added by the session)
    return response


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok"})


def media(filename):
    """Public files only (product photos): a name outside the public folders is 404 even if
    the file exists, so private files an older version left here never leak."""
    from market.uploads import public_media_path

    name = public_media_path(filename)
    if name is None:
        return not_found(None)
    from market.storage import storage_for

    response = storage_for(current_app.config["MEDIA_DIR"]).serve(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Whatever a file turns out to be (SVG, whatever its name's case), opened on its own
    # it must never run script in our origin.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    return response


def communes(province_code):
    """Communes/wards of one province, for the address pickers."""
    from market.geo import services as geo

    items = [{"code": w.code, "name": w.name_vi} for w in geo.communes(province_code)]
    response = jsonify(items)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def domain_error(exc: DomainError):
    return render_template("error.html", message=exc.message, status=exc.status), exc.status


def not_found(exc):
    if request.path.startswith("/api/"):
        return _api_problem(exc, 404)
    return render_template("error.html", message=_l("Page not found."), status=404), 404


ERROR_MESSAGES = {
    400: _l("The request could not be understood. If you sent a form, reload the page and "
            "try again."),
    403: _l("You may not open this page."),
    405: _l("This address does not take that kind of request."),
    413: _l("The upload is too large."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}


def http_error(exc):
    """Other HTTP errors as pages in the URL's language (problem details under /api/)."""
    code = getattr(exc, "code", None) or 500
    code = code if code in ERROR_MESSAGES else 500
    message = ERROR_MESSAGES[code]
    if request.path.startswith("/api/"):
        return _api_problem(exc, code)
    if request_ctx.url_adapter is None:  # refused before routing (an untrusted Host)
        return str(message), code, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("error.html", message=message, status=code), code


def _api_problem(exc, code: int):
    """Problem details (market/api/problems.py) for an HTTP error under /api/."""
    from werkzeug.exceptions import HTTPException, InternalServerError

    from market.api.views import http_problem

    if not isinstance(exc, HTTPException):
        exc = InternalServerError()
    if exc.code != code:
        exc.code = code
    return http_problem(exc)


def refuse_nul_bytes():
    """A NUL byte is never part of real input, and PostgreSQL refuses it in text: answer
    400 for any query or form value (or path) that holds one, before a view reads it."""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    values = [request.path] + [text for source in sources for key, items in source.lists()
                               for text in (key, *items)]
    if any("\x00" in value for value in values):
        abort(400)


def too_many_requests(exc):
    """A rate limit was reached: problem details for the API, a page in the user's language
    elsewhere (the limiter adds Retry-After to either)."""
    message = _l("Too many requests. Please wait a minute and try again.")
    if request.path.startswith("/api/"):
        return _api_problem(exc, 429)
    return render_template("error.html", message=message, status=429), 429


def lang_url_for_switch(target_lang: str) -> str:
    """The current page in another language (the header's language switch), with its query
    string as it is."""
    if request.endpoint and request.view_args is not None and current_app.url_map.is_endpoint_expecting(
        request.endpoint, "lang"
    ):
        path = url_for(request.endpoint, **{**request.view_args, "lang": target_lang})
        return with_query(path, request.args.items(multi=True))
    return url_for("storefront.home", lang=target_lang)

"""The catalogue endpoints of /api/v1 (cooperatives, products, categories, commodities), the
docs page, and the wiring: flask-smorest's Api, problem+json for every error under /api/,
and the blueprint's rate limits. Views parse, call a service, and answer with documents from
`market/api/documents.py`."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from market.api import documents, keys, problems, schemas, sync
from market.api.auth import allow_anonymous, current_key
from market.api.blueprint import OPTIONAL_KEY, bp, encode, json_response
from market.catalog import services as catalog
from market.catalog.models import Category, Product, ProductStatus
from market.errors import DomainError, NotFound
from market.extensions import db, limiter
from market.vendors.models import Cooperative, CooperativeStatus

ANONYMOUS_LIMIT = "60 per minute"

# marshmallow's messages, in the caller's language (webargs passes them through).
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Not a valid string.": _l("Give text here."),
    "Not a valid integer.": _l("Give a whole number here."),
    "Not a valid number.": _l("Give a number here."),
    "Not a valid boolean.": _l("Give true or false here."),
    "Not a valid list.": _l("Give a list here."),
    "Invalid input type.": _l("Give an object here."),
    "Invalid type.": _l("Give an object here."),
    "Not a valid date.": _l("Give the date as yyyy-mm-dd."),
    "Field may not be null.": _l("This field may not be null."),
    "Must be one of: vi, en.": _l("Use vi or en."),
    "Must be one of: json, csv.": _l("Use format=json or format=csv."),
}


class PartnerApi(Api):
    ERROR_SCHEMA = schemas.Problem

    def _register_responses(self):
        """flask-smorest's error responses, documented as application/problem+json."""
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error):
        if not is_api_request():
            return error  # Flask's own answer, as before this extension
        return http_problem(error)




def current_api() -> PartnerApi:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _message(text) -> str:
    text = str(text)
    if text in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[text])
    if text.startswith("Length must be"):
        return _("The value is too long or too short.")
    if text.startswith(("Must be greater", "Must be less")):
        return _("The number is out of range.")
    if text.startswith("Must be one of"):
        return _("Choose one of the allowed values.")
    return text


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs' nested messages -> {"lines.0.quantity": "Give a whole number here."}."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            out.update(flatten(value, path))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "body"] = " ".join(_message(m) for m in messages)
        else:
            for item in messages:
                out.update(flatten(item, prefix))
    else:
        out[prefix or "body"] = _message(messages)
    return out


def http_problem(error: HTTPException):
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    extra = {}
    if code == 422 and "messages" in data:
        errors = {}
        for messages in data["messages"].values():
            errors.update(flatten(messages))
        if request.endpoint == "api.create_order":
            # The checkout service names contact fields alone ("email"): say it the same way.
            errors = {k.removeprefix("contact."): v for k, v in errors.items()}
        extra["errors"] = errors
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
    elif code == 405:
        detail = _("Allowed: %(methods)s.", methods=", ".join(
            getattr(error, "valid_methods", None) or ()))
    elif code == 404:
        detail = _("Nothing is at this address. The API's paths are listed at %(url)s.",
                   url=problems.absolute_url_for("api.docs"))
    elif code == 429:
        detail = _("Slow down: wait for the time in the Retry-After header.")
    elif code >= 500:
        detail = ""
    else:
        detail = ""
    response = problems.for_status(code, detail, **extra)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def domain_problem(exc: DomainError):
    return problems.from_domain(exc)


bp.register_error_handler(DomainError, domain_problem)


# --- rate limits: per key, or per address for anonymous callers -------------------------------

def _limit_value() -> str:
    key = current_key() if request else None
    if key is not None:
        return f"{key.rate_limit} per minute"
    return current_app.config.get("API_ANONYMOUS_LIMIT", ANONYMOUS_LIMIT)


def _limit_key() -> str:
    key = current_key()
    return f"apikey:{key.id}" if key is not None else f"anon:{get_remote_address()}"


limiter.shared_limit(_limit_value, scope="api-v1", key_func=_limit_key)(bp)


# --- docs ---------------------------------------------------------------------------------

def docs():
    """The API's reference, server-rendered from the OpenAPI document (no script, no CDN)."""
    spec = current_api().spec.to_dict()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append((path, method.upper(), op))
    titles = [(code, status, str(title)) for code, (status, title) in problems.TITLES.items()]
    return render_template("api/docs.html", spec=spec, operations=operations, titles=titles,
                           scopes=[(s, str(d)) for s, d in keys.SCOPES.items()])


# Not in the OpenAPI document: Flask's own add_url_rule, not flask-smorest's.
Blueprint.add_url_rule(bp, "/docs", "docs", docs)


# --- catalogue ------------------------------------------------------------------------------

def _catalog_changed_at():
    return db.session.scalar(sa.select(sa.func.max(Product.updated_at)))


@bp.route("/cooperatives")
@bp.response(200, schemas.CooperativeList)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("listings:read")
def cooperatives():
    """Approved cooperatives, and the slugs of suspended ones (drop them and their
    products)."""
    counts = dict(db.session.execute(
        sa.select(Product.cooperative_id, sa.func.count()).where(
            Product.status == ProductStatus.ACTIVE.value).group_by(Product.cooperative_id)).all())
    coops = db.session.scalars(sa.select(Cooperative).order_by(Cooperative.slug)).all()
    return json_response({
        "items": [documents.cooperative_document(c, counts.get(c.id, 0)) for c in coops
                  if c.status == CooperativeStatus.APPROVED.value],
        "suspended": [c.slug for c in coops if c.status == CooperativeStatus.SUSPENDED.value],
    }, last_modified=_catalog_changed_at())


@bp.route("/cooperatives/<slug>")
@bp.response(200, schemas.Cooperative)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("listings:read")
def cooperative(slug):
    coop = db.session.scalar(sa.select(Cooperative).filter_by(
        slug=slug, status=CooperativeStatus.APPROVED.value))
    if coop is None:
        raise NotFound(_l("No listed cooperative has this slug."))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Product).where(
        Product.cooperative_id == coop.id, Product.status == ProductStatus.ACTIVE.value))
    return json_response(documents.cooperative_document(coop, count),
                         last_modified=_catalog_changed_at())


@bp.route("/products")
@bp.arguments(schemas.ProductQuery, location="query", as_kwargs=True)
@bp.response(200, schemas.ProductPage)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("listings:read")
def products(cursor=None, updated_since=None, limit=100):
    """Public products in (updated_at, id) order, by cursor. With `updated_since`, every
    product changed since, including tombstones (`deleted: true`) to drop."""
    page = sync.product_page(cursor=cursor, updated_since=updated_since,
                             limit=limit)
    rows = [row for kind, row in page["items"] if kind == 0]
    docs_by_id = {}
    for doc, row in zip(documents.product_documents(rows), rows, strict=True):
        docs_by_id[row.id] = doc
    items = [docs_by_id[row.id] if kind == 0 else documents.tombstone(row.slug, row.deleted_at)
             for kind, row in page["items"]]
    changed = [row.updated_at if kind == 0 else row.deleted_at for kind, row in page["items"]]
    # Encoded once: the ETag is of the items and `next` (not of the watermark, which moves
    # with the clock), and the body is those texts joined, not a second encoding.
    items_json, next_json = encode(items), encode(page["next"])
    sync_json = encode({"next_updated_since": page["watermark"]})
    return json_response(f'{{"items":{items_json},"next":{next_json},"sync":{sync_json}}}',
                         last_modified=max(changed) if changed else _catalog_changed_at(),
                         etag_of=items_json + next_json)


@bp.route("/products/<slug>")
@bp.response(200, schemas.Product)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("listings:read")
def product(slug):
    """One public product with its variants."""
    item = catalog.get_public_product(slug)
    return json_response(documents.product_documents([item])[0],
                         last_modified=item.updated_at)


@bp.route("/categories")
@bp.response(200, schemas.CategoryList)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("listings:read")
def categories():
    rows = db.session.scalars(sa.select(Category).order_by(Category.position, Category.slug))
    return json_response({"items": [documents.category_document(c) for c in rows]},
                         last_modified=_catalog_changed_at())


def init_app(app) -> None:
    app.config.setdefault("API_TITLE", "HTX Market partner API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Listings, prices and forecasts of Vietnam's cooperatives. "
                                "Errors are RFC 9457 problem details.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
    })
    api = PartnerApi(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer htx_..."})
    api.spec.components.security_scheme(
        "apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    api.register_blueprint(bp)
    sync.register_listeners()


from market.api import feeds, orders, prices  # noqa: F401 (their routes join `bp`)

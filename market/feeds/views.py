"""The Merchant Center feed: GET /api/v1/feeds/merchant/<locale>-<country>.xml, streamed, on
the partner API's blueprint (in its OpenAPI document; public like the catalogue pages:
Merchant Center fetches it by URL without a key). Its ETag and Last-Modified come from the
same aggregate as the JSONL/CSV feeds, so an unchanged feed is a 304 before any row is read."""
from __future__ import annotations

import hashlib

from flask import Response, stream_with_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from market.api.blueprint import bp, conditional
from market.api.feeds import FEED_CACHE
from market.api.feeds import _version as feed_version
from market.api.problems import api_problem
from market.feeds import merchant
from market.urls import absolute_url_for, public_base_url

_XML = {"schema": {"type": "string"}}


@bp.route("/feeds/merchant/<string(length=2):locale>-<string(length=2):country>.xml")
@bp.response(200, description="RSS 2.0 with the g: namespace (Google Merchant Center "
             "product data specification), one item per variant on sale.",
             content_type="application/xml")
@bp.doc(security=[{}], responses={"200": {"content": {"application/xml": _XML}}})
def merchant_feed(locale, country):
    try:
        merchant.destination(locale, country)
    except merchant.UnknownFeed:
        return api_problem("not_found", _(
            "Feeds exist for these languages and countries: %(feeds)s.",
            feeds=", ".join(merchant.feed_names())), status=404)
    site = absolute_url_for("seo.sitemap").removesuffix("/sitemap.xml")
    with force_locale(locale):
        title, description = _("HTX Market"), _("Products of Vietnam's cooperatives")
    chunks = merchant.write(locale, country, site=site,
                            media_base=public_base_url() + url_for("media", filename="x")[:-1],
                            title=str(title), description=str(description))
    count, newest, top = feed_version()
    tag = hashlib.sha256(f"merchant:{locale}-{country}:{count}:{newest}:{top}".encode())
    response = Response(stream_with_context(chunks), mimetype="application/xml")
    response.headers["Content-Language"] = locale
    return conditional(response, last_modified=newest, cache=FEED_CACHE,
                       etag=tag.hexdigest()[:32])

"""The Merchant Center feed: GET /api/v1/feeds/merchant/<locale>-<country>.xml, streamed."""
from __future__ import annotations

from flask import Blueprint, Response, stream_with_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from market.feeds import merchant
from market.problems import problem
from market.urls import absolute_url_for, public_base_url

bp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds")


@bp.get("/merchant/<string(length=2):locale>-<string(length=2):country>.xml")
def merchant_feed(locale, country):
    try:
        merchant.destination(locale, country)
    except merchant.UnknownFeed:
        return problem(404, _("No such feed."),
                       _("Feeds exist for these languages and countries: %(feeds)s.",
                         feeds=", ".join(merchant.feed_names())),
                       type_="urn:htx-market:problem:unknown_feed")
    site = absolute_url_for("seo.sitemap").removesuffix("/sitemap.xml")
    with force_locale(locale):
        title, description = _("HTX Market"), _("Products of Vietnam's cooperatives")
    chunks = merchant.write(locale, country, site=site,
                            media_base=public_base_url() + url_for("media", filename="x")[:-1],
                            title=str(title), description=str(description))
    response = Response(stream_with_context(chunks), mimetype="application/xml")
    response.headers["Content-Language"] = locale
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

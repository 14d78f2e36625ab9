"""URLs the site emits or follows: absolute links built from the configured public address
(never from the request's Host header), and the one check for redirect targets that come
from the request (?next=, forms, Referer)."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlencode, urlsplit

from flask import current_app, g, has_request_context, request, url_for

# What the WHATWG URL parser drops before parsing: ASCII tab, LF and CR anywhere, and C0
# controls or spaces at either end. Browsers also read a backslash as a slash in http(s) URLs.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def public_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def absolute_url_for(endpoint: str, **values) -> str:
    """url_for with the configured PUBLIC_BASE_URL in front: links in canonical tags, the
    sitemap, feeds and emails must not depend on whatever Host a client sent."""
    values.pop("_external", None)
    if has_request_context():
        return public_base_url() + url_for(endpoint, **values)
    # Outside a request (a CLI command or the worker queueing an email): build the path
    # against a throw-away request at the site's root; pass `lang` for localised routes.
    with current_app.test_request_context("/"):
        return public_base_url() + url_for(endpoint, **values)


def template_url_for(app, size: int = 4096):
    """`url_for` for templates, remembering what it built: a page's header alone asks for
    a dozen URLs that are the same on every request in a language (static files, the menu),
    at ~20 µs each. A URL is a function of the endpoint, its values, the language the
    url_defaults push (market.i18n), and the request's script root and host; calls with
    `_external`, `_anchor` and the like, relative endpoints (".x") and values that cannot
    be a key are built afresh. The only url_defaults are market.i18n's: a new one that
    reads anything else must be added to the key."""
    memo: dict = {}
    build = app.url_for

    def url_for_(endpoint: str, **values) -> str:
        try:  # one context lookup each, not one per attribute (proxies cost µs apiece)
            req, lang = request._get_current_object(), g._get_current_object().get("lang")
        except RuntimeError:  # outside a request
            return build(endpoint, **values)
        if lang is None or endpoint[:1] == "." or any(k[:1] == "_" for k in values):
            return build(endpoint, **values)
        try:
            key = (endpoint, lang, req.root_path, req.host, *sorted(values.items()))
            url = memo.get(key)
        except TypeError:  # an unhashable value
            return build(endpoint, **values)
        if url is None:
            url = build(endpoint, **values)
            if len(memo) >= size:
                memo.clear()
            memo[key] = url
        return url

    return url_for_


def with_query(path: str, args) -> str:
    """`path` with these query arguments (a dict, or (name, value) pairs) appended. Query
    arguments never go to url_for as keywords: one named `_external`, `_scheme` or like a
    route variable would change where the link points."""
    query = urlencode(list(args.items()) if isinstance(args, dict) else list(args))
    return f"{path}?{query}" if query else path


def _browser_view(target: str) -> str:
    return _TAB_OR_NEWLINE.sub("", target).strip(_C0_OR_SPACE).replace("\\", "/")


def _is_local_path(target: str) -> bool:
    if _CONTROL.search(target) or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(target) -> str | None:
    """`target` when it is a path on this site as a browser would read it, else None.

    The check runs on the browser's view of the string (tabs and newlines removed, backslashes
    as slashes) and again after each round of percent-decoding, so `/%09/evil.example`,
    `/\\evil.example` and `%2F%2Fevil.example` are all refused; what is returned is that
    normalised form, so the Location header says exactly what was checked."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    normalised = _browser_view(target)
    candidate = normalised
    for _ in range(3):
        if not _is_local_path(_browser_view(candidate)):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return None  # still changing after three rounds of decoding: nobody needs that
    return normalised

"""The one blueprint of /api/v1 (flask-smorest), shared by views.py, prices.py, orders.py and
feeds.py, and the helpers every API view answers with."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import Response, request
from flask_smorest import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates",
               description="HTX Market partner API v1")

CACHE_CONTROL = "public, max-age=60"
KEYED = [{"bearer": []}, {"apiKey": []}]
OPTIONAL_KEY = [{}, {"bearer": []}, {"apiKey": []}]


def encode(value) -> str:
    """The API's JSON text (UTF-8 as is, no spaces)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_response(body, *, status: int = 200, last_modified: datetime | None = None,
                  cache: str | None = CACHE_CONTROL, etag_of=None) -> Response:
    """JSON with an ETag, Last-Modified, and 304 on If-None-Match. `body` is a value, or its
    JSON text already encoded (`encode`). The ETag is strong, of the body; or weak, of
    `etag_of` (the part that matters: a listing's items, not the sync watermark that moves
    with the clock), a value or text already encoded (hashed as it is)."""
    response = Response(body if isinstance(body, str) else encode(body),
                        status=status, mimetype="application/json")
    etag = None
    if etag_of is not None:
        text = etag_of if isinstance(etag_of, str) else json.dumps(etag_of, sort_keys=True)
        etag = hashlib.sha256(text.encode()).hexdigest()[:32]
    return conditional(response, last_modified=last_modified, cache=cache, etag=etag)


def conditional(response: Response, *, last_modified: datetime | None = None,
                cache: str | None = CACHE_CONTROL, etag: str | None = None) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if cache:
        response.headers["Cache-Control"] = cache
    if etag:
        response.set_etag(etag, weak=True)
    elif not response.is_streamed:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    streamed = response.is_streamed
    if streamed:
        # Werkzeug would work out a Content-Length by reading the whole stream into memory
        # first (even for a 304): a streamed body goes out chunked, as it is made.
        response.automatically_set_content_length = False
    response = response.make_conditional(request)
    if streamed and response.status_code == 304:
        # Never read: close the generator here (stream_with_context holds the request
        # context until it ends), and send the empty body a 304 has.
        close = getattr(response.response, "close", None)
        if close is not None:
            close()
        response.response = []
    return response

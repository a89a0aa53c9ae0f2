"""Views: ``/img/<slug>/<key>/<width>.<fmt>`` and ``/img/<slug>/<key>/og.jpg``, a store's images.

Thin: the URL is parsed, the image service answers. What this view decides is HTTP: a year of
caching for a made image (its URL names the source, width and format, so no ``Vary``), an ETag
and 304, ten minutes for a placeholder; a 503 with ``Retry-After`` when image work is full, and
a 429 with ``Retry-After`` when this connection asked for too many cold images this minute —
both with the neutral placeholder as their body, never cached, so an ``<img>`` shows the same
neutral box as for a failing source, and the real image on a later view. Nothing here reads the
session or sets a cookie.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from storefront import images
from storefront.images import process
from storefront.images.urls import FORMATS, Variant, parse_variant
from storefront.sendy import SendyNotFound, SendyUnavailable

bp = Blueprint("images", __name__)
FOREVER = "public, max-age=31536000, immutable"
PLACEHOLDER_CACHE = "public, max-age=600"


def _plain(status: int, text: str, **headers: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store", **headers})


def _not_now(variant: Variant, status: int, retry_after: int) -> Response:
    """The placeholder, not cached, with when to ask again."""
    response = Response(process.placeholder(variant), status=status, mimetype=FORMATS[variant.fmt][1])
    response.headers.update({"Cache-Control": "no-store", "Retry-After": str(retry_after)})
    return response


@bp.get("/img/<owner>/<key>/<name>")
def image(owner: str, key: str, name: str) -> Response:
    """One variant of one of the store's images, or 404 for a URL our pages did not emit."""
    variant = parse_variant(name)
    if variant is None:
        return _plain(404, "No such image.")
    service = images.service()
    try:
        url = service.source(owner, key)
    except (images.NotOurs, SendyNotFound):
        return _plain(404, "No such image.")
    except SendyUnavailable:
        return _plain(503, "Try again shortly.", **{"Retry-After": "5"})
    try:
        served = service.serve(url, variant, request.remote_addr or "")
    except images.Busy:
        return _not_now(variant, 503, 1)
    except images.Capped as capped:
        return _not_now(variant, 429, capped.retry_after)
    response = Response(served.data, mimetype=served.content_type)
    response.headers["Cache-Control"] = PLACEHOLDER_CACHE if served.placeholder else FOREVER
    response.set_etag(served.etag)
    if served.file:  # the next requests for it need not reach the app (storefront/images/hot.py)
        current_app.extensions["hot_images"].remember(request.path, served.file, served.content_type, served.etag)
    return response.make_conditional(request)

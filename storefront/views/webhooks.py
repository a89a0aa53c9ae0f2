"""Views: ``POST /-/webhooks/sendy/<store>`` — Sendy's signed change notices (a thin view over
``services.webhooks``, which checks, records and acts; ``services.caches`` forgets).

Exempt from CSRF (the signature is the proof), capped in size, answered before the work is done.
The path is the platform's: it stays the same on a store's custom domain (``views.SITE_WIDE``).
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from storefront.config import SLUG
from storefront.extensions import csrf
from storefront.services import webhooks

bp = Blueprint("webhooks", __name__)


def _plain(text: str, status: int, **headers: str) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/-/webhooks/sendy/<store>")
@csrf.exempt
def sendy(store: str) -> Response:
    """One delivery: 401 unsigned, 404 no such endpoint, 2xx once recorded (a repeat too), 503 when it can't be."""
    if not SLUG.match(store):
        return _plain("Not found.", 404)
    if (request.content_length or 0) > webhooks.MAX_BODY:
        return _plain("Too large.", 413)
    body = request.stream.read(webhooks.MAX_BODY + 1)
    if len(body) > webhooks.MAX_BODY:
        return _plain("Too large.", 413)
    try:
        event, recorded = webhooks.receive(store, body, request.headers.get("X-Sendy-Signature"),
                                           request.headers.get("X-Sendy-Event-Id"))
    except webhooks.NoEndpoint:
        return _plain("Not found.", 404)
    except webhooks.BadSignature:
        return _plain("Bad signature.", 401)
    except webhooks.Malformed:
        return _plain("Not an event.", 400)
    except webhooks.Unrecorded:
        return _plain("Not recorded, please retry.", 503, **{"Retry-After": "30"})
    response = jsonify(status="recorded" if recorded else "repeated", handled=recorded and event.handled)
    response.headers["Cache-Control"] = "no-store"
    if recorded and event.handled:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        sleep = app.config.get("WEBHOOK_SLEEP") or time.sleep  # tests skip the pauses between purges
        response.call_on_close(lambda: webhooks.process(app, event, sleep))
    return response

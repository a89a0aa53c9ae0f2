"""Views: ``/metrics``, the Prometheus samples of every worker, for whoever holds ``METRICS_TOKEN``.

Under gunicorn every worker writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (set
by gunicorn.conf.py before the app is imported) and ``/metrics`` adds them up, whichever
worker answers. Without it (``flask run``, tests) the process's own registry is served.
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from werkzeug.wrappers import Response

bp = Blueprint("metrics", __name__)


def _registry() -> CollectorRegistry | None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


@bp.route("/metrics")
def metrics() -> Response:
    """The samples of every worker, for a scraper holding the token; 404 when none is set."""
    token = current_app.extensions["settings"].metrics_token
    if not token:
        abort(404)
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return Response("Unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    registry = _registry()
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

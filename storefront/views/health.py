"""Views: the health probes — ``/healthz`` (liveness) and ``/readyz`` (can we reach Sendy and Redis?).

Both answer on any well-formed Host (probes come by IP and port; see ``wsgi.hosts``).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    return jsonify(status="ok")


READY_TTL = 5.0
_ready_lock = threading.Lock()


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: can we reach Sendy and (when configured) Redis? No secrets in the answer.

    The answer is reused for a few seconds, so frequent probes cost Sendy and Redis nothing.
    """
    checks = _readiness()
    ready = all(v in ("ok", "not configured") for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503


def _readiness() -> dict[str, str]:
    memo = current_app.extensions.setdefault("readiness", {"at": -READY_TTL, "checks": {}})
    with _ready_lock:  # one probe at a time checks; the others reuse its answer
        if time.monotonic() - memo["at"] >= READY_TTL:
            memo["checks"] = {"sendy": _check_sendy(), "redis": _check_redis()}
            memo["at"] = time.monotonic()
        return dict(memo["checks"])


def _check_sendy() -> str:
    try:
        current_app.extensions["sendy"].list_provinces()
    except Exception:  # any failure means "not ready"; details go to the log only
        logging.getLogger("storefront.health").warning("readiness: sendy unreachable", exc_info=True)
        return "unavailable"
    return "ok"


def _check_redis() -> str:
    if not current_app.extensions["settings"].redis_url:
        return "not configured"
    try:
        current_app.extensions["state"].ping()  # the state store's pooled connection
    except Exception:
        logging.getLogger("storefront.health").warning("readiness: redis unreachable")
        return "unavailable"
    return "ok"

"""Sandbox layer: the sandbox's own Flask app, with request logging and app-level faults."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from storefront.sendy.sandbox import api, hooks
from storefront.sendy.sandbox.envelope import ApiFailure, fail
from storefront.sendy.sandbox.faults import APP_KINDS, HTTP_TIMEOUT_SECONDS, KINDS, Fault

if TYPE_CHECKING:
    from storefront.sendy.sandbox.core import Sandbox

IN_PROCESS_KEY = "storefront.sandbox.in_process"
HOOKS_PREFIX = "/__sandbox/"
log = logging.getLogger("storefront.sandbox")


def create_app(sandbox: Sandbox) -> Flask:
    """Build the sandbox Flask app serving sandbox's state and faults."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = sandbox
    app.register_blueprint(api.bp)
    app.register_blueprint(hooks.bp)
    app.before_request(_log_request)
    app.before_request(_apply_fault)
    app.after_request(_delay_answer)
    app.register_error_handler(ApiFailure, _api_failure)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def route_name(app: Flask, method: str, path: str) -> str | None:
    """Name the Sendy endpoint a request targets, for faults; None for hooks and non-API paths."""
    if not path.startswith("/api/"):
        return None
    try:
        endpoint, _ = app.url_map.bind("sandbox").match(path, method=method)
    except HTTPException:
        return "unknown"
    return str(endpoint).removeprefix("api.")


def _log_request() -> None:
    """Record every request except the test hooks."""
    if not request.path.startswith(HOOKS_PREFIX):
        current_app.extensions["sandbox"].state.log_request(request.method, request.path)


def _apply_fault() -> Response | None:
    """Apply the next matching fault; in-process, the transport handles timeouts itself."""
    in_process = request.environ.get(IN_PROCESS_KEY, False)
    name = route_name(current_app, request.method, request.path)
    fault = current_app.extensions["sandbox"].faults.take(name, APP_KINDS if in_process else KINDS)
    return None if fault is None else _fault_response(fault)


def _fault_response(fault: Fault) -> Response | None:
    """Answer a request as the fault says, or None to let the route answer."""
    if fault.kind in ("latency", "timeout"):
        time.sleep(fault.seconds or (HTTP_TIMEOUT_SECONDS if fault.kind == "timeout" else 0))
        return None
    if fault.kind == "timeout_after":
        g.sandbox_delay = fault.seconds or HTTP_TIMEOUT_SECONDS
        return None
    if fault.kind == "connect":
        return fail(503, "Service unavailable")
    if fault.kind == "status":
        return _status_response(fault.status)
    if fault.kind == "malformed":
        return Response("<html>oops", 200, mimetype="text/html")
    if fault.kind == "bad_shape":
        return jsonify({"success": True, "data": "nope"})
    if fault.kind == "success_false":
        return jsonify({"success": False, "message": "Something went wrong"})
    return None


def _status_response(status: int) -> Response:
    """Answer with an HTTP status and a failure envelope."""
    if status < 500:
        return fail(status, HTTP_STATUS_CODES.get(status, "Injected error"))
    response = jsonify({"success": False, "message": "Internal error"})
    response.status_code = status
    return response


def _delay_answer(response: Response) -> Response:
    """Hold back the answer of a processed request (a "timeout_after" fault over HTTP)."""
    delay = g.pop("sandbox_delay", 0)
    if delay:
        time.sleep(delay)
    return response


def _api_failure(exc: ApiFailure) -> Response:
    """Render an ApiFailure as Sendy's failure envelope."""
    return fail(exc.status, exc.message, exc.errors)


def _http_error(exc: HTTPException) -> Response:
    """Render unknown routes, wrong methods and the like as an envelope."""
    return fail(exc.code or 500, exc.name)


def _internal_error(exc: Exception) -> Response:
    """Render an unexpected error as a 500 envelope (logged without request headers)."""
    log.exception("Sandbox error on %s %s", request.method, request.path)
    return fail(500, "Internal error")

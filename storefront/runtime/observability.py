"""Runtime: request ids and structured (JSON) logs (the health probes are ``views.health``).

Log lines never carry the API key or an OTP code: the Sendy client logs only method,
path and status, and no request headers or bodies are logged anywhere.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response

from storefront.runtime import metrics

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("storefront.access")
#: The WSGI environ key holding the name of the route that answered.
ROUTE = "storefront.route"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    _second, _stamp = -1, ""

    def _timestamp(self, record: logging.LogRecord) -> str:
        """ISO time, formatted once per second (an access log writes many lines a second)."""
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        """Serialize the record."""
        entry: dict[str, Any] = {
            "ts": self._timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "msg": record.getMessage(),
        }
        if has_request_context() and g.get("request_id"):
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is sane, else a new one."""
    return incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _start() -> None:
    g.request_id = request_id(request.headers.get("X-Request-ID"))
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.endpoint or "unmatched"
    request.environ[ROUTE] = route  # a page replayed from the cache is counted under its route
    metrics.observe_request(route, response.status_code, elapsed)
    if access_log.isEnabledFor(logging.INFO):
        method, path, status = request.method, request.path, response.status_code
        access_log.info("%s %s %s", method, path, status, extra={
            "fields": {"method": method, "path": path, "status": status, "ms": round(elapsed * 1000, 1)}})
    return response


def init_logging(json_logs: bool, level: str = "INFO") -> None:
    """Send the app's logs to stderr, as JSON lines in production, from ``level`` (``LOG_LEVEL``) up."""
    logger = logging.getLogger("storefront")
    logger.setLevel(level)
    if not any(getattr(h, "_storefront", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._storefront = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def init_app(app: Flask, *, json_logs: bool, level: str = "INFO") -> None:
    """Request ids and the access log."""
    app.before_request(_start)
    app.after_request(_finish)
    if not app.testing:
        init_logging(json_logs, level)

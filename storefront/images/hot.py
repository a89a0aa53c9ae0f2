"""WSGI middleware: images already made, answered straight from the disk cache without the app.

What a CDN in front of us would do, done in-process: once the endpoint has served a variant
from the disk cache, its URL is remembered for a minute (as long as a store's key map is
trusted) with the file, type and ETag, and the next requests for it are answered here: a 304
for a matching ``If-None-Match``, else the file, with the same headers the app sends. An entry
whose file was evicted is dropped and the request goes to the app as usual.

An image it cannot answer from disk is first offered to ``gate.refusal``: while image work is
full, or this client is over its cold-image cap, a cold image is refused here (503 or 429 with
the placeholder, never cached) without running the app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storefront.images import gate
from storefront.images.urls import MAP_TTL
from storefront.runtime import metrics
from storefront.runtime.observability import request_id
from storefront.web import security

FOREVER = "public, max-age=31536000, immutable"
MAX_ENTRIES = 20_000
ROUTE = "images.image"
access_log = logging.getLogger("storefront.access")

if TYPE_CHECKING:
    from storefront.images import ImageService


@dataclass(frozen=True)
class Hot:
    """A made variant on disk: its file, content type and ETag, and until when to trust the entry."""

    path: str
    content_type: str
    etag: str
    until: float


class HotImages:
    """The middleware (see the module docstring); ``remember`` is called by the endpoint."""

    def __init__(self, wsgi: Callable[..., Any], *, hsts: bool, service: ImageService | None = None) -> None:
        self.wsgi = wsgi
        self.service = service  # the image pipeline whose cold requests may be refused here
        self.headers = [*security.HEADERS, *([security.HSTS] if hsts else [])]
        self._entries: dict[str, Hot] = {}
        self._lock = threading.Lock()

    def remember(self, path: str, file: str, content_type: str, etag: str) -> None:
        """Answer ``path`` from ``file`` for the next minute."""
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[path] = Hot(file, content_type, etag, time.monotonic() + MAP_TTL)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/img/") and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            hot = self._entries.get(path)
            if hot is not None and hot.until > time.monotonic():
                answered = self._answer(hot, environ, start_response)
                if answered is not None:
                    return answered
            elif hot is not None:
                self._entries.pop(path, None)
            if self.service is not None:
                refused = gate.refusal(self.service, path, environ.get("REMOTE_ADDR", ""))
                if refused is not None:
                    return self._refuse(refused, environ, start_response)
        return self.wsgi(environ, start_response)

    def _refuse(self, refused: gate.Refusal, environ: dict[str, Any],
                start_response: Callable[..., Any]) -> list[bytes]:
        """A cold image turned away (see ``gate``): the placeholder, not cached, and when to ask again."""
        started = time.perf_counter()
        body = refused.body()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        start_response(refused.reason, [
            ("Content-Type", refused.content_type), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), ("Retry-After", str(refused.retry_after)), *self.headers,
            ("X-Request-ID", rid)])
        metrics.observe_request(ROUTE, refused.status, time.perf_counter() - started)
        metrics.CACHE.labels("image", "miss").inc()
        if access_log.isEnabledFor(logging.INFO):
            path = environ.get("PATH_INFO", "")
            access_log.info("GET %s %s", path, refused.status, extra={"fields": {
                "method": environ.get("REQUEST_METHOD"), "path": path, "status": refused.status,
                "request_id": rid, "ms": round((time.perf_counter() - started) * 1000, 1), "refused": True}})
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _answer(self, hot: Hot, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes] | None:
        started = time.perf_counter()
        etag = f'"{hot.etag}"'
        matched = etag in environ.get("HTTP_IF_NONE_MATCH", "")
        body = b""
        if not matched:
            try:
                with open(hot.path, "rb") as handle:
                    body = handle.read()
            except OSError:  # evicted: the app makes it again
                self._entries.pop(environ.get("PATH_INFO", ""), None)
                return None
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        status = 304 if matched else 200
        headers = [("Cache-Control", FOREVER), ("ETag", etag), *self.headers, ("X-Request-ID", rid)]
        if not matched:
            headers[:0] = [("Content-Type", hot.content_type), ("Content-Length", str(len(body)))]
        start_response("304 Not Modified" if matched else "200 OK", headers)
        metrics.observe_request(ROUTE, status, time.perf_counter() - started)
        metrics.CACHE.labels("image", "hit").inc()
        if access_log.isEnabledFor(logging.INFO):
            path = environ.get("PATH_INFO", "")
            access_log.info("GET %s %s", path, status, extra={"fields": {
                "method": environ.get("REQUEST_METHOD"), "path": path, "status": status, "request_id": rid,
                "ms": round((time.perf_counter() - started) * 1000, 1), "cached": True}})
        return [] if matched or environ.get("REQUEST_METHOD") == "HEAD" else [body]

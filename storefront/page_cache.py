"""Service layer: rendered catalog pages, replayed for a minute because they are the same for everyone.

Catalog pages carry no CSRF token, no cart count, no cookie and no per-shopper language (the
language is in the URL): a WSGI middleware keeps each finished response (headers and body, per
compression variant) and replays it to the next shoppers without running the app, like a CDN
would. Only responses the app marked ``Cache-Control: public`` without a cookie are kept;
search results are not (unbounded keys). ``forget`` drops a store's pages by bumping its
generation number. With Redis each process also keeps what it read for ``LOCAL_TTL`` seconds,
so a hit costs no network round trip; other workers see an invalidation within those seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from cachelib import BaseCache, SimpleCache
from flask import Flask, current_app
from werkzeug.datastructures import Accept

from storefront.config import SLUG
from storefront.extensions import cache
from storefront.observability import request_id

PAGE_TTL = 60
LOCAL_TTL = 5
CACHEABLE_ARGS = frozenset({"category"})
_NOT_STORES = frozenset({"static", "healthz", "readyz", "favicon.ico", "robots.txt"})
access_log = logging.getLogger("storefront.access")
log = logging.getLogger("storefront.pages")


@dataclass(frozen=True)
class Page:
    """A finished response: status line, headers (without the request id) and body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


def forget(slug: str) -> None:
    """Named invalidator: every cached page of this store is stale from now on."""
    generation = (cache.get(f"pagegen:{slug}") or 0) + 1
    cache.set(f"pagegen:{slug}", generation, timeout=0)
    local = current_app.extensions.get("local_pages")
    if local:
        local.delete(f"pagegen:{slug}")


def _variant(accept_encoding: str) -> str:
    """The compression the app will choose for this Accept-Encoding (br, then gzip)."""
    accepted = Accept(_parse_accept(accept_encoding))
    return accepted.best_match(["br", "gzip"]) or "identity"


def _parse_accept(header: str) -> list[tuple[str, float]]:
    items = []
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if name:
            items.append((name.strip().lower(), q))
    return items


class PageCache:
    """WSGI middleware replaying public catalog pages (see the module docstring)."""

    def __init__(self, app: Flask, wsgi: Callable[..., Any], shared: BaseCache, local: SimpleCache | None):
        self.app, self.wsgi, self.shared, self.local = app, wsgi, shared, local

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            key = self._key(environ)
            page = self._read(key) if key else None
        except Exception:  # the cache is down: the app still answers (and reports it)
            log.warning("page cache unavailable", exc_info=True)
            key = page = None
        if key is None:
            return self.wsgi(environ, start_response)
        if page is not None:
            return self._replay(page, environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi(environ, capture)
        if not _cacheable(captured):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "x-request-id"]
        try:
            self.shared.set(key, Page(captured["status"], headers, data), timeout=PAGE_TTL)
        except Exception:
            log.warning("page cache unavailable", exc_info=True)
        return [data]

    def _key(self, environ: dict[str, Any]) -> str | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        slug = path.split("/", 2)[1] if path.count("/") >= 1 else ""
        if slug in _NOT_STORES or not SLUG.match(slug):
            return None
        query = environ.get("QUERY_STRING", "")
        if query and not {k for k, _ in parse_qsl(query, keep_blank_values=True)} <= CACHEABLE_ARGS:
            return None
        generation = self._read(f"pagegen:{slug}", missing=0)
        variant = _variant(environ.get("HTTP_ACCEPT_ENCODING", ""))
        host = environ.get("HTTP_HOST", "")
        return f"page:{slug}:{generation}:{environ['wsgi.url_scheme']}://{host}{path}?{query}|{variant}"

    def _read(self, key: str, missing: Any = None) -> Any:
        """From this process's copy, else the shared cache (then kept here a few seconds)."""
        value = self.local.get(key) if self.local else None
        if value is None:
            value = self.shared.get(key)
            if value is None:
                value = missing
            if value is not None and self.local:
                self.local.set(key, value)
        return value

    def _replay(self, page: Page, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        start_response(page.status, [*page.headers, ("X-Request-ID", rid)])
        if access_log.isEnabledFor(logging.INFO):
            path, status = environ.get("PATH_INFO", ""), int(page.status.split(" ", 1)[0])
            access_log.info("GET %s %s", path, status, extra={"fields": {
                "method": "GET", "path": path, "status": status, "request_id": rid,
                "ms": round((time.perf_counter() - started) * 1000, 1), "cached": True}})
        return [page.body]


def _cacheable(captured: dict[str, Any]) -> bool:
    if not captured.get("status", "").startswith("200"):
        return False
    headers = {k.lower(): v for k, v in captured["headers"]}
    return headers.get("cache-control", "").startswith("public") and "set-cookie" not in headers


def init_app(app: Flask, shared: bool) -> None:
    """Put the page cache in front of the app (inside the host router, which maps domains)."""
    local = SimpleCache(threshold=500, default_timeout=LOCAL_TTL) if shared else None
    app.extensions["local_pages"] = local
    backend = app.extensions["cache"][cache]
    app.wsgi_app = PageCache(app, app.wsgi_app, backend, local)  # type: ignore[method-assign]

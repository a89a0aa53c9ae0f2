"""WSGI middleware: rendered catalog pages, replayed for a minute because they are the same for everyone.

Catalog pages carry no CSRF token, no cart count, no cookie and no per-shopper language (the
language is in the URL): this middleware keeps each finished response (headers and body) and
replays it to the next shoppers without running the app, as a CDN would.

- Only ``GET`` responses the app marked ``Cache-Control: public``, with status 200 and no cookie,
  are kept, and only for URLs whose query names real variants: each of ``CACHEABLE_ARGS`` at
  most once (the views answer 404 to an unknown category, page, sort order or product variant,
  and to any of these arguments on a page that does not read it). Any other query (search,
  tracking parameters) is answered by the app and not kept, so no URL flood can grow the cache.
- Pages live in this process's memory, in a bounded store (``MAX_PAGES``), never in Redis: no
  amount of page traffic can push out what the state store keeps (locks, receipts, limits).
- Compression is negotiated once, here, with werkzeug's ``Accept-Encoding`` parser (``q=0``
  honoured, malformed entries ignored): the header is rewritten to the one encoding chosen, so
  flask-compress and this cache agree by construction. A page is stored under the encoding it
  actually has (its ``Content-Encoding``), and served only to clients that accept it.
- ``forget`` drops a store's pages by bumping its generation number in the state store, shared
  by every worker; with Redis each process re-reads a generation at most every ``LOCAL_TTL``
  seconds, so a hit costs no network round trip. While Redis cannot be reached, a process keeps
  serving the pages of the generation it read last (and renders, without keeping, the others).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cachelib import SimpleCache
from flask import Flask, current_app
from werkzeug.http import parse_accept_header
from werkzeug.routing import Map

from storefront.config import SLUG
from storefront.runtime import metrics
from storefront.runtime.observability import ROUTE, request_id
from storefront.runtime.state import State, StateUnavailable

PAGE_TTL = 60
#: Seconds a process trusts the generation it read (a change reaches every worker within this).
LOCAL_TTL = 1
MAX_PAGES = 1_000
#: ``f1``…``f3`` and ``stock`` are listing filters (services.filters): real option values only, else 404.
CACHEABLE_ARGS = frozenset({"category", "page", "sort", "variant", "f1", "f2", "f3", "stock"})
ENCODINGS = ("br", "gzip")
access_log = logging.getLogger("storefront.access")
log = logging.getLogger("storefront.pages")


@dataclass(frozen=True)
class Page:
    """A finished response: status line, headers (without the request id) and body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    route: str = "unmatched"


def forget(slug: str) -> None:
    """Named invalidator: every cached page of this store is stale from now on."""
    current_app.extensions["state"].incr(f"pagegen:{slug}", 400 * 24 * 3600)
    current_app.extensions["page_cache"].generations.delete(slug)


def current_generation(slug: str) -> int | None:
    """This store's page generation as this process knows it (re-read every ``LOCAL_TTL`` seconds);
    None when the state store cannot be read."""
    middleware = current_app.extensions.get("page_cache")
    if middleware is None:
        return None
    try:
        return middleware._generation(slug)
    except Exception:  # the state store is down: callers keep what they have
        log.warning("page generation unavailable", exc_info=True)
        return None


def negotiate_encoding(environ: dict[str, Any]) -> str:
    """The compression this client gets (br, then gzip, else identity); the header is set to it."""
    accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING", ""))
    chosen = accepted.best_match(ENCODINGS) or "identity"
    environ["HTTP_ACCEPT_ENCODING"] = chosen
    return chosen


def variant_query(query: str) -> str | None:
    """The query in canonical form when it names only cacheable variants, else None."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= CACHEABLE_ARGS or any(not v for _, v in pairs):
        return None
    return urlencode(sorted(pairs))


class PageCache:
    """WSGI middleware replaying public catalog pages (see the module docstring)."""

    def __init__(self, wsgi: Callable[..., Any], state: State, *, shared: bool, url_map: Map | None = None) -> None:
        self.wsgi, self.state, self.url_map = wsgi, state, url_map
        self._not_stores: frozenset[str] | None = None
        self.pages = SimpleCache(threshold=MAX_PAGES, default_timeout=PAGE_TTL)
        #: slug → generation, re-read from the state store every LOCAL_TTL seconds when shared
        self.generations = SimpleCache(threshold=10_000, default_timeout=LOCAL_TTL if shared else 0)
        #: slug → the generation last read, used while the state store cannot be reached
        self.last_read = SimpleCache(threshold=10_000, default_timeout=0)
        self.shared = shared

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        encoding = negotiate_encoding(environ)
        try:
            key = self._key(environ)
        except StateUnavailable:  # Redis is away and this store's generation was never read: render
            key = None
        except Exception:  # the state store failed otherwise: the app still answers (and reports it)
            log.warning("page cache unavailable", exc_info=True)
            key = None
        if key is None:
            return self.wsgi(environ, start_response)
        page = self.pages.get(f"{key}|{encoding}")
        metrics.CACHE.labels("page", "hit" if page is not None else "miss").inc()
        if page is not None:
            return self._replay(page, environ, start_response)
        return self._render(key, encoding, environ, start_response)

    def _render(self, key: str, encoding: str, environ: dict[str, Any],
                start_response: Callable[..., Any]) -> Iterable[bytes]:
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
        actual = next((v.strip().lower() for k, v in headers if k.lower() == "content-encoding"), "identity")
        # Served to the clients that chose ``encoding`` only if that is what they can read: the
        # encoding they chose, or none (a body too small to compress).
        bucket = encoding if actual in (encoding, "identity") else actual
        self.pages.set(f"{key}|{bucket}", Page(captured["status"], headers, data, environ.get(ROUTE, "unmatched")))
        return [data]

    def _key(self, environ: dict[str, Any]) -> str | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        slug = path.split("/", 2)[1] if path.count("/") >= 1 else ""
        if slug in self.not_stores() or not SLUG.match(slug):
            return None
        query = variant_query(environ.get("QUERY_STRING", ""))
        if query is None:
            return None
        host = environ.get("HTTP_HOST", "")
        return f"{slug}:{self._generation(slug)}:{environ['wsgi.url_scheme']}://{host}{path}?{query}"

    def not_stores(self) -> frozenset[str]:
        """First path segments that are the platform's own routes, not a store (read off the URL map once
        every blueprint is registered: no second list of paths is kept here)."""
        if self._not_stores is None:
            rules = self.url_map.iter_rules() if self.url_map is not None else ()
            self._not_stores = frozenset(r.rule.split("/", 2)[1] for r in rules
                                         if not r.rule.startswith("/<") and r.rule != "/")
        return self._not_stores

    def _generation(self, slug: str) -> int:
        generation = self.generations.get(slug)
        if generation is None:
            try:
                generation = int(self.state.get(f"pagegen:{slug}") or 0)
            except StateUnavailable:  # Redis is away: the pages of the generation last read still serve
                generation = self.last_read.get(slug)
                if generation is None:
                    raise
                return int(generation)
            self.generations.set(slug, generation)
            self.last_read.set(slug, generation)
        return int(generation)

    def _replay(self, page: Page, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        start_response(page.status, [*page.headers, ("X-Request-ID", rid)])
        status = int(page.status.split(" ", 1)[0])
        metrics.observe_request(page.route, status, time.perf_counter() - started)
        if access_log.isEnabledFor(logging.INFO):
            path = environ.get("PATH_INFO", "")
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
    middleware = PageCache(app.wsgi_app, app.extensions["state"], shared=shared, url_map=app.url_map)
    app.extensions["page_cache"] = middleware
    app.wsgi_app = middleware  # type: ignore[method-assign]

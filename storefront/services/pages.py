"""Service layer: rendered catalog pages, cached briefly because they are the same for everyone.

Catalog pages carry no CSRF token, no cart count and no per-shopper language (the language
is in the URL), so one rendering serves every shopper of that URL for the store's cache
lifetime, kept with its brotli and gzip encodings so a hit costs no compression. Search
results are not cached (unbounded keys). ``forget`` drops a store's pages by bumping its
generation number.

With Redis, each process also keeps what it read for a few seconds (``LOCAL_TTL``), so a hit
costs no network round trip; another worker sees an invalidation within those seconds.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any

import brotli
from cachelib import SimpleCache
from flask import Flask, current_app, g, request
from werkzeug.datastructures import Accept

from storefront.extensions import cache

PAGE_TTL = 60
LOCAL_TTL = 5
CACHEABLE_ARGS = frozenset({"category"})


@dataclass(frozen=True)
class Page:
    """A rendered page body, with its compressed encodings."""

    body: bytes
    mimetype: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def best_for(self, accepted: Accept) -> tuple[str | None, bytes]:
        """The encoding the client prefers among ours, brotli first (None: identity)."""
        name = accepted.best_match([n for n in ("br", "gzip") if n in self.encoded])
        return (name, self.encoded[name]) if name else (None, self.body)


def key(slug: str) -> str | None:
    """The cache key of this request's page, or None when it must not be cached."""
    if "page_key" not in g:
        g.page_key = None
        if request.method == "GET" and set(request.args) <= CACHEABLE_ARGS:
            generation = _generation(slug)
            g.page_key = f"page:{slug}:{generation}:{request.scheme}://{request.host}{request.full_path}"
    return g.page_key


def _local() -> SimpleCache | None:
    return current_app.extensions.get("local_pages")


def _read(key_: str) -> Any:
    """From this process's memory, else from the shared cache (remembered a few seconds)."""
    local = _local()
    value = local.get(key_) if local else None
    if value is None:
        value = cache.get(key_)
        if value is not None and local:
            local.set(key_, value)
    return value


def init_app(app: Flask, shared: bool) -> None:
    """A per-process copy in front of a shared (Redis) cache; none in front of memory."""
    app.extensions["local_pages"] = SimpleCache(threshold=500, default_timeout=LOCAL_TTL) if shared else None


def _generation(slug: str) -> int:
    """The store's page generation (0 until its first invalidation)."""
    local, name = _local(), f"pagegen:{slug}"
    generation = local.get(name) if local else None
    if generation is None:
        generation = cache.get(name) or 0
        if local:
            local.set(name, generation)
    return int(generation)


def get(page_key: str) -> Page | None:
    """A cached rendering, if fresh."""
    return _read(page_key)


def put(page_key: str, body: bytes, mimetype: str) -> None:
    """Remember a rendering and its compressed forms."""
    encoded = {"br": brotli.compress(body, quality=9), "gzip": gzip.compress(body, 6)}
    cache.set(page_key, Page(body, mimetype, encoded), timeout=PAGE_TTL)


def forget(slug: str) -> None:
    """Named invalidator: every cached page of this store is stale from now on."""
    generation = (cache.get(f"pagegen:{slug}") or 0) + 1
    cache.set(f"pagegen:{slug}", generation, timeout=0)
    local = _local()
    if local:
        local.delete(f"pagegen:{slug}")

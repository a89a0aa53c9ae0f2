"""Service layer: rendered catalog pages, cached briefly because they are the same for everyone.

Catalog pages carry no CSRF token, no cart count and no per-shopper language (the language
is in the URL), so one rendering serves every shopper of that URL for the store's cache
lifetime. Search results are not cached (unbounded keys). ``forget_store`` drops a store's
pages by bumping its generation number.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from storefront.extensions import cache

PAGE_TTL = 60
CACHEABLE_ARGS = frozenset({"category"})


@dataclass(frozen=True)
class Page:
    """A rendered page body."""

    body: bytes
    mimetype: str


def key(slug: str) -> str | None:
    """The cache key of this request's page, or None when it must not be cached."""
    if request.method != "GET" or not set(request.args) <= CACHEABLE_ARGS:
        return None
    generation = cache.get(f"pagegen:{slug}") or 0
    return f"page:{slug}:{generation}:{request.scheme}://{request.host}{request.full_path}"


def get(page_key: str) -> Page | None:
    """A cached rendering, if fresh."""
    return cache.get(page_key)


def put(page_key: str, body: bytes, mimetype: str) -> None:
    """Remember a rendering."""
    cache.set(page_key, Page(body, mimetype), timeout=PAGE_TTL)


def forget(slug: str) -> None:
    """Named invalidator: every cached page of this store is stale from now on."""
    generation = (cache.get(f"pagegen:{slug}") or 0) + 1
    cache.set(f"pagegen:{slug}", generation, timeout=0)

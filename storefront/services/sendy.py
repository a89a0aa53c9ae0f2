"""Service layer: access to the app's Sendy client and its cache policy."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from storefront.extensions import cache
from storefront.sendy import SendyClient, SendyNotFound, SendyUnavailable

log = logging.getLogger("storefront.services")
T = TypeVar("T")
STALE_TTL = 7 * 24 * 3600
ERROR_TTL = 15
REFRESH_LOCK_TTL = 10
_refresh_lock = threading.Lock()
_MISSING = "__missing__"


def client() -> SendyClient:
    """The app's pooled Sendy client."""
    return current_app.extensions["sendy"]


def cached(key: str, ttl: int, fetch: Callable[[], T], *, not_found_ttl: int = 30) -> T:
    """Fresh for ``ttl`` seconds; on Sendy failure, the last good copy (stale-if-error).

    A "not found" answer is remembered briefly, so unknown slugs do not hammer Sendy,
    and it retires the stale copy: an unpublished store stops being served.
    """
    fresh = cache.get(key)
    if fresh == _MISSING:
        raise SendyNotFound("not found (cached)")
    if fresh is not None:
        return fresh
    with _refresh_lock:
        refreshing = not cache.add(f"refresh:{key}", 1, timeout=REFRESH_LOCK_TTL)
    if refreshing:  # another request is asking Sendy right now: serve the last good copy
        stale = cache.get(f"stale:{key}")
        if stale is not None:
            return stale
    try:
        return _refresh(key, ttl, fetch, not_found_ttl)
    finally:
        if not refreshing:
            cache.delete(f"refresh:{key}")


def _refresh(key: str, ttl: int, fetch: Callable[[], T], not_found_ttl: int) -> T:
    """Ask Sendy, remember the answer, fall back to the stale copy on failure."""
    try:
        value = fetch()
    except SendyNotFound:
        cache.set(key, _MISSING, timeout=not_found_ttl)
        cache.delete(f"stale:{key}")
        raise
    except SendyUnavailable as exc:
        stale = cache.get(f"stale:{key}")
        if stale is None:
            log.error("sendy unavailable for %s and nothing cached: %s", key, exc)
            raise
        log.warning("sendy unavailable for %s, serving the last good copy: %s", key, exc)
        cache.set(key, stale, timeout=ERROR_TTL)  # let Sendy recover before asking again
        return stale
    cache.set(key, value, timeout=ttl)
    cache.set(f"stale:{key}", value, timeout=STALE_TTL)
    return value


def invalidate(key: str) -> None:
    """Forget the fresh copy of one cached value (the stale copy stays as a fallback)."""
    cache.delete(key)

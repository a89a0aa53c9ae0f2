"""Service layer: access to the app's Sendy client and its cache policy.

Good answers are cached (shared by workers when Redis is configured), with a stale copy kept
for when Sendy fails. What Sendy does not know — an unknown slug — is remembered for a minute
in this process only, in a bounded map, so a flood
of made-up URLs neither grows the shared cache nor sends one Sendy call per request. (How many
requests may wait on Sendy at once is the client's bulkhead.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from cachelib import SimpleCache
from flask import Flask, current_app

from storefront.extensions import cache
from storefront.runtime import metrics
from storefront.sendy import SendyClient, SendyNotFound, SendyUnavailable

log = logging.getLogger("storefront.services")
T = TypeVar("T")
STALE_TTL = 7 * 24 * 3600
ERROR_TTL = 15
REFRESH_LOCK_TTL = 10
_refresh_lock = threading.Lock()


def client() -> SendyClient:
    """The app's pooled Sendy client."""
    return current_app.extensions["sendy"]


def _remembered() -> SimpleCache:
    return current_app.extensions["sendy_remembered"]


def cached(key: str, ttl: int, fetch: Callable[[], T], *, not_found_ttl: int = 60) -> T:
    """Fresh for ``ttl`` seconds; on Sendy failure, the last good copy (stale-if-error).

    A "not found" answer is remembered for a minute, so unknown slugs do not hammer Sendy,
    and it retires the stale copy: an unpublished store stops being served.
    """
    remembered = _remembered().get(key)
    if remembered == "missing":
        raise SendyNotFound("not found (remembered)")
    fresh = cache.get(key)
    if fresh is not None:
        metrics.CACHE.labels("data", "hit").inc()
        return fresh
    with _refresh_lock:
        refreshing = not cache.add(f"refresh:{key}", 1, timeout=REFRESH_LOCK_TTL)
    if refreshing:  # another request is asking Sendy right now: serve the last good copy
        stale = cache.get(f"stale:{key}")
        if stale is not None:
            metrics.CACHE.labels("data", "stale").inc()
            return stale
    try:
        return _refresh(key, ttl, fetch, not_found_ttl)
    finally:
        if not refreshing:
            cache.delete(f"refresh:{key}")


def _refresh(key: str, ttl: int, fetch: Callable[[], T], not_found_ttl: int) -> T:
    """Ask Sendy, remember the answer, fall back to the stale copy on failure."""
    metrics.CACHE.labels("data", "miss").inc()
    try:
        value = fetch()
    except SendyNotFound:
        _remembered().set(key, "missing", timeout=not_found_ttl)
        cache.delete(f"stale:{key}")
        raise
    except SendyUnavailable as exc:
        stale = cache.get(f"stale:{key}")
        if stale is None:
            log.error("sendy unavailable for %s and nothing cached: %s", key, exc)
            raise
        log.warning("sendy unavailable for %s, serving the last good copy: %s", key, exc)
        metrics.CACHE.labels("data", "stale").inc()
        cache.set(key, stale, timeout=ERROR_TTL)  # let Sendy recover before asking again
        return stale
    cache.set(key, value, timeout=ttl)
    cache.set(f"stale:{key}", value, timeout=STALE_TTL)
    return value


def reload(key: str, ttl: int, fetch: Callable[[], T], *, not_found_ttl: int = 60) -> T:
    """Ask Sendy now, whatever is cached (a change was announced), and keep the answer as ``cached`` would.

    A "not found" answer retires the fresh and stale copies; a failure leaves the stale copy and
    drops the fresh one, so the next page view asks Sendy again.
    """
    forget_remembered(key)
    metrics.CACHE.labels("data", "reload").inc()
    try:
        value = fetch()
    except SendyNotFound:
        _remembered().set(key, "missing", timeout=not_found_ttl)
        cache.delete(key)
        cache.delete(f"stale:{key}")
        raise
    except SendyUnavailable:
        cache.delete(key)
        raise
    cache.set(key, value, timeout=ttl)
    cache.set(f"stale:{key}", value, timeout=STALE_TTL)
    return value


def forget_remembered(key: str) -> None:
    """Forget what this process remembers of a key (a "not found")."""
    _remembered().delete(key)


def invalidate(key: str) -> None:
    """Forget the fresh copy of one cached value (the stale copy stays as a fallback)."""
    cache.delete(key)
    _remembered().delete(key)


def init_app(app: Flask) -> None:
    """This process's bounded memory of unknown keys and recent failures."""
    app.extensions["sendy_remembered"] = SimpleCache(threshold=10_000, default_timeout=60)

"""The data cache (Sendy's answers) in Redis, falling back to this process's memory while Redis is away.

Configured as flask-caching's backend when ``REDIS_URL`` is set (``CACHE_TYPE`` names
``shared_cache``). Every operation goes to Redis through the app's guard
(``storefront.runtime.redis_guard``); when Redis cannot be reached it goes to a bounded in-memory
cache of this process instead, so catalog pages keep answering: from the stores the process has
indexed, its rendered pages, and Sendy's answers as it reads them again. Nothing here must
outlive a cache entry, so a miss or a copy only this worker holds is always safe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cachelib import SimpleCache
from flask import Flask
from flask_caching.backends.base import BaseCache
from flask_caching.backends.rediscache import RedisCache

from storefront.runtime.redis_guard import Guard, StateUnavailable, client_options, guard

#: The most entries a process keeps while Redis is away (stores, address lists, order reads).
LOCAL_ENTRIES = 2000


class SharedCache(BaseCache):
    """Redis first; this process's memory when Redis fails or its breaker is open."""

    def __init__(self, shared: RedisCache, redis_guard: Guard, default_timeout: int = 300) -> None:
        super().__init__(default_timeout=default_timeout)
        self.shared = shared
        self.local = SimpleCache(threshold=LOCAL_ENTRIES, default_timeout=default_timeout)
        self.guard = redis_guard

    def _either(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            with self.guard("cache"):
                return getattr(self.shared, name)(*args, **kwargs)
        except StateUnavailable:
            return getattr(self.local, name)(*args, **kwargs)

    def get(self, key: str) -> Any:  # noqa: D102 - as cachelib's BaseCache
        return self._either("get", key)

    def get_many(self, *keys: str) -> list[Any]:  # noqa: D102
        return self._either("get_many", *keys)

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:  # noqa: D102
        return self._either("set", key, value, timeout)

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:  # noqa: D102
        return self._either("add", key, value, timeout)

    def set_many(self, mapping: dict[str, Any], timeout: int | timedelta | None = None) -> Any:  # noqa: D102
        return self._either("set_many", mapping, timeout)

    def delete(self, key: str) -> Any:  # noqa: D102
        return self._either("delete", key)

    def delete_many(self, *keys: str) -> Any:  # noqa: D102
        return self._either("delete_many", *keys)

    def has(self, key: str) -> Any:  # noqa: D102
        return self._either("has", key)

    def clear(self) -> Any:  # noqa: D102
        self.local.clear()
        return self._either("clear")

    def inc(self, key: str, delta: int = 1) -> Any:  # noqa: D102
        return self._either("inc", key, delta)

    def dec(self, key: str, delta: int = 1) -> Any:  # noqa: D102
        return self._either("dec", key, delta)


def shared_cache(app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]) -> SharedCache:
    """flask-caching's factory: the Redis cache with the app's client options and guard."""
    make: Callable[..., RedisCache] = RedisCache.factory
    shared = make(app, {**config, "CACHE_OPTIONS": client_options()}, args, dict(kwargs))
    return SharedCache(shared, guard(app), kwargs.get("default_timeout", 300))

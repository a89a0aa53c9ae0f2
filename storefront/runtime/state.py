"""State that must never be evicted: order locks, receipts, "may be placed" marks, OTP codes.

Kept apart from every cache. In one process it is a dictionary with expiry times; with
``REDIS_URL`` it lives in Redis under its own prefix, next to the rate-limit counters, so all
workers share it. That Redis must not evict keys (``maxmemory-policy noeviction``): nothing
here grows with page traffic — only with checkouts, which the code limits bound — and rendered
pages are never written there (see ``page_cache``).

Values are JSON text; every operation is atomic (a lock in memory, one command or a small Lua
script in Redis). When Redis cannot be reached every operation raises ``StateUnavailable``
(``storefront.runtime.redis_guard``): nothing here is ever guessed or kept elsewhere meanwhile.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app

from storefront.runtime.redis_guard import Guard, StateUnavailable, client_options, guard

__all__ = ["State", "MemoryState", "RedisState", "StateUnavailable", "state", "init_app"]
PREFIX = "storefront-state:"  # apart from the data cache's "storefront:" (its clear() must not reach here)
#: Compare-and-delete, so a lock is released only by the request that holds it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class State(Protocol):
    """The operations the services need."""

    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any, ttl: float) -> None: ...
    def add(self, key: str, value: Any, ttl: float) -> bool: ...
    def release(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...
    def incr(self, key: str, ttl: float, amount: int = 1) -> int: ...
    def ttl(self, key: str) -> float: ...
    def ping(self) -> None: ...


class MemoryState:
    """One process's state: a dictionary of (JSON text, expiry) under one lock."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now  # the app's clock (tests move it ahead)
        self._data: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._writes = 0

    def _live(self, key: str, now: float) -> str | None:
        item = self._data.get(key)
        if item is None or item[1] <= now:
            self._data.pop(key, None)
            return None
        return item[0]

    def _put(self, key: str, text: str, ttl: float, now: float) -> None:
        self._data[key] = (text, now + ttl)
        self._writes += 1
        if self._writes % 1000 == 0:  # drop what expired, now and then
            self._data = {k: v for k, v in self._data.items() if v[1] > now}

    def get(self, key: str) -> Any:
        """The value, or None when absent or expired."""
        with self._lock:
            text = self._live(key, self._now())
        return None if text is None else json.loads(text)

    def set(self, key: str, value: Any, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds."""
        with self._lock:
            self._put(key, json.dumps(value), ttl, self._now())

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Store ``value`` only if the key is absent; True when this call stored it."""
        with self._lock:
            now = self._now()
            if self._live(key, now) is not None:
                return False
            self._put(key, json.dumps(value), ttl, now)
            return True

    def release(self, key: str, value: Any) -> None:
        """Delete the key if it still holds ``value`` (a lock this request took)."""
        with self._lock:
            if self._live(key, self._now()) == json.dumps(value):
                self._data.pop(key, None)

    def delete(self, key: str) -> None:
        """Forget the key."""
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str, ttl: float, amount: int = 1) -> int:
        """Add ``amount`` to a counter that expires ``ttl`` seconds after it was created."""
        with self._lock:
            now = self._now()
            current = self._live(key, now)
            if current is None:
                self._put(key, str(amount), ttl, now)
                return amount
            value = int(current) + amount
            self._data[key] = (str(value), self._data[key][1])
            return value

    def ttl(self, key: str) -> float:
        """Seconds until the key expires (0 when absent)."""
        with self._lock:
            now = self._now()
            return self._data[key][1] - now if self._live(key, now) is not None else 0.0

    def ping(self) -> None:
        """Always reachable."""


class RedisState:
    """State in Redis (shared by every worker), over one connection pool."""

    def __init__(self, url: str, redis_guard: Guard | None = None) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, **client_options())
        self._release = self.redis.register_script(_RELEASE)
        self.guard = redis_guard or Guard()

    def get(self, key: str) -> Any:
        """The value, or None when absent or expired."""
        with self.guard("state"):
            text = self.redis.get(PREFIX + key)
        return None if text is None else json.loads(text)

    def set(self, key: str, value: Any, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds."""
        with self.guard("state"):
            self.redis.set(PREFIX + key, json.dumps(value), px=int(ttl * 1000))

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Store ``value`` only if the key is absent (SET NX); True when this call stored it."""
        with self.guard("state"):
            return bool(self.redis.set(PREFIX + key, json.dumps(value), px=int(ttl * 1000), nx=True))

    def release(self, key: str, value: Any) -> None:
        """Delete the key if it still holds ``value``."""
        with self.guard("state"):
            self._release(keys=[PREFIX + key], args=[json.dumps(value)])

    def delete(self, key: str) -> None:
        """Forget the key."""
        with self.guard("state"):
            self.redis.delete(PREFIX + key)

    def incr(self, key: str, ttl: float, amount: int = 1) -> int:
        """Add ``amount`` to a counter that expires ``ttl`` seconds after it was created."""
        with self.guard("state"), self.redis.pipeline() as pipe:  # MULTI/EXEC: both or neither
            pipe.incrby(PREFIX + key, amount)
            pipe.pexpire(PREFIX + key, int(ttl * 1000), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def ttl(self, key: str) -> float:
        """Seconds until the key expires (0 when absent)."""
        with self.guard("state"):
            left = int(self.redis.pttl(PREFIX + key))
        return max(0.0, left / 1000)

    def ping(self) -> None:
        """Raise StateUnavailable when Redis cannot be reached."""
        with self.guard("state"):
            self.redis.ping()


def state() -> State:
    """The app's state store."""
    return current_app.extensions["state"]


def init_app(app: Flask, redis_url: str | None) -> None:
    """Memory by default; Redis when configured."""
    if redis_url:
        app.extensions["state"] = RedisState(redis_url, guard(app))
    else:
        app.extensions["state"] = MemoryState(app.extensions["clock"].time)

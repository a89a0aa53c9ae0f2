"""Redis failing: how the app notices at once, what it raises, and how it comes back by itself.

Every Redis client of the app (the state store, the code limits, the data cache) is made with
``client_options``: a second to connect or answer (a dead Redis fails fast instead of holding a
worker thread), and one immediate retry on a fresh connection when a pooled one broke (a Redis
restart costs no request), never a retry after a timeout (the command may have run).

Each app has one ``Guard``: a circuit breaker (pybreaker) shared by those clients. After
``FAIL_MAX`` connection failures in a row it stops asking Redis for ``OPEN_SECONDS``, so a hung
Redis costs a page one timeout, not one per command; then the next command tries again, and the
first that succeeds closes it: the app reconnects without a restart. Every failure is raised as
``StateUnavailable``, which pages that need shared state answer with the friendly 503 page
(``views.errors``) and which catalog pages never see (``datacache`` falls back to memory).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pybreaker
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from storefront.runtime import metrics

#: Seconds to connect to Redis, and for one command's answer.
TIMEOUT = 1.0
#: Connection failures in a row that open the breaker, and how long it then stays open.
FAIL_MAX = 2
OPEN_SECONDS = 2.0
#: What the 503 page's Retry-After suggests.
RETRY_AFTER = 30
log = logging.getLogger("storefront.redis")


class StateUnavailable(Exception):
    """Redis (the shared state: limits, order locks, receipts) cannot be reached right now."""

    retry_after = RETRY_AFTER


def client_options() -> dict[str, Any]:
    """The redis-py options of every client: fail fast, reconnect once, check idle connections."""
    return {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, "health_check_interval": 30,
            "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))}


def _infrastructure(exc: BaseException) -> bool:
    return isinstance(exc, redis.ConnectionError | redis.TimeoutError)


class _Log(pybreaker.CircuitBreakerListener):
    """One log line when Redis goes away and one when it is back (not one per request)."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        if new_state.name == pybreaker.STATE_OPEN and (old_state is None or old_state.name == pybreaker.STATE_CLOSED):
            log.error("redis unreachable: shared state unavailable, catalog pages served from memory")
        elif new_state.name == pybreaker.STATE_CLOSED and old_state is not None:
            log.warning("redis reachable again")


class Guard:
    """The app's circuit breaker around Redis; ``with guard("state"):`` around each command."""

    def __init__(self) -> None:
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=FAIL_MAX, reset_timeout=OPEN_SECONDS, throw_new_error_on_trip=False,
            exclude=[lambda exc: not _infrastructure(exc)], listeners=[_Log()], name="redis")

    @contextmanager
    def __call__(self, use: str) -> Iterator[None]:
        """Run the block against Redis; StateUnavailable when Redis fails or the breaker is open."""
        try:
            with self.breaker.calling():
                yield
        except pybreaker.CircuitBreakerError:
            metrics.REDIS_FAILURES.labels(use).inc()
            raise StateUnavailable("redis skipped: it failed moments ago") from None
        except redis.RedisError as exc:
            metrics.REDIS_FAILURES.labels(use).inc()
            raise StateUnavailable(f"redis failed ({type(exc).__name__})") from exc


class NoGuard(Guard):
    """Memory needs no breaker (no Redis configured)."""

    def __init__(self) -> None:  # noqa: D107 - nothing to set up
        pass

    @contextmanager
    def __call__(self, use: str) -> Iterator[None]:  # noqa: D102 - as Guard
        yield


def guard(app: Any) -> Guard:
    """The app's guard (made on first use, so every Redis client of the app shares it)."""
    found = app.extensions.get("redis_guard")
    if found is None:
        found = app.extensions.setdefault("redis_guard", Guard())
    return found

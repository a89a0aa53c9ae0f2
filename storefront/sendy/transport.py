"""Sendy client layer: the transport — one pooled httpx client, retries, bulkheads, metrics.

It knows HTTP, not Sendy's shapes: it sends a path and a body and hands back the envelope's data
(through ``wire.envelope``) or a typed error. GETs are retried with jitter within a read budget;
POSTs are never retried (an order or a code must not be sent twice). The transport under it is
injected (the sandbox's in-process transport in the demo and tests, the network otherwise).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from storefront.runtime import metrics
from storefront.sendy.errors import SendyBusy, SendyUnavailable
from storefront.sendy.wire.envelope import unwrap
from storefront.sendy.wire.routes import endpoint_name, key_header

log = logging.getLogger("storefront.sendy")

#: How long a call may wait for a free place in the bulkhead before failing fast.
QUEUE_WAIT = 0.1
#: Orders and codes wait a little longer: they matter more than a page, and are rare.
WRITE_QUEUE_WAIT = 1.0


class Transport:
    """HTTP to Sendy: pooled, logged, bounded and (for reads) retried."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        read_budget: float = 3.0,
        concurrency: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            headers={"Accept": "application/json", "User-Agent": "storefront/0.1"},
            event_hooks={"request": [_log_request], "response": [_log_response]},
            limits=httpx.Limits(max_connections=4 * concurrency, max_keepalive_connections=2 * concurrency),
        )
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._read_budget = read_budget
        self._sleep = sleep
        # Bulkheads: at most ``concurrency`` calls wait on Sendy at once per process, for
        # reads and for orders separately, so a hanging Sendy holds only a few threads.
        self._reads = threading.BoundedSemaphore(concurrency)
        self._writes = threading.BoundedSemaphore(concurrency)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get(self, path: str, api_key: str | None = None, params: Mapping[str, str] | None = None) -> Any:
        """GET with jittered retries, all within the read budget (a page never waits longer)."""
        headers = key_header(api_key)
        deadline = time.monotonic() + self._read_budget
        attempt = 0
        while True:
            try:
                with _slot(self._reads, min(QUEUE_WAIT, deadline - time.monotonic())):
                    return unwrap(self._send("GET", path, timeout=_left(deadline, self._timeout),
                                             headers=headers, params=params))
            except SendyBusy:
                raise  # retrying would only hold this thread longer
            except SendyUnavailable:
                pause = min(2.0, self._backoff * 2**attempt) * random.uniform(0.5, 1.0)
                if attempt >= self._retries or time.monotonic() + pause + 0.1 >= deadline:
                    raise
                self._sleep(pause)
                attempt += 1

    def post(self, path: str, api_key: str, body: dict[str, Any]) -> Any:
        """POST once (never retried), within the write bulkhead."""
        with _slot(self._writes, WRITE_QUEUE_WAIT):
            return unwrap(self._send("POST", path, json=body, headers=key_header(api_key)))

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        endpoint, outcome, started = endpoint_name(method, path), "unreachable", time.monotonic()
        try:
            response = self._http.request(method, path, **kwargs)
            outcome = f"{response.status_code // 100}xx"
            return response
        except httpx.TimeoutException as exc:
            outcome = "timeout"
            sent = method != "GET" and not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise SendyUnavailable(f"Sendy timed out ({type(exc).__name__})",
                                   maybe_processed=sent) from None
        except httpx.TransportError as exc:
            raise SendyUnavailable(f"Sendy unreachable ({type(exc).__name__})") from None
        finally:
            metrics.SENDY_CALLS.labels(endpoint, outcome).inc()
            metrics.SENDY_LATENCY.labels(endpoint).observe(time.monotonic() - started)


@contextmanager
def _slot(bulkhead: threading.BoundedSemaphore, wait: float) -> Iterator[None]:
    """A place among the calls waiting on Sendy; SendyBusy when none frees up within ``wait``."""
    if not bulkhead.acquire(timeout=max(0.0, wait)):
        metrics.SENDY_CALLS.labels("any", "busy").inc()
        raise SendyBusy("too many Sendy calls waiting already (bulkhead full)")
    try:
        yield
    finally:
        bulkhead.release()


def _left(deadline: float, timeout: float) -> httpx.Timeout:
    """The per-attempt timeout: the configured one, cut to what is left of the budget."""
    left = max(0.05, min(timeout, deadline - time.monotonic()))
    return httpx.Timeout(left, connect=min(left, 3.0))


# -- logging hooks (never headers: they carry the key) -----------------------------------
def _log_request(request: httpx.Request) -> None:
    request.extensions["storefront_start"] = time.monotonic()


def _log_response(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get("storefront_start", time.monotonic())
    log.info("sendy %s %s -> %s in %.0f ms", request.method, request.url.path,
             response.status_code, (time.monotonic() - started) * 1000)

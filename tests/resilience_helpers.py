"""Helpers for the resilience matrix and the soak: sane answers, friendly pages, real servers.

"Sane" means what a shopper may see while Sendy misbehaves: never a 500, never a traceback.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import current_clock
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from storefront import create_app
from storefront.extensions import cache
from storefront.sendy.sandbox import Sandbox
from storefront.services import caches
from storefront.services.sendy import invalidate
from storefront.web.i18n import LOCALES

SECRET = "resilience-" + "k" * 40
#: What a crash would leak into a page: Python's traceback and Werkzeug's debugger.
CRASH_MARKERS = ("Traceback (most recent call last)", "Traceback", "werkzeug.debug", "__debugger__")


def body_of(response: Any) -> str:
    """The body of a Flask test response or an httpx response, as text."""
    if hasattr(response, "get_data"):
        return response.get_data(as_text=True)
    return response.text


def assert_sane(response: Any, where: str = "") -> None:
    """Never a 500 and never a traceback, whatever Sendy did."""
    status = response.status_code
    body = body_of(response)
    assert status != 500, f"{where}: 500 from the storefront\n{body[:800]}"
    for marker in CRASH_MARKERS:
        assert marker not in body, f"{where}: {marker!r} leaked into the page ({status})"


def page_lang(response: Any) -> str | None:
    """The language the page says it is in (from ``<html lang=...>``)."""
    body = body_of(response)
    for code, locale in LOCALES.items():
        if f'<html lang="{locale.tag}"' in body:
            return code
    return None


# -- cache states -----------------------------------------------------------------------------
def forget_everything(app: Flask) -> None:
    """A cold cache: what a freshly restarted worker has (fresh and stale copies gone)."""
    with app.app_context():
        cache.clear()
    app.extensions["page_cache"].pages.clear()
    app.extensions["sendy_remembered"].clear()
    app.extensions.pop("catalog_memo", None)  # the stores this process had parsed and indexed


def expire(app: Flask, endpoint: str, slug: str, province: str = "BG") -> None:
    """Let the fresh copy behind a Sendy endpoint expire (the stale copy stays)."""
    with app.app_context():
        if endpoint == "storefront":
            caches.forget_store(slug)
        elif endpoint == "provinces":
            invalidate("provinces")
        elif endpoint == "areas":
            invalidate(f"areas:{province}")
        else:
            raise ValueError(endpoint)


# -- apps talking to Sendy over real HTTP ----------------------------------------------------
def http_app(sendy_url: str, sandbox: Sandbox, **extra: Any) -> Flask:
    """The storefront configured like a deployment, with Sendy at ``sendy_url``."""
    config: dict[str, Any] = {
        "SENDY_BASE_URL": sendy_url,
        "STOREFRONT_ENV": "development",
        "SECRET_KEY": SECRET,
        "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()),
        "SENDY_TIMEOUT": "1",
        "SENDY_BACKOFF": 0.0,
        "TESTING": True,
        "CLOCK": current_clock(),
    }
    config.update(extra)
    return create_app(config)


def close_app(app: Flask) -> None:
    """Close the app's pooled Sendy client (no unclosed sockets: warnings are errors)."""
    app.extensions["sendy"].close()


def free_port() -> int:
    """A localhost TCP port nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisProcess:
    """A redis-server (Debian's, installed by `make test`) on a free loopback port, that a test may
    kill and start again: same port, same files (``config`` first, then ``args`` over it)."""

    def __init__(self, *args: str, config: Path | None = None, directory: Path | None = None) -> None:
        if not shutil.which("redis-server"):
            pytest.skip("redis-server not installed (make test installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = ["redis-server", *([str(config)] if config else []), "--port", str(self.port),
                        "--bind", "127.0.0.1", *(["--dir", str(directory)] if directory else []), *args]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisProcess:
        """Start it and wait (10 s at most) until it answers PING (its data loaded)."""
        import redis

        self.proc = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        probe = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                try:
                    if probe.ping():
                        return self
                except redis.RedisError:  # not listening yet, or still loading its files
                    time.sleep(0.05)
        finally:
            probe.close()
        raise AssertionError(f"redis-server on port {self.port} did not come up")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """End it at once (SIGKILL: as a crash would), or with ``sig``; wait until it is gone."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        """End it if it runs."""
        if self.proc is not None:
            self.kill(signal.SIGTERM)


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, without persistence."""
    server = RedisProcess("--save", "", "--appendonly", "no").start()
    try:
        yield server.url
    finally:
        server.stop()


def serve_wsgi(wsgi_app: Any, name: str) -> tuple[BaseWSGIServer, str]:
    """Serve a WSGI app over real HTTP on localhost from a daemon thread."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access line per request
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def stop(server: BaseWSGIServer) -> None:
    """Stop a server started by ``serve_wsgi`` or ``serve_in_thread``."""
    server.shutdown()
    server.server_close()


def at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions on threads released at the same instant (bounded); their results, in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = actions[i]()
        except Exception as exc:  # reported below, not swallowed
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def later(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, seconds: float) -> None:
    """Jump ``seconds`` ahead for the code limits, the checkout and Sendy's own clock (the injected clock)."""
    clock = current_clock()
    clock.advance(seconds)
    monkeypatch.setattr("limits.storage.memory.time", clock)  # the limits library reads ``time`` itself
    monkeypatch.setattr(sandbox, "clock", clock.time)


def orders_by_ref(sandbox: Sandbox) -> dict[str, list[Mapping[str, Any]]]:
    """externalRef → the orders Sendy recorded with it."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for order in sandbox.orders:
        found.setdefault(str(order["request"].get("externalRef")), []).append(order)
    return found

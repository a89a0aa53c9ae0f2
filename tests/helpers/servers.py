"""Real servers on loopback (a WSGI app, redis-server), free ports, and actions released at once."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server


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

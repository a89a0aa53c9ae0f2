"""Real servers on loopback (a WSGI app, redis-server), free ports, and actions released at once."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server


def free_port() -> int:
    """A localhost TCP port nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server (Debian's, installed by `make test`) on a free loopback port."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (make test installs it)")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


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

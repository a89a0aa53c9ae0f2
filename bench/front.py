"""`make bench` (part 2): the front — slow clients with and without Caddy, and the TLS ask endpoint.

Brings up the production stack of `make deploy-check` on loopback (deploy/check.py: Redis, the
sandbox as Sendy, gunicorn with 2 workers and 4 threads each, Caddy with deploy/Caddyfile), then:

1. The ask endpoint (what Caddy calls before each new certificate): 1,000 asks on one keep-alive
   connection straight to gunicorn, half for the platform host (200), half for unknown hosts
   (404); p50 and p99.
2. Slow clients: SLOW connections that send their headers a byte a second (slow-header) and as
   many that send full headers then a declared 100 KB body a byte a second (slow-body), held open
   while one shopper opens a normal page (the store's home) every 0.25 s on a new connection: the
   shopper's latency with nobody else, then under the attack — first against gunicorn directly,
   then against Caddy (over HTTPS). Budget: behind Caddy, every page under 1 s.

Prints a table, writes it to bench/results/front.md (untracked), exits 1 when the budget is missed.
"""

from __future__ import annotations

import socket
import ssl
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT))

import check as deploy  # noqa: E402  (deploy/check.py)

SLOW = 300  # connections of each kind
PAGE = "/flora-baghdad/"
SAMPLES = 20
BUDGET = 1.0  # seconds: a normal page behind the front, under attack
RESULTS = ROOT / "bench" / "results" / "front.md"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def ask_latency(app: str) -> tuple[float, float, dict[int, int]]:
    """p50 and p99 (ms) of 1,000 asks, and the answers' statuses."""
    times: list[float] = []
    statuses: dict[int, int] = {}
    with httpx.Client(timeout=5) as client:
        client.get(f"{app}/-/tls/ask", params={"domain": deploy.PLATFORM})  # the connection, once
        for i in range(1000):
            domain = deploy.PLATFORM if i % 2 else f"unknown-{i}.example"
            started = time.perf_counter()
            response = client.get(f"{app}/-/tls/ask", params={"domain": domain})
            times.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return percentile(times, 50), percentile(times, 99), statuses


class Attack:
    """SLOW slow-header and SLOW slow-body connections, each fed one byte a second until stopped."""

    def __init__(self, connect: Callable[[], socket.socket]) -> None:
        self.connect = connect
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.running = True
        self.dropped = 0

    def _open(self, kind: str) -> None:
        try:
            sock = self.connect()
            if kind == "header":
                sock.sendall(f"GET {PAGE} HTTP/1.1\r\nHost: {deploy.PLATFORM}\r\n".encode())
            else:
                sock.sendall((f"POST {PAGE}cart/add HTTP/1.1\r\nHost: {deploy.PLATFORM}\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
                              "sku=").encode())
        except OSError:
            with self.lock:
                self.dropped += 1
            return
        with self.lock:
            self.sockets.append(sock)

    def start(self) -> None:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(self._open, ["header"] * SLOW + ["body"] * SLOW))
        threading.Thread(target=self._drip, daemon=True).start()

    def _drip(self) -> None:
        while self.running:
            with self.lock:
                alive = []
                for sock in self.sockets:
                    try:
                        sock.send(b"a")
                        alive.append(sock)
                    except OSError:
                        self.dropped += 1
                        sock.close()
                self.sockets = alive
            time.sleep(1)

    def open_now(self) -> int:
        with self.lock:
            return len(self.sockets)

    def stop(self) -> None:
        self.running = False
        with self.lock:
            for sock in self.sockets:
                sock.close()
            self.sockets = []


def shopper_times(get: Callable[[], int]) -> tuple[list[float], int]:
    """SAMPLES page views, 0.25 s apart (each on a new connection): their seconds, and how many failed."""
    times, failed, in_a_row = [], 0, 0
    for _ in range(SAMPLES):
        started = time.monotonic()
        try:
            ok = get() == 200
        except httpx.HTTPError:
            ok = False
        times.append(time.monotonic() - started)
        failed += not ok
        in_a_row = in_a_row + 1 if not ok else 0
        if in_a_row >= 3:  # it is down: no need to wait out every timeout
            break
        time.sleep(0.25)
    return times, failed


def measure(name: str, connect: Callable[[], socket.socket], get: Callable[[], int]) -> list[str]:
    idle, idle_failed = shopper_times(get)
    attack = Attack(connect)
    attack.start()
    opened = attack.open_now()
    time.sleep(1)
    loaded, failed = shopper_times(get)
    still_open = attack.open_now()
    attack.stop()
    row = [name, f"{statistics.median(idle) * 1000:.0f} / {max(idle) * 1000:.0f}",
           f"{opened} (still {still_open})", f"{statistics.median(loaded) * 1000:.0f} / {max(loaded) * 1000:.0f}",
           f"{failed + idle_failed} of {len(idle) + len(loaded)}"]
    print(" | ".join(row), flush=True)
    return row


def main() -> int:
    rows: list[list[str]] = []
    with deploy.stack("bench-front") as up:
        app_host, app_port = "127.0.0.1", up.ports["app"]
        p50, p99, statuses = ask_latency(up.app)
        deploy.step(f"ask: p50 {p50:.2f} ms, p99 {p99:.2f} ms over 1,000 asks ({statuses})")

        def direct_socket() -> socket.socket:
            return socket.create_connection((app_host, app_port), timeout=5)

        def direct_get() -> int:
            with httpx.Client(timeout=5) as client:
                return client.get(f"{up.app}{PAGE}", headers={"Host": deploy.PLATFORM}).status_code

        context = ssl.create_default_context(cafile=str(up.ca))

        def front_socket() -> socket.socket:
            raw = socket.create_connection(("127.0.0.1", up.ports["https"]), timeout=5)
            return context.wrap_socket(raw, server_hostname=deploy.PLATFORM)

        def front_get() -> int:
            with deploy.shopper(up.ca) as browser:
                return browser.get(f"https://{deploy.PLATFORM}:{up.ports['https']}{PAGE}").status_code

        deploy.step(f"slow clients: {SLOW} slow-header + {SLOW} slow-body connections")
        rows.append(measure("gunicorn directly", direct_socket, direct_get))
        deploy.wait_for("gunicorn to recover", lambda: direct_get() == 200, 90)
        rows.append(measure("behind Caddy (HTTPS)", front_socket, front_get))
    behind = rows[-1]
    worst = float(behind[3].split(" / ")[1]) / 1000
    verdict = "PASS" if worst < BUDGET and behind[4].startswith("0 ") else "FAIL"
    head = ["Target", "shopper alone: p50 / max ms", "slow connections open", "under attack: p50 / max ms",
            "pages failed (timeout 5 s)"]
    lines = ["# The front: slow clients and the TLS ask", "",
             f"- Ask endpoint, 1,000 asks on one keep-alive connection to gunicorn: p50 {p50:.2f} ms, "
             f"p99 {p99:.2f} ms ({statuses}).",
             f"- Slow clients: {SLOW} slow-header and {SLOW} slow-body connections, one byte a second each; a "
             f"shopper opens {PAGE} every 0.25 s on a new connection ({SAMPLES} views). gunicorn: 2 workers × 4 "
             "threads (gunicorn.conf.py).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
             *["| " + " | ".join(row) + " |" for row in rows], "",
             f"**{verdict}**: behind Caddy every page under {BUDGET:.0f} s (worst {worst * 1000:.0f} ms).", ""]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

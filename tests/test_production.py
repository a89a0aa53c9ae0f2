"""The production shape: gunicorn with two workers sharing one real Redis, over real HTTP.

Starts redis-server (Debian package, installed by `make test`), the sandbox over HTTP,
and `gunicorn -c gunicorn.conf.py` (the README's production command) with two workers.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers.checkout import CSRF
from helpers.servers import at_once, free_port

from storefront.sendy.sandbox import Sandbox, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-" + "x" * 40
METRICS_TOKEN = "scrape-" + "m" * 24
_addresses = itertools.count(1)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("redis-server"),
                                                   reason="redis-server not installed (make test installs it)")]


def _wait(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture(scope="module")
def sendy() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox()
    server, url = serve_in_thread(sandbox)
    yield sandbox, url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def gunicorn(redis_url: str, sendy: tuple[Sandbox, str], tmp_path_factory) -> Iterator[tuple[str, Path]]:
    sandbox, sendy_url = sendy
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "stderr.log"
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "SENDY_BASE_URL": sendy_url, "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()),
           "SECRET_KEY": SECRET, "REDIS_URL": redis_url, "STOREFRONT_ENV": "development",
           "LOG_FORMAT": "json", "PLATFORM_HOST": f"127.0.0.1:{port}", "METRICS_TOKEN": METRICS_TOKEN,
           "TRUSTED_PROXIES": "1",  # each Shopper comes from its own address (X-Forwarded-For)
           "OTP_BUDGETS": json.dumps({"tigris-tech": {"hourly": 5, "daily": 5}})}
    with log.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            _wait(f"http://127.0.0.1:{port}/healthz")
            yield f"http://127.0.0.1:{port}", log
        finally:
            proc.terminate()
            proc.wait(20)


def _served_by(log: Path) -> dict[str, int]:
    """request id → pid of the worker that served it, from the JSON access log."""
    served = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "storefront.access" and "request_id" in entry:
                served[entry["request_id"]] = entry["pid"]
    return served


class Shopper:
    """A browser-like client that opens a new connection per request (any worker may answer)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0))
        self.ids: list[str] = []
        n = next(_addresses)
        self.address = f"10.8.{n // 250}.{n % 250 + 1}"  # only a header: the proxy's word

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        rid = uuid.uuid4().hex
        self.ids.append(rid)
        headers = {"X-Request-ID": rid, "Origin": self.base, "X-Forwarded-For": self.address,
                   **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def token(self, path: str) -> str:
        match = CSRF.search(self.request("GET", path).text)
        assert match
        return match.group(1)

    def close(self) -> None:
        self.http.close()


def _start_checkout(shopper: Shopper, phone: str) -> httpx.Response:
    assert shopper.request("POST", "/flora-baghdad/en/cart/add", data={"sku": "FLR-ROSE-12"}).status_code == 303
    areas = shopper.request("GET", "/flora-baghdad/en/checkout/areas?province=BG").json()
    return shopper.request("POST", "/flora-baghdad/en/checkout", data={
        "csrf_token": shopper.token("/flora-baghdad/en/checkout"), "action": "continue",
        "name": "Ali Hassan", "phone": phone, "province": "BG", "area": areas[0]["id"],
        "address": "Karrada, near the mosque"})


def test_readiness_reports_sendy_and_redis(gunicorn) -> None:
    base, _ = gunicorn
    body = httpx.get(f"{base}/readyz").json()
    assert body == {"status": "ready", "checks": {"sendy": "ok", "redis": "ok"}}
    assert "sk_sandbox" not in httpx.get(f"{base}/readyz").text


def test_unknown_host_is_refused(gunicorn) -> None:
    base, _ = gunicorn
    response = httpx.get(f"{base}/flora-baghdad/", headers={"Host": "evil.example"})
    assert response.status_code == 404
    assert "evil.example" not in response.text


def test_two_workers_share_one_otp_limit_and_the_checkout(gunicorn, sendy) -> None:
    """A resend refused by the cooldown even on the other worker; the order placed once."""
    base, log = gunicorn
    sandbox, _ = sendy
    crossed = None
    for i in range(30):  # bounded: stop once a send and its resend landed on different workers
        phone = f"0770{100 + i:03d}1234"  # each its own prefix: no budget in the way
        shopper = Shopper(base)
        sent = _start_checkout(shopper, phone)
        assert sent.status_code == 303, sent.text[:500]
        send_id = shopper.ids[-1]
        resend = shopper.request("POST", "/flora-baghdad/en/checkout/code", data={
            "csrf_token": shopper.token("/flora-baghdad/en/checkout/code"), "action": "resend"})
        assert resend.status_code == 429
        assert "Please wait before asking for another code" in resend.text
        time.sleep(0.3)  # let the workers flush their log lines
        served = _served_by(log)
        if served.get(send_id) and served.get(shopper.ids[-1]) and served[send_id] != served[shopper.ids[-1]]:
            crossed = (shopper, "964" + phone[1:])
            break
        shopper.close()
    assert crossed, "every send and resend landed on one worker: no second worker seen"
    shopper, wire_phone = crossed
    assert len(set(_served_by(log).values())) == 2

    code = sandbox.last_otp(wire_phone)
    before = len(sandbox.orders)
    form = {"csrf_token": shopper.token("/flora-baghdad/en/checkout/code"), "action": "verify", "code": code}
    placed = shopper.request("POST", "/flora-baghdad/en/checkout/code", data=form)
    assert placed.status_code == 303
    again = shopper.request("POST", "/flora-baghdad/en/checkout/code", data=form)  # resubmitted
    assert again.status_code == 303 and again.headers["location"] == placed.headers["location"]
    for _ in range(4):  # the confirmation is found whichever worker answers
        page = shopper.request("GET", placed.headers["location"])
        assert page.status_code == 200
    assert len(sandbox.orders) == before + 1
    assert sandbox.orders[-1]["response"]["publicId"] in page.text
    shopper.close()


def test_logs_never_carry_the_key_or_codes(gunicorn, sendy) -> None:
    _, log = gunicorn
    sandbox, _ = sendy
    text = log.read_text(encoding="utf-8", errors="replace")
    for key in sandbox.demo_api_keys().values():
        assert key not in text and key.split(".", 1)[1] not in text
    assert '"level": "info"' in text  # the log was written at all


# -- holding under attack, across two workers -------------------------------------------------
def _sends(sandbox: Sandbox) -> int:
    return sum(1 for m, p in sandbox.requests if m == "POST" and p.endswith("/orders/send-otp"))


def _order_calls(sandbox: Sandbox) -> int:
    return sum(1 for m, p in sandbox.requests if m == "POST" and p.endswith("/orders/storefront"))


def _ready(base: str, phone: str) -> tuple[Shopper, dict[str, str]]:
    """A shopper with a cart and a filled delivery form, about to press Continue."""
    shopper = Shopper(base)
    assert shopper.request("POST", "/flora-baghdad/en/cart/add", data={"sku": "FLR-ROSE-12"}).status_code == 303
    areas = shopper.request("GET", "/flora-baghdad/en/checkout/areas?province=BG").json()
    return shopper, {"csrf_token": shopper.token("/flora-baghdad/en/checkout"), "action": "continue",
                     "name": "Ali Hassan", "phone": phone, "province": "BG", "area": areas[0]["id"],
                     "address": "Karrada, near the mosque"}


def test_two_workers_send_one_code_to_a_burst_for_one_phone(gunicorn, sendy) -> None:
    base, _ = gunicorn
    sandbox, _ = sendy
    before = _sends(sandbox)
    ready = [_ready(base, "0770 555 0101") for _ in range(16)]

    responses = at_once([lambda s=s, f=f: s.request("POST", "/flora-baghdad/en/checkout", data=f) for s, f in ready])

    assert _sends(sandbox) - before == 1  # was 8 with two workers
    assert sorted(r.status_code for r in responses) == [303] + [429] * 15
    for shopper, _ in ready:
        shopper.close()


def test_two_workers_send_one_order_for_a_burst_of_submits(gunicorn, sendy) -> None:
    base, _ = gunicorn
    sandbox, _ = sendy
    shopper, form = _ready(base, "0770 555 0102")
    assert shopper.request("POST", "/flora-baghdad/en/checkout", data=form).status_code == 303
    code_form = {"csrf_token": shopper.token("/flora-baghdad/en/checkout/code"), "action": "verify",
                 "code": sandbox.last_otp("9647705550102")}
    cookies = dict(shopper.http.cookies)
    clicks = []
    for _ in range(8):  # one browser, eight clicks: each its own connection, any worker
        click = Shopper(base)
        click.http.cookies.update(cookies)
        clicks.append(click)
    before = _order_calls(sandbox)

    responses = at_once([lambda c=c: c.request("POST", "/flora-baghdad/en/checkout/code", data=code_form)
                        for c in clicks])

    assert _order_calls(sandbox) - before == 1  # sometimes 2 before
    locations = {r.headers.get("location") for r in responses if r.status_code == 303}
    assert len(locations) == 1 and "/orders/" in locations.pop()
    for click in (shopper, *clicks):
        click.close()


def test_a_flood_of_urls_writes_nothing_to_redis(gunicorn, redis_url) -> None:
    import redis

    base, _ = gunicorn
    r = redis.Redis.from_url(redis_url)
    with httpx.Client(base_url=base) as http:
        for path in ("/flora-baghdad/", "/flora-baghdad/en/faq", "/tigris-tech/"):
            assert http.get(path).status_code == 200
        keys = r.dbsize()
        statuses = {http.get(f"/flora-baghdad/?category=flood{i}").status_code for i in range(300)}
        statuses |= {http.get(f"/no-such-store-{i}/").status_code for i in range(100)}
    assert statuses == {404}
    assert r.dbsize() == keys  # was +20 KB per URL: pages and "not found" marks live in memory, bounded
    r.close()


def _scrape(base: str) -> str:
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    return response.text


def test_two_workers_hold_one_store_budget_and_count_it(gunicorn, sendy) -> None:
    """Tigris may send 5 codes an hour: 12 shoppers with their own numbers and addresses at once."""
    from test_budgets import PAUSED, sample

    base, log = gunicorn
    sandbox, _ = sendy
    assert httpx.get(f"{base}/metrics").status_code == 401
    before_sends, before = _sends(sandbox), _scrape(base)
    ready = []
    for n in range(12):
        shopper = Shopper(base)
        assert shopper.request("POST", "/tigris-tech/cart/add", data={"sku": "TGR-CHG-20W"}).status_code == 303
        areas = shopper.request("GET", "/tigris-tech/checkout/areas?province=BG").json()
        ready.append((shopper, {"csrf_token": shopper.token("/tigris-tech/checkout"), "action": "continue",
                                "name": "Ali Hassan", "phone": f"0780{300 + n:03d}1234", "province": "BG",
                                "area": areas[0]["id"], "address": "Mansour, near the mall"}))

    responses = at_once([lambda s=s, f=f: s.request("POST", "/tigris-tech/checkout", data=f) for s, f in ready])

    assert _sends(sandbox) - before_sends == 5
    assert sorted(r.status_code for r in responses) == [303] * 5 + [429] * 7
    assert all(PAUSED in r.text for r in responses if r.status_code == 429)
    served = _served_by(log)
    assert len({served.get(i) for s, _ in ready for i in s.ids} - {None}) == 2  # both workers answered
    after = _scrape(base)  # whichever worker answers, it adds up both

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("storefront_otp_sends_total", outcome="sent") == 5
    assert delta("storefront_otp_refusals_total", reason="store_hourly") == 7
    assert delta("storefront_http_requests_total", route="checkout.details", status="429") == 7
    assert delta("storefront_http_requests_total", route="checkout.details", status="303") == 5
    assert delta("storefront_sendy_requests_total", endpoint="send_otp", outcome="2xx") == 5
    text = log.read_text(encoding="utf-8", errors="replace")
    assert text.count('"event": "otp.budget_exhausted"') == 1
    for shopper, form in ready:
        assert "964" + form["phone"][1:] not in after
        shopper.close()


# -- templates compiled before the fork ----------------------------------------------------------
def test_gunicorns_master_compiles_every_template_before_it_forks(sandbox: Sandbox, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn.conf.py's when_ready (the master, app preloaded, before the first fork): a worker's
    first pages then compile nothing (a fresh worker's first store home took ~300 ms more before)."""
    import runpy
    from types import SimpleNamespace

    from helpers.app import make_app

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    app = make_app(sandbox)
    app.jinja_env.bytecode_cache = None  # no templates shared by earlier tests' apps: compiled for real
    compiled: list[str] = []
    compile_template = app.jinja_env.compile

    def counting(source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append(name or "")
        return compile_template(source, name, *args, **kwargs)  # type: ignore[arg-type]

    app.jinja_env.compile = counting  # type: ignore[method-assign]
    conf["when_ready"](SimpleNamespace(app=SimpleNamespace(callable=app)))
    assert {"base.html", "store/home.html", "store/product.html", "cart/cart.html"} <= set(compiled)
    compiled.clear()
    client = app.test_client()
    for path in ("/flora-baghdad/", "/flora-baghdad/en/", "/flora-baghdad/p/FLR-ROSE-12", "/flora-baghdad/faq",
                 "/flora-baghdad/cart", "/flora-baghdad/search?q=ورد", "/flora-baghdad/nothing-here"):
        assert client.get(path).status_code < 500
    assert compiled == []

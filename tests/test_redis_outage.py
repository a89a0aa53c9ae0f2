"""Redis dies, hangs and comes back: the shop stays open, and nothing that needs shared state is guessed.

A real redis-server on a loopback port is killed (SIGKILL, as a crash), paused (SIGSTOP, as a hung
host) and started again on the same port, while the storefront keeps running (no restart):

- catalog pages answer from what the process holds (its rendered pages, its indexed stores, and
  Sendy's answers kept in memory meanwhile);
- the pages that need shared state (sending a code, placing an order, the code page, the
  confirmation) answer the friendly 503 page with ``Retry-After``, keep what the shopper typed,
  and send Sendy nothing: no code without its limits, no order without its lock;
- ``/readyz`` says Redis is down; the first request after Redis is back uses it again;
- with the shipped ``deploy/redis.conf`` (append-only file) a code's cooldown survives a crash
  of Redis, and an order whose receipt could not be kept is found, not sent twice.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FLORA, PHONE, TIGRIS, make_app
from flask import Flask
from flask.testing import FlaskClient
from helpers.checkout import (
    DETAILS,
    ORDER_PATH,
    SEND_OTP_PATH,
    add_to_cart,
    cart_items,
    enter_code,
    fill_checkout,
    orders_by_ref,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.pages import assert_sane, input_value, text, tr
from helpers.servers import RedisProcess, at_once

from storefront.runtime import redis_guard
from storefront.sendy.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "redis.conf"
BASE = url(FLORA, "en")
BREAK = "The store is taking a short break"
SAVED = "We couldn't reach the store. Your cart and details are saved — please try again."
CATALOG = [f"{BASE}/", f"{BASE}/p/FLR-ROSE-12", f"{BASE}/faq", f"{BASE}/about", f"{url(FLORA)}/"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def redis() -> Iterator[RedisProcess]:
    """A redis-server without persistence (what an outage without the shipped settings looks like)."""
    server = RedisProcess("--save", "", "--appendonly", "no").start()
    yield server
    server.stop()


@pytest.fixture
def shared_app(sandbox: Sandbox, redis: RedisProcess) -> Iterator[Flask]:
    app = make_app(sandbox, REDIS_URL=redis.url)
    yield app
    app.extensions["sendy"].close()


def _token(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no form on {path}"
    return match.group(1)


def _ready(app: Flask) -> tuple[int, dict]:
    app.extensions.pop("readiness", None)  # (its answer is otherwise reused for 5 seconds)
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def _is_break(app: Flask, response) -> bool:
    """The friendly 503 page, with a Retry-After, and nothing a crash would show."""
    assert_sane(response)
    return (response.status_code == 503 and tr(app, "en", BREAK) in text(response)
            and int(response.headers["Retry-After"]) > 0)


def _within(seconds: float, action):
    """The action's result, failing if it takes longer than ``seconds`` (its thread is left to finish)."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(action()), daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    assert result, f"no answer within {seconds:.1f} s"
    return result[0]


def _is_break_or_form(app: Flask, response) -> bool:
    """503 with Retry-After: the friendly page, or the form as typed with the reason above it."""
    assert_sane(response)
    return response.status_code == 503 and int(response.headers["Retry-After"]) > 0 and (
        tr(app, "en", BREAK) in text(response) or tr(app, "en", SAVED) in text(response))


def _back(app: Flask) -> None:
    """Wait (bounded) until the app's breaker lets the next command try Redis again."""
    time.sleep(redis_guard.OPEN_SECONDS + 0.1)


def test_catalog_pages_answer_while_redis_is_down(shared_app, sandbox, redis):
    client = shared_app.test_client()
    for path in CATALOG:  # rendered once with Redis up
        assert client.get(path).status_code == 200

    redis.kill()

    for path in CATALOG:  # replayed, or rendered again from this process's copy of the store
        response = client.get(path)
        assert_sane(response, path)
        assert response.status_code == 200, path
    for path in (f"{BASE}/p/FLR-ROSE-RED1", f"{BASE}/?sort=price-asc", f"{url(TIGRIS)}/",
                 f"{url(TIGRIS)}/faq", f"{BASE}/cart"):  # never rendered before
        response = client.get(path)
        assert_sane(response, path)
        assert response.status_code == 200, path
    cold = make_app(sandbox, REDIS_URL=redis.url)  # a worker started while Redis is down
    try:
        for path in (*CATALOG, f"{url(TIGRIS)}/"):
            assert cold.test_client().get(path).status_code == 200, path
    finally:
        cold.extensions["sendy"].close()
    status, body = _ready(shared_app)
    assert status == 503 and body["checks"]["redis"] == "unavailable"

    redis.start()
    _back(shared_app)

    assert _ready(shared_app) == (200, {"status": "ready", "checks": {"sendy": "ok", "redis": "ok"}})
    assert client.get(f"{BASE}/").status_code == 200


def test_checkout_keeps_what_was_typed_and_sends_nothing_while_redis_is_down(shared_app, sandbox, redis):
    typing = shared_app.test_client()  # fills in the delivery form when Redis goes away
    add_to_cart(typing, BASE, "FLR-ROSE-12", "2")
    waiting = shared_app.test_client()  # got a code, about to enter it
    start_checkout(waiting, BASE, "FLR-ROSE-12")
    code = sandbox.last_otp(PHONE)
    code_token = _token(waiting, f"{BASE}/checkout/code")
    sends = sendy_calls(sandbox, SEND_OTP_PATH)

    redis.kill()

    typed = {"name": "Zainab Ali", "address": "Street 52, near the Karrada mosque", "notes": "Ring twice"}
    response = fill_checkout(typing, BASE, **typed, phone="0770 765 4321")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert_sane(response)
    page = response.get_data(as_text=True)
    for field, value in {**typed, "phone": "0770 765 4321"}.items():
        assert input_value(page, field) == value  # the form, as typed
    assert tr(shared_app, "en", SAVED) in text(response)
    assert cart_items(shared_app, typing, FLORA) == {"FLR-ROSE-12": 2}
    assert add_to_cart(typing, BASE, "FLR-ROSE-RED1").status_code == 303  # the cart lives in the cookie

    placing = waiting.post(f"{BASE}/checkout/code", data={"csrf_token": code_token, "action": "verify",
                                                          "code": code})
    resend = waiting.post(f"{BASE}/checkout/code", data={"csrf_token": code_token, "action": "resend"})
    for response in (placing, resend, waiting.get(f"{BASE}/checkout/code")):
        assert _is_break(shared_app, response)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == sends  # no code without its limits
    assert sendy_calls(sandbox, ORDER_PATH) == 0 and sandbox.orders == []  # no order without its lock

    redis.start()  # empty: this one keeps nothing (see the test with the shipped settings below)
    _back(shared_app)

    response = fill_checkout(typing, BASE, **typed, phone="0770 765 4321")
    assert response.status_code == 303  # the same press, now that Redis is back: a code is sent
    assert sendy_calls(sandbox, SEND_OTP_PATH) == sends + 1
    placed = enter_code(waiting, BASE, code)
    assert placed.status_code == 303 and "/orders/" in placed.headers["Location"]
    assert waiting.get(placed.headers["Location"]).status_code == 200
    assert len(sandbox.orders) == 1


def test_a_burst_of_code_requests_sends_none_without_redis(shared_app, sandbox, redis):
    shoppers = []
    for n in range(8):
        client = shared_app.test_client()
        add_to_cart(client, BASE, "FLR-ROSE-12")
        shoppers.append((client, _token(client, f"{BASE}/checkout"), f"0770 555 01{n:02d}"))
    redis.kill()

    responses = at_once([lambda c=c, t=t, p=p: c.post(f"{BASE}/checkout", data={
        "csrf_token": t, **DETAILS, "phone": p, "action": "continue"}) for c, t, p in shoppers])

    assert [r.status_code for r in responses] == [503] * 8
    for response in responses:
        assert_sane(response)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


def test_a_hung_redis_costs_a_page_about_one_timeout(shared_app, sandbox, redis):
    """SIGSTOP: Redis accepts connections and never answers. The breaker stops asking after the first
    failures, so pages answer within a bounded time, and the shop comes back on SIGCONT."""
    client = shared_app.test_client()
    add_to_cart(client, BASE, "FLR-ROSE-12")
    token = _token(client, f"{BASE}/checkout")
    assert client.get(f"{BASE}/").status_code == 200
    assert redis.proc is not None
    redis.proc.send_signal(signal.SIGSTOP)
    # a timeout per failure that opens the breaker, and time to render (one per Redis command would be ~8 s)
    limit = redis_guard.FAIL_MAX * redis_guard.TIMEOUT + 3
    try:
        started = time.monotonic()
        pages = _within(limit, lambda: [client.get(path) for path in (
            f"{BASE}/", f"{BASE}/p/FLR-ROSE-RED1", f"{url(TIGRIS)}/", f"{url(TIGRIS)}/faq", f"{BASE}/faq")])
        sent = _within(limit - (time.monotonic() - started), lambda: client.post(
            f"{BASE}/checkout", data={"csrf_token": token, **DETAILS, "action": "continue"}))
        assert [p.status_code for p in pages] == [200] * 5
        assert _is_break_or_form(shared_app, sent)
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    _back(shared_app)
    assert client.post(f"{BASE}/checkout", data={"csrf_token": token, **DETAILS,
                                                 "action": "continue"}).status_code == 303
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1


# -- the shipped settings: deploy/redis.conf ----------------------------------------------------
@pytest.fixture
def durable(tmp_path: Path) -> Iterator[RedisProcess]:
    """redis-server with deploy/redis.conf (its port and folder moved to this test's)."""
    server = RedisProcess(config=CONFIG, directory=tmp_path).start()
    yield server
    server.stop()


def test_the_shipped_settings_never_evict_and_keep_every_write(durable):
    import redis as redis_py

    r = redis_py.Redis.from_url(durable.url)
    try:
        settings = {k: v for name in ("maxmemory-policy", "appendonly", "appendfsync", "bind")
                    for k, v in r.config_get(name).items()}
    finally:
        r.close()
    assert settings["maxmemory-policy"] == "noeviction"
    assert settings["appendonly"] == "yes" and settings["appendfsync"] in ("everysec", "always")


def test_a_code_cooldown_survives_a_redis_crash(sandbox, durable):
    """The cooldown allows one code a minute: a crash of Redis (SIGKILL) does not reset it."""
    app = make_app(sandbox, REDIS_URL=durable.url)
    try:
        client = app.test_client()
        start_checkout(client, BASE, "FLR-ROSE-12")
        started = time.monotonic()

        durable.kill()  # at once after the write: it is in the append-only file before Redis answers
        durable.start()  # (no wait: the pooled connections are broken, the first command reconnects)
        response = fill_checkout(client, BASE, action="continue", phone="0770 123 4567")
        other = app.test_client()  # another browser, the same phone
        add_to_cart(other, BASE, "FLR-ROSE-12")
        second = fill_checkout(other, BASE)

        assert time.monotonic() - started < 10
        assert sendy_calls(sandbox, SEND_OTP_PATH) == 1  # one code within 10 s (was 2 without the settings)
        assert second.status_code == 429
        assert "Please wait before asking for another code" in text(second)
        assert response.status_code == 303  # this browser's live code: no new one asked for
    finally:
        app.extensions["sendy"].close()


def test_an_order_whose_receipt_redis_lost_is_found_not_sent_twice(durable, monkeypatch):
    """Redis dies while Sendy makes the order (a Sendy that does not de-duplicate): the answer can't be
    kept, the shopper gets the 503 page; pressing again once Redis is back finds the order."""
    from storefront.services.checkout import placing

    monkeypatch.setattr(placing, "PLACING_TTL", 2)  # the order lock Redis could not release: 2 s, not 45
    sandbox = Sandbox(dedupe=False)
    app = make_app(sandbox, REDIS_URL=durable.url)
    try:
        client = app.test_client()
        start_checkout(client, BASE, "FLR-ROSE-12")
        code = sandbox.last_otp(PHONE)
        token = _token(client, f"{BASE}/checkout/code")
        sandbox.faults.add("order", "latency", times=1, seconds=0.6)
        killer = threading.Timer(0.3, durable.kill)  # while Sendy is making the order
        killer.start()

        response = client.post(f"{BASE}/checkout/code", data={"csrf_token": token, "action": "verify",
                                                             "code": code})
        killer.join()

        assert _is_break(app, response)
        assert len(sandbox.orders) == 1  # Sendy made it; we could not record it
        durable.start()
        _back(app)
        response = client.post(f"{BASE}/checkout/code", data={"csrf_token": token, "action": "verify",
                                                             "code": code})
        assert response.status_code == 303, text(response)
        assert response.headers["Location"] == f"{BASE}/orders/{sandbox.orders[0]['response']['publicId']}"
        assert [len(v) for v in orders_by_ref(sandbox).values()] == [1]
        assert sendy_calls(sandbox, ORDER_PATH) == 1
        assert client.get(response.headers["Location"]).status_code == 200
    finally:
        app.extensions["sendy"].close()


# -- the production shape: two gunicorn workers, Redis killed under them ------------------------
def test_two_gunicorn_workers_keep_the_shop_open_without_redis(redis, tmp_path):
    """gunicorn -c gunicorn.conf.py (two workers) on a Redis that is killed and started again."""
    import json
    import os
    import subprocess
    import sys

    from helpers.servers import free_port, serve_wsgi, stop
    from test_production import SECRET, Shopper, _wait

    sandbox = Sandbox()
    server, sendy_url = serve_wsgi(sandbox.wsgi_app, "sendy-sandbox")
    port = free_port()
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "SENDY_BASE_URL": sendy_url,
           "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()), "SECRET_KEY": SECRET, "REDIS_URL": redis.url,
           "STOREFRONT_ENV": "development", "PLATFORM_HOST": f"127.0.0.1:{port}",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    pages = ["/flora-baghdad/en/", "/flora-baghdad/en/p/FLR-ROSE-12", "/tigris-tech/", "/flora-baghdad/en/faq"]
    try:
        _wait(f"{base}/healthz")
        shopper = Shopper(base)  # a new connection per request: either worker answers
        for path in pages * 2:
            assert shopper.request("GET", path).status_code == 200
        assert shopper.request("POST", "/flora-baghdad/en/cart/add", data={"sku": "FLR-ROSE-12"}).status_code == 303
        token = shopper.token("/flora-baghdad/en/checkout")
        form = {"csrf_token": token, **DETAILS, "action": "continue"}

        redis.kill()

        statuses = [shopper.request("GET", path).status_code for path in pages * 5]
        sent = shopper.request("POST", "/flora-baghdad/en/checkout", data=form)
        ready = shopper.request("GET", "/readyz")
        assert statuses == [200] * len(statuses)
        assert sent.status_code == 503 and int(sent.headers["Retry-After"]) > 0
        assert input_value(sent.text, "name") == DETAILS["name"]  # the form, as typed
        assert_sane(sent)
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "unavailable"
        assert sendy_calls(sandbox, SEND_OTP_PATH) == 0

        redis.start()
        time.sleep(redis_guard.OPEN_SECONDS + 0.2)
        again = shopper.request("POST", "/flora-baghdad/en/checkout", data=form)
        assert again.status_code == 303
        assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
        shopper.close()
    finally:
        proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        proc.wait(20)
        stop(server)

"""Sendy's webhooks (issue 20): signed, recorded once, acted on once; the CDN purged, never in the way.

What a shopper sees is the proof: a price changed at Sendy shows on the next page view after the
webhook; what Sendy receives is counted in the sandbox's request log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import FLORA, HONEY, make_app
from flask import Flask, Request, Response
from helpers.servers import at_once, free_port, redis_server, serve_wsgi, stop

from storefront.config import ConfigError, load_settings
from storefront.extensions import cache
from storefront.sendy.sandbox import Sandbox, serve_in_thread
from storefront.services import cdn, orders, webhooks

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + "a" * 40
OLD_SECRET = "whsec_" + "b" * 40
PATH = f"/-/webhooks/sendy/{FLORA}"
ROSE = "FLR-ROSE-12"
ROSE_URL = f"/{FLORA}/en/p/{ROSE}"


def event(kind: str = "catalog.product.updated", event_id: str | None = None, **data: Any) -> dict[str, Any]:
    return {"event_id": event_id or "evt_" + uuid.uuid4().hex, "type": kind, "createdAt": "2026-12-07T10:00:00Z",
            "storeSlug": FLORA, "data": data or {"sku": ROSE, "productId": "x"}}


def signed(payload: dict[str, Any] | bytes, secret: str = SECRET, *, prefix: str = "sha256=",
           event_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    eid = event_id or (json.loads(body).get("event_id") if not isinstance(payload, bytes) else None) or "evt_x"
    signature = prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Sendy-Signature": signature, "X-Sendy-Event-Id": eid, "Content-Type": "application/json"}


def store_reads(sandbox: Sandbox, slug: str = FLORA) -> int:
    return sum(1 for m, p in sandbox.requests if m == "GET" and p == f"/api/v1/public/storefronts/{slug}")


def change_price(sandbox: Sandbox, price: int, sku: str = ROSE) -> None:
    """The merchant changes the price at Sendy (no subscription here: the test delivers by hand)."""
    with sandbox.state.lock:
        for product in sandbox.state.stores[FLORA].storefront["products"]:
            if product["sku"] == sku:
                product["price"] = price


def deliver(client: Any, body: bytes, headers: dict[str, str], path: str = PATH, **kwargs: Any) -> Any:
    """POST a delivery and close the answer, as every server does (the work runs when it closes)."""
    response = client.post(path, data=body, headers=headers, **kwargs)
    response.close()
    return response


def price_shown(client: Any, price: int) -> bool:
    return f"{price:,}" in client.get(ROSE_URL).get_data(as_text=True)


@pytest.fixture
def app(sandbox: Sandbox) -> Iterator[Flask]:
    app = make_app(sandbox, SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: SECRET}), SANDBOX_WEBHOOKS=False,
                   WEBHOOK_SLEEP=lambda seconds: None)
    yield app
    app.extensions["sendy"].close()


# -- the signature ------------------------------------------------------------------------------
def _refusals(payload: dict[str, Any]) -> dict[str, tuple[bytes, dict[str, str]]]:
    body, headers = signed(payload)
    wrong_secret = signed(payload, "whsec_" + "z" * 40)
    one_byte = body.replace(b'"type"', b'"typf"', 1)
    reserialised = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    return {
        "missing": (body, {k: v for k, v in headers.items() if k != "X-Sendy-Signature"}),
        "empty": (body, {**headers, "X-Sendy-Signature": ""}),
        "not hex": (body, {**headers, "X-Sendy-Signature": "sha256=" + "g" * 64}),
        "wrong": (body, {**headers, "X-Sendy-Signature": "sha256=" + "0" * 64}),
        "wrong secret": wrong_secret,
        "body changed by one byte": (one_byte, headers),
        "JSON re-serialised": (reserialised, headers),
        "another store's secret scheme (sha1)": (body, {**headers, "X-Sendy-Signature": "sha1=" + hmac.new(
            SECRET.encode(), body, hashlib.sha1).hexdigest()}),
    }


def test_a_bad_signature_is_a_401_and_changes_nothing(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    assert price_shown(client, 35_000)
    change_price(sandbox, 29_000)
    payload = event()
    reads = store_reads(sandbox)
    for name, (body, headers) in _refusals(payload).items():
        response = deliver(client, body, headers)
        assert response.status_code == 401, name
        assert SECRET not in response.get_data(as_text=True)
    assert store_reads(sandbox) == reads  # Sendy was not asked
    assert price_shown(client, 35_000)  # the page was not forgotten
    body, headers = signed(payload)  # the same event, signed right: not recorded by the refusals
    response = deliver(client, body, headers)
    assert response.status_code == 200 and response.get_json() == {"status": "recorded", "handled": True}
    assert price_shown(client, 29_000)


def test_bare_hex_and_prefixed_signatures_are_accepted(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    for prefix in ("", "sha256="):
        body, headers = signed(event(), prefix=prefix)
        assert deliver(client, body, headers).status_code == 200


def test_no_secret_means_no_endpoint(app: Flask) -> None:
    client = app.test_client()
    body, headers = signed({**event(), "storeSlug": HONEY})
    assert client.post(f"/-/webhooks/sendy/{HONEY}", data=body, headers=headers).status_code == 404
    assert client.post("/-/webhooks/sendy/NOT_A_SLUG", data=body, headers=headers).status_code == 404
    assert client.get(PATH).status_code == 405


def test_rotation_accepts_both_secrets_and_nothing_else(sandbox: Sandbox) -> None:
    app = make_app(sandbox, SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: [SECRET, OLD_SECRET]}), SANDBOX_WEBHOOKS=False)
    client = app.test_client()
    for secret in (SECRET, OLD_SECRET):
        body, headers = signed(event(), secret)
        assert deliver(client, body, headers).status_code == 200
    body, headers = signed(event(), "whsec_" + "c" * 40)
    assert deliver(client, body, headers).status_code == 401
    app.extensions["sendy"].close()


def test_the_secrets_file_is_read_again_when_it_changes(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({FLORA: OLD_SECRET}))
    app = make_app(sandbox, SENDY_WEBHOOK_SECRETS_FILE=str(path), SANDBOX_WEBHOOKS=False)
    client = app.test_client()
    body, headers = signed(event(), OLD_SECRET)
    assert deliver(client, body, headers).status_code == 200
    path.write_text(json.dumps({FLORA: [SECRET]}) + " ")  # rotated, finished: the old one is gone
    body, headers = signed(event(), OLD_SECRET)
    assert deliver(client, body, headers).status_code == 401
    body, headers = signed(event(), SECRET)
    assert deliver(client, body, headers).status_code == 200
    path.write_text("{not json")  # a broken edit keeps the secrets read last
    body, headers = signed(event(), SECRET)
    assert deliver(client, body, headers).status_code == 200
    app.extensions["sendy"].close()


@pytest.mark.parametrize("value", ['{"flora-baghdad": "short"}', '{"Flora": "' + "x" * 20 + '"}',
                                   '{"flora-baghdad": ["a' + "x" * 20 + '", "b' + "x" * 20 + '", "c' + "x" * 20
                                   + '"]}', '{"flora-baghdad": 5}', "[1]", "{oops"])
def test_bad_secrets_stop_start_up_without_echoing_them(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"SENDY_WEBHOOK_SECRETS": value})
    assert "xxxxxxxxxxxxxxxxxx" not in str(error.value) and "short" not in str(error.value)


@pytest.mark.parametrize("value", ["varnish+http://127.0.0.1:6081", "fastly:SU1Z0isxPaozGVKXdv0eY",
                                   "cloudflare:" + "0" * 32])
def test_cdn_purge_settings(value: str) -> None:
    token = {} if value.startswith("varnish") else {"CDN_PURGE_TOKEN": "t0ken"}
    assert load_settings({"CDN_PURGE": value, **token}).cdn_purge == value
    if token:
        with pytest.raises(ConfigError, match="CDN_PURGE_TOKEN"):
            load_settings({"CDN_PURGE": value})
    with pytest.raises(ConfigError, match="CDN_PURGE"):
        load_settings({"CDN_PURGE": "akamai:x"})


# -- once, and only a hint ----------------------------------------------------------------------
def test_a_repeated_event_does_nothing_twice(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    assert price_shown(client, 35_000)
    change_price(sandbox, 31_000)
    body, headers = signed(event())
    reads = store_reads(sandbox)
    first = deliver(client, body, headers)
    assert first.get_json()["status"] == "recorded" and store_reads(sandbox) == reads + 1
    assert price_shown(client, 31_000)
    change_price(sandbox, 32_000)  # changed again, but Sendy replays the old delivery: nothing to do
    for _ in range(3):
        again = deliver(client, body, headers)
        assert again.status_code == 200 and again.get_json() == {"status": "repeated", "handled": False}
    assert store_reads(sandbox) == reads + 1
    assert price_shown(client, 31_000)
    # the id alone decides: the same id in the header with another body is a repeat too
    other, other_headers = signed(event(), event_id=headers["X-Sendy-Event-Id"])
    assert deliver(client, other, other_headers).get_json()["status"] == "repeated"


def test_the_event_id_comes_from_the_body_without_the_header(app: Flask) -> None:
    client = app.test_client()
    body, headers = signed(event())
    del headers["X-Sendy-Event-Id"]
    assert deliver(client, body, headers).get_json()["status"] == "recorded"
    assert deliver(client, body, headers).get_json()["status"] == "repeated"
    body, headers = signed({"type": "catalog.product.updated"})  # no id anywhere: can't be recorded
    del headers["X-Sendy-Event-Id"]
    assert deliver(client, body, headers).status_code == 400
    body, headers = signed(b"[1, 2]", event_id="evt_list")
    assert deliver(client, body, headers).status_code == 400


def test_an_unknown_type_is_accepted_and_ignored(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    client.get(ROSE_URL)
    reads = store_reads(sandbox)
    body, headers = signed(event("customer.created", id="c1"))
    response = deliver(client, body, headers)
    assert response.status_code == 200 and response.get_json() == {"status": "recorded", "handled": False}
    assert store_reads(sandbox) == reads


def test_the_body_is_a_hint_never_data(app: Flask, sandbox: Sandbox) -> None:
    """An event saying the price is 1 IQD: the page shows what Sendy says."""
    client = app.test_client()
    client.get(ROSE_URL)
    change_price(sandbox, 33_000)
    body, headers = signed(event("catalog.product.updated", sku=ROSE, price=1, quantityOnHand=0, inStock=False))
    assert deliver(client, body, headers).status_code == 200
    page = client.get(ROSE_URL).get_data(as_text=True)
    assert "33,000" in page and "IQD 1<" not in page


@pytest.mark.parametrize("kind", sorted(webhooks.STORE_EVENTS))
def test_every_store_event_re_reads_the_store(app: Flask, sandbox: Sandbox, kind: str) -> None:
    client = app.test_client()
    client.get(ROSE_URL)
    reads = store_reads(sandbox)
    body, headers = signed(event(kind))
    assert deliver(client, body, headers).status_code == 200
    assert store_reads(sandbox) == reads + 1


def test_unpublished_store_is_gone_at_once(app: Flask, sandbox: Sandbox) -> None:
    client = app.test_client()
    assert client.get(f"/{FLORA}/en/").status_code == 200
    with sandbox.state.lock:
        sandbox.state.stores[FLORA].published = False
    body, headers = signed(event("storefront.unpublished", slug=FLORA, isPublished=False))
    assert deliver(client, body, headers).status_code == 200
    assert client.get(f"/{FLORA}/en/").status_code == 404
    with sandbox.state.lock:
        sandbox.state.stores[FLORA].published = True
    body, headers = signed(event("storefront.published", slug=FLORA, isPublished=True))
    assert deliver(client, body, headers).status_code == 200
    assert client.get(f"/{FLORA}/en/").status_code == 200


def test_an_order_status_change_forgets_that_order_read(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        cache.set(orders.live_key(FLORA, "ord-1"), "old", timeout=30)
        cache.set(orders.live_key(FLORA, "ord-2"), "other", timeout=30)
    body, headers = signed(event("order.status_changed", id="ord-1", publicId="SF-1", status="shipped"))
    assert deliver(client, body, headers).status_code == 200
    with app.app_context():
        assert cache.get(orders.live_key(FLORA, "ord-1")) is None
        assert cache.get(orders.live_key(FLORA, "ord-2")) == "other"


def test_a_burst_of_events_is_coalesced_and_the_last_change_wins(app: Flask, sandbox: Sandbox) -> None:
    """A bulk edit: six events at once while Sendy is slow; a few re-reads, not six, and the last price shown."""
    assert price_shown(app.test_client(), 35_000)
    change_price(sandbox, 22_000)
    sandbox.faults.add("storefront", "latency", seconds=0.3)
    reads = store_reads(sandbox)
    deliveries = [signed(event()) for _ in range(6)]
    answers = at_once([lambda d=d: deliver(app.test_client(), *d) for d in deliveries])
    assert all(a.status_code == 200 and a.get_json()["status"] == "recorded" for a in answers)
    sandbox.faults.clear()
    assert 1 <= store_reads(sandbox) - reads <= 3
    assert price_shown(app.test_client(), 22_000)


def test_an_event_that_cannot_be_recorded_is_not_a_2xx(app: Flask, sandbox: Sandbox,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    client.get(ROSE_URL)
    state = app.extensions["state"]

    def down(*args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("redis down")

    monkeypatch.setattr(state, "add", down)
    reads = store_reads(sandbox)
    body, headers = signed(event())
    response = deliver(client, body, headers)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert store_reads(sandbox) == reads
    monkeypatch.undo()
    assert deliver(client, body, headers).get_json()["status"] == "recorded"  # Sendy's retry


def test_the_body_is_capped_and_csrf_does_not_apply(app: Flask) -> None:
    client = app.test_client()
    big = json.dumps({**event(), "data": {"pad": "x" * webhooks.MAX_BODY}}).encode()
    body, headers = signed(big, event_id="evt_big")
    assert deliver(client, body, headers).status_code == 413
    body, headers = signed(event())  # CSRF is on in these apps: the signature is the proof here
    assert deliver(client, body, headers).status_code == 200


def test_the_path_stays_the_platforms_on_a_custom_domain(sandbox: Sandbox) -> None:
    app = make_app(sandbox, SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: SECRET}), SANDBOX_WEBHOOKS=False,
                   STORE_DOMAINS=json.dumps({"flora.example": FLORA}))
    client = app.test_client()
    body, headers = signed(event())
    response = deliver(client, body, headers, base_url="http://flora.example")
    assert response.status_code == 200 and response.get_json()["status"] == "recorded"
    app.extensions["sendy"].close()


# -- surrogate keys -------------------------------------------------------------------------------
def test_catalog_pages_carry_surrogate_keys_and_a_long_shared_lifetime_with_a_cdn(sandbox: Sandbox) -> None:
    plain = make_app(sandbox).test_client().get(ROSE_URL)
    assert "s-maxage" not in plain.headers["Cache-Control"]  # no CDN to purge: nobody keeps it long
    unannounced = make_app(sandbox, CDN_PURGE="varnish+http://127.0.0.1:9", SANDBOX_WEBHOOKS=False)
    assert "s-maxage" not in unannounced.test_client().get(ROSE_URL).headers["Cache-Control"]  # no webhook: short
    unannounced.extensions["sendy"].close()
    app = make_app(sandbox, CDN_PURGE="varnish+http://127.0.0.1:9", SANDBOX_WEBHOOKS=False,
                   SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: SECRET}))
    client = app.test_client()
    page = client.get(ROSE_URL)
    control = page.headers["Cache-Control"]
    assert control.startswith("public") and "max-age=60" in control and "s-maxage=86400" in control
    assert "stale-if-error=86400" in control
    keys = page.headers["xkey"].split()
    assert keys[0] == f"store:{FLORA}" and f"product:{FLORA}:{ROSE}" in keys and len(keys) >= 2
    assert page.headers["Surrogate-Key"] == page.headers["xkey"]
    assert page.headers["Cache-Tag"] == ",".join(keys)
    home = client.get(f"/{FLORA}/en/")
    assert len(home.headers["xkey"].split()) > 5  # the store and each product on the page
    for private in (f"/{FLORA}/en/cart", f"/{FLORA}/en/checkout"):
        response = client.get(private)
        assert "xkey" not in response.headers and response.headers["Cache-Control"] == "private, no-store"
    gone = client.get(f"/{FLORA}/en/p/NO-SUCH-SKU")
    assert gone.status_code == 404 and gone.headers["Cache-Control"] == "public, max-age=60"
    assert gone.headers["xkey"] == f"store:{FLORA}"
    close_app(app)


def test_the_negotiated_index_varies_and_is_never_shared(app: Flask) -> None:
    client = app.test_client()
    arabic = client.get("/", headers={"Accept-Language": "ar"})
    english = client.get("/", headers={"Accept-Language": "en"})
    assert 'lang="ar-IQ"' in arabic.get_data(as_text=True) and 'lang="en' in english.get_data(as_text=True)
    for response in (arabic, english):
        assert {"Accept-Language", "Cookie"} <= set(response.vary)
        assert response.headers["Cache-Control"].startswith("private")
    store = client.get(f"/{FLORA}/en/", headers={"Accept-Language": "ar"})
    assert "Accept-Language" not in store.vary and store.headers["Cache-Control"].startswith("public")


def test_keys_are_bare_tokens() -> None:
    assert cdn.product_key("s", "A B,C") .startswith("product:s:#")
    assert " " not in cdn.product_key("s", "A B,C") and "," not in cdn.product_key("s", "A B,C")
    assert cdn.keys_for("s", ["X", "X", "Y"]) == ["store:s", "product:s:X", "product:s:Y"]


# -- purges against fakes of the CDNs' APIs -------------------------------------------------------
class FakeCdn:
    """Records purge requests on loopback; fails the first ``failures`` of them with a 503."""

    def __init__(self, failures: int = 0, answer: dict[str, Any] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures = failures
        self.answer = answer or {"success": True, "result": {"id": "purge-1"}}
        self.server, self.url = serve_wsgi(self.wsgi, "fake-cdn")

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                              "body": request.get_data(as_text=True)})
        if len(self.requests) <= self.failures:
            return Response("busy", 503)(environ, start_response)
        return Response(json.dumps(self.answer), 200, mimetype="application/json")(environ, start_response)

    def close(self) -> None:
        stop(self.server)


@pytest.fixture
def fake_cdn() -> Iterator[FakeCdn]:
    fake = FakeCdn()
    yield fake
    fake.close()


@pytest.fixture
def purgers() -> Iterator[list[cdn.Purger]]:
    """Adapters built by a test, closed after it."""
    built: list[cdn.Purger] = []
    yield built
    for purger in built:
        purger.close()


def build(purgers: list[cdn.Purger], *args: Any, **kwargs: Any) -> cdn.Purger:
    purgers.append(cdn.build(*args, **kwargs))
    return purgers[-1]


def close_app(app: Flask) -> None:
    app.extensions["sendy"].close()
    app.extensions["cdn"].close()


def test_varnish_purges_by_xkey(fake_cdn: FakeCdn, purgers: list[cdn.Purger]) -> None:
    assert cdn.purge(["store:a", "product:a:X"], build(purgers, f"varnish+{fake_cdn.url}"), sleep=lambda s: None)
    (sent,) = fake_cdn.requests
    assert sent["method"] == "PURGE" and sent["headers"]["Xkey-Purge"] == "store:a product:a:X"


def test_fastly_purges_by_surrogate_key_in_batches(fake_cdn: FakeCdn, purgers: list[cdn.Purger]) -> None:
    purger = build(purgers, "fastly:SVC123", "fastly-token", base_url=fake_cdn.url)
    keys = [f"product:a:{i}" for i in range(300)]
    assert cdn.purge(keys, purger, sleep=lambda s: None)
    assert [r["path"] for r in fake_cdn.requests] == ["/service/SVC123/purge"] * 2  # 256 a request
    first = fake_cdn.requests[0]["headers"]
    assert first["Fastly-Key"] == "fastly-token" and len(first["Surrogate-Key"].split()) == 256


def test_cloudflare_purges_by_cache_tag_in_batches(fake_cdn: FakeCdn, purgers: list[cdn.Purger]) -> None:
    zone = "0123456789abcdef0123456789abcdef"
    purger = build(purgers, f"cloudflare:{zone}", "cf-token", base_url=fake_cdn.url)
    keys = [f"product:a:{i}" for i in range(31)]
    assert cdn.purge(keys, purger, sleep=lambda s: None)
    assert [r["path"] for r in fake_cdn.requests] == [f"/client/v4/zones/{zone}/purge_cache"] * 2
    assert fake_cdn.requests[0]["headers"]["Authorization"] == "Bearer cf-token"
    assert json.loads(fake_cdn.requests[0]["body"]) == {"tags": keys[:30]}


def test_cloudflare_without_success_is_a_failed_purge(purgers: list[cdn.Purger]) -> None:
    fake = FakeCdn(answer={"success": False, "errors": [{"code": 1}]})
    try:
        purger = build(purgers, "cloudflare:" + "0" * 32, "t", base_url=fake.url)
        assert not cdn.purge(["store:a"], purger, sleep=lambda s: None)
        assert len(fake.requests) == cdn.ATTEMPTS
    finally:
        fake.close()


def _cdn_app(sandbox: Sandbox, fake: FakeCdn, pauses: list[float]) -> Flask:
    return make_app(sandbox, SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: SECRET}), SANDBOX_WEBHOOKS=False,
                    CDN_PURGE="fastly:SVC1", CDN_PURGE_TOKEN="tok", CDN_PURGE_API=fake.url,
                    WEBHOOK_SLEEP=pauses.append)


def test_a_failed_purge_is_retried_and_never_fails_the_webhook(sandbox: Sandbox) -> None:
    fake, pauses = FakeCdn(failures=2), []
    app = _cdn_app(sandbox, fake, pauses)
    try:
        client = app.test_client()
        client.get(ROSE_URL)
        change_price(sandbox, 30_000)
        body, headers = signed(event())
        response = deliver(client, body, headers)
        assert response.status_code == 200
        # two failures, the third attempt purged; then once more after every worker saw the change
        assert len(fake.requests) == 4
        assert all(r["headers"]["Surrogate-Key"] == f"store:{FLORA}" for r in fake.requests)
        assert pauses[:2] == list(cdn.BACKOFF) and len(pauses) == 3
        assert price_shown(client, 30_000)
    finally:
        fake.close()
        close_app(app)


def test_a_cdn_that_never_answers_is_given_up_on_boundedly(sandbox: Sandbox) -> None:
    fake, pauses = FakeCdn(failures=1_000), []
    app = _cdn_app(sandbox, fake, pauses)
    try:
        client = app.test_client()
        client.get(ROSE_URL)
        change_price(sandbox, 28_000)
        body, headers = signed(event())
        assert deliver(client, body, headers).status_code == 200
        assert len(fake.requests) == 2 * cdn.ATTEMPTS  # bounded: each of the two purges gave up
        assert price_shown(client, 28_000)  # the app itself is fresh all the same
    finally:
        fake.close()
        close_app(app)


def test_purge_errors_never_carry_the_token(caplog: pytest.LogCaptureFixture, purgers: list[cdn.Purger]) -> None:
    purger = build(purgers, "fastly:S1", "very-secret-token", base_url=f"http://127.0.0.1:{free_port()}")
    assert not cdn.purge(["store:a"], purger, sleep=lambda s: None)
    assert "very-secret-token" not in caplog.text and "failed" in caplog.text


# -- the sandbox sends them; the CLI registers them -----------------------------------------------
def test_the_demo_sandbox_announces_a_price_change(sandbox: Sandbox) -> None:
    app = make_app(sandbox, SANDBOX_WEBHOOKS=True)
    client = app.test_client()
    assert price_shown(client, 35_000)
    assert sandbox.set_price(FLORA, ROSE, 27_500)
    assert price_shown(client, 27_500)
    assert sandbox.set_stock(FLORA, ROSE, 0)
    assert "Out of stock" in client.get(ROSE_URL).get_data(as_text=True)
    deliveries = [d for s in sandbox.webhooks.subscriptions.values() for d in s.deliveries]
    assert [(kind, status) for _, kind, status, _ in deliveries] == [
        ("catalog.product.updated", 200), ("inventory.updated", 200)]
    assert not sandbox.set_price(FLORA, "NO-SUCH", 1)
    app.extensions["sendy"].close()


def test_set_price_cli_reaches_the_sandbox_of_a_running_demo(sandbox: Sandbox) -> None:
    app = make_app(sandbox, SANDBOX_WEBHOOKS=True)
    server, url = serve_wsgi(app, "demo")
    try:
        assert "35,000" in httpx.get(url + ROSE_URL).text
        runner = app.test_cli_runner()
        result = runner.invoke(args=["sandbox", "set-price", FLORA, ROSE, "26000", "--url", url])
        assert result.exit_code == 0, result.output
        assert "26,000" in httpx.get(url + ROSE_URL).text
        result = runner.invoke(args=["sandbox", "set-stock", FLORA, "NOPE", "3", "--url", url])
        assert result.exit_code != 0 and "404" in result.output
    finally:
        stop(server)
        app.extensions["sendy"].close()


def test_register_keeps_the_secrets_in_a_private_file(sandbox: Sandbox, tmp_path: Path) -> None:
    app = make_app(sandbox, SANDBOX_WEBHOOKS=False)
    out = tmp_path / "hooks.json"
    result = app.test_cli_runner().invoke(args=["webhooks", "register", "https://shops.example.com", "--out",
                                                str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and str(out) in result.output
    kept = json.loads(out.read_text())
    subs = {s.slug: s for s in sandbox.webhooks.subscriptions.values()}
    assert set(kept) == set(sandbox.demo_api_keys()) == set(subs)
    assert all(kept[slug] == subs[slug].secret for slug in kept)
    assert subs[FLORA].url == f"https://shops.example.com/-/webhooks/sendy/{FLORA}"
    assert all(secret not in result.output for secret in kept.values())
    again = app.test_cli_runner().invoke(args=["webhooks", "register", "https://shops.example.com", "--out",
                                               str(out)])
    assert again.exit_code == 0
    rotated = json.loads(out.read_text())[FLORA]
    assert isinstance(rotated, list) and rotated[1] == kept[FLORA]  # the old secret kept beside the new one
    load_settings({"SENDY_WEBHOOK_SECRETS_FILE": str(out)})  # a file the app accepts
    app.extensions["sendy"].close()


def test_the_sandbox_register_endpoint_checks_key_and_url(sandbox: Sandbox) -> None:
    server, url = serve_in_thread(sandbox)
    try:
        key = sandbox.demo_api_keys()[FLORA]
        hooks = f"{url}/api/v1/store/integrations/webhooks"
        assert httpx.post(hooks, json={"url": "https://a.example/x"}).status_code == 401
        assert httpx.post(hooks, json={"url": "ftp://a"}, headers={"X-API-Key": key}).status_code == 400
        made = httpx.post(hooks, json={"url": "https://a.example/x"}, headers={"X-API-Key": key})
        assert made.status_code == 201
        sub = made.json()["data"]
        rotated = httpx.post(f"{hooks}/{sub['id']}/rotate-secret", headers={"X-API-Key": key}).json()["data"]
        assert rotated["id"] == sub["id"] and rotated["secret"] != sub["secret"]
        other = sandbox.demo_api_keys()["tigris-tech"]
        assert httpx.post(f"{hooks}/{sub['id']}/rotate-secret", headers={"X-API-Key": other}).status_code == 404
    finally:
        stop(server)


# -- two gunicorn workers on one real Redis -------------------------------------------------------
@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Sandbox, Path]]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (make test installs it)")
    sandbox = Sandbox()
    server, sendy_url = serve_in_thread(sandbox)
    port = free_port()
    log = tmp_path_factory.mktemp("webhooks") / "gunicorn.log"
    with redis_server() as redis_url, log.open("wb") as stderr:
        env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "SENDY_BASE_URL": sendy_url,
               "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()), "SECRET_KEY": "w" * 40,
               "REDIS_URL": redis_url, "STOREFRONT_ENV": "development", "LOG_FORMAT": "json",
               "PLATFORM_HOST": f"127.0.0.1:{port}", "SENDY_WEBHOOK_SECRETS": json.dumps({FLORA: SECRET})}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield base, sandbox, log
        finally:
            proc.terminate()
            proc.wait(20)
            stop(server)


def _pids(log: Path) -> set[int]:
    return {json.loads(line)["pid"] for line in log.read_text(errors="replace").splitlines()
            if line.startswith("{") and '"storefront.access"' in line}


@pytest.mark.slow
def test_an_event_re_reads_sendy_once_however_many_workers(production: tuple[str, Sandbox, Path]) -> None:
    base, sandbox, log = production

    def fresh_get(path: str) -> httpx.Response:
        return httpx.get(base + path, headers={"Connection": "close"})

    for _ in range(6):  # both workers have the page cached, the price the old one
        assert "35,000" in fresh_get(ROSE_URL).text
    change_price(sandbox, 24_000)
    reads = store_reads(sandbox)
    body, headers = signed(event())
    answers = at_once([lambda: httpx.post(base + PATH, content=body, headers={**headers, "Connection": "close"})
                       for _ in range(8)])
    assert all(a.status_code == 200 for a in answers)
    assert sorted(a.json()["status"] for a in answers) == ["recorded"] + ["repeated"] * 7
    deadline = time.monotonic() + 5
    while store_reads(sandbox) == reads and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.2)  # past every worker's generation re-read
    pages = [fresh_get(ROSE_URL).text for _ in range(10)]
    assert all("24,000" in page and "35,000" not in page for page in pages)
    assert store_reads(sandbox) == reads + 1  # one re-read for eight deliveries and ten page views
    assert len(_pids(log)) == 2  # both workers answered

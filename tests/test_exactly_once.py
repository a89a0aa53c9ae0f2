"""Exactly once, whatever Sendy does: the storefront never relies on Sendy replaying an ``externalRef``.

Sendy documents no de-duplication (contract §4b), so these tests run the sandbox with its replay
turned off (``Sandbox(dedupe=False)``): a second order request under the same reference makes a
second order there. After an order request whose answer was lost or failed, the storefront asks
Sendy for the orders under that reference first: the order found is adopted (receipt,
confirmation), the order is sent again only when Sendy says there is none, and never when Sendy
cannot tell (a key without ``orders:read``, or the search failing).
"""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest
from conftest import FLORA, PHONE, csrf_token, make_app
from flask import Flask
from helpers.checkout import ORDER_PATH, cart_items, enter_code, orders_by_ref, start_checkout, url
from helpers.pages import alert, iqd, text, tr
from helpers.servers import at_once

from storefront.sendy import SendyForbidden, SendyUnavailable
from storefront.sendy.client import SendyClient
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import order_body
from storefront.sendy.wire.routes import endpoint_name

BASE = url(FLORA, "en")
SKU = "FLR-ROSE-12"
FIND = ("GET", "/api/v1/store/integrations/orders")
NOT_CONFIRMED = ("We couldn't confirm your order. Your cart is saved: wait a moment, then press the "
                 "button again — your order will not be placed twice.")
MAYBE_PLACED = ("Your order was most likely placed already, but we couldn't confirm it. The store will "
                "contact you to confirm it; to be sure, message the store on WhatsApp before ordering again.")


@pytest.fixture
def sandbox() -> Sandbox:
    """A Sendy that makes a new order for every order request, whatever its externalRef."""
    return Sandbox(dedupe=False)


@pytest.fixture
def app(sandbox: Sandbox):
    app = make_app(sandbox)
    yield app
    app.extensions["sendy"].close()


def _posts(sandbox: Sandbox) -> int:
    return sum(1 for method, path in sandbox.requests if (method, path) == ("POST", ORDER_PATH))


def _lost(app: Flask, client, sandbox: Sandbox, **fault) -> tuple[str, object]:
    """Check out two roses; the order request fails as ``fault`` says. The code, and the answer."""
    start_checkout(client, BASE, SKU, "2")
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", times=1, **fault)
    response = enter_code(client, BASE, code)
    assert response.status_code == 400
    assert cart_items(app, client, FLORA) == {SKU: 2}
    return code, response


# -- the sandbox without replay is what we guard against ----------------------------------------
def test_without_dedupe_the_sandbox_makes_a_second_order_under_one_ref(sandbox, app):
    """The premise: resending after a lost answer, as the storefront did before, makes two orders here."""
    client = app.test_client()
    start_checkout(client, BASE, SKU)
    body = None

    real = app.extensions["sendy"].place_order

    def keep(key, order):
        nonlocal body
        body = (key, order)
        return real(key, order)

    app.extensions["sendy"].place_order = keep
    assert enter_code(client, BASE, sandbox.last_otp(PHONE)).status_code == 303
    key, order = body
    sandbox.state.otps.clear()  # (a fresh code for the same phone, so only the reference repeats)
    http = httpx.Client(transport=sandbox.transport(), base_url="http://sendy")
    http.post("/api/v1/store/integrations/orders/send-otp", headers={"X-API-Key": key},
              json={"customerPhone": PHONE})
    second = http.post(ORDER_PATH, headers={"X-API-Key": key},
                       json=order_body(replace(order, otp_code=sandbox.last_otp(PHONE))))
    assert second.status_code == 201
    assert [len(v) for v in orders_by_ref(sandbox).values()] == [2]
    http.close()


# -- lost or failed answers, with the replay off ------------------------------------------------
@pytest.mark.parametrize(("fault", "made"), [
    pytest.param({"kind": "timeout_after"}, True, id="made-answer-lost"),
    pytest.param({"kind": "timeout"}, False, id="not-made-answer-lost"),
    pytest.param({"kind": "status", "status": 502}, False, id="failed-502"),
    pytest.param({"kind": "status", "status": 500}, False, id="failed-500"),
])
def test_a_retry_after_a_lost_or_failed_answer_makes_one_order(app, sandbox, fault, made):
    client = app.test_client()
    code, _ = _lost(app, client, sandbox, **fault)
    assert len(sandbox.orders) == (1 if made else 0)
    old_tab = {"csrf_token": csrf_token(client, f"{BASE}/checkout/code"), "action": "verify", "code": code}

    retry = enter_code(client, BASE, code)  # "press the button again"

    assert retry.status_code == 303, text(retry)
    assert FIND in sandbox.requests  # Sendy was asked first
    [(ref, placed)] = orders_by_ref(sandbox).items()
    assert len(placed) == 1, f"externalRef {ref} ordered {len(placed)} times"
    assert _posts(sandbox) == (1 if made else 2)  # found: not sent again; none: sent again
    public_id = placed[0]["response"]["publicId"]
    assert retry.headers["Location"] == f"{BASE}/orders/{public_id}"
    confirmation = client.get(retry.headers["Location"])
    assert confirmation.status_code == 200 and public_id in text(confirmation)
    assert cart_items(app, client, FLORA) == {}
    again = client.post(f"{BASE}/checkout/code", data=old_tab)  # pressed once more in an old tab
    assert again.status_code == 303 and len(sandbox.orders) == 1 and _posts(sandbox) == (1 if made else 2)


def test_clicks_at_once_after_a_lost_answer_make_no_second_order(app, sandbox):
    first = app.test_client()
    code, _ = _lost(app, first, sandbox, kind="timeout_after")
    session = first.get_cookie("session").value
    clicks = []
    for _ in range(6):  # the same browser, six tabs pressing at once
        click = app.test_client()
        click.set_cookie("session", session, domain="localhost")
        clicks.append(click)
    tokens = [c.get(f"{BASE}/checkout/code").get_data(as_text=True) for c in clicks]
    forms = [{"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', t).group(1),
              "action": "verify", "code": code} for t in tokens]

    responses = at_once([lambda c=c, f=f: c.post(f"{BASE}/checkout/code", data=f)
                         for c, f in zip(clicks, forms, strict=True)])

    assert len(sandbox.orders) == 1 and _posts(sandbox) == 1
    placed = {r.headers["Location"] for r in responses if r.status_code == 303}
    assert placed == {f"{BASE}/orders/{sandbox.orders[0]['response']['publicId']}"}


def test_a_key_without_orders_read_cannot_tell_so_nothing_is_sent_again(app, sandbox):
    sandbox.state.stores[FLORA].scopes = frozenset({"orders:write"})
    client = app.test_client()
    code, _ = _lost(app, client, sandbox, kind="timeout")  # Sendy made none, but cannot tell us so

    retry = enter_code(client, BASE, code)

    assert retry.status_code == 400
    assert alert(retry) == tr(app, "en", MAYBE_PLACED)  # only the store can tell now
    assert _posts(sandbox) == 1 and sandbox.orders == []
    reload = client.get(f"{BASE}/checkout/code")
    assert alert(reload) == tr(app, "en", MAYBE_PLACED)  # the same after a reload
    assert enter_code(client, BASE, code).status_code == 400 and _posts(sandbox) == 1


def test_the_search_failing_sends_nothing_and_the_next_press_finds_the_order(app, sandbox):
    client = app.test_client()
    code, _ = _lost(app, client, sandbox, kind="timeout_after")
    sandbox.faults.add("order_find", "status", times=3, status=503)  # every try of the search

    retry = enter_code(client, BASE, code)

    assert retry.status_code == 400
    assert alert(retry) == tr(app, "en", NOT_CONFIRMED)  # wait a moment, press again
    assert _posts(sandbox) == 1 and len(sandbox.orders) == 1
    found = enter_code(client, BASE, code)
    assert found.status_code == 303
    assert found.headers["Location"] == f"{BASE}/orders/{sandbox.orders[0]['response']['publicId']}"
    assert _posts(sandbox) == 1 and len(sandbox.orders) == 1


def test_an_adopted_order_shows_what_was_sent_and_what_sendy_has(app, sandbox):
    client = app.test_client()
    code, _ = _lost(app, client, sandbox, kind="timeout_after")
    sandbox.set_order_status(sandbox.orders[0]["response"]["id"], "confirmed")  # Sendy added the delivery fee

    page = client.get(enter_code(client, BASE, code).headers["Location"])

    order = sandbox.orders[0]
    html = text(page)
    assert order["response"]["publicId"] in html
    data = sandbox.state.tracked[order["response"]["id"]]["order"]
    assert data["deliveryFee"] > 0
    assert iqd(data["totalAmount"], "en") in html  # the total with the fee, as Sendy has it now


# -- the sandbox's search, and the client's reading of it ---------------------------------------
def test_the_sandbox_finds_orders_by_external_ref_newest_first(sandbox, app):
    client = app.test_client()
    _lost(app, client, sandbox, kind="timeout_after")
    key = app.extensions["api_keys"][FLORA]
    ref = sandbox.orders[0]["request"]["externalRef"]
    http = httpx.Client(transport=sandbox.transport(), base_url="http://sendy")
    try:
        found = http.get("/api/v1/store/integrations/orders", params={"externalRef": ref},
                         headers={"X-API-Key": key})
        none = http.get("/api/v1/store/integrations/orders", params={"externalRef": "not-ours"},
                        headers={"X-API-Key": key})
        other = app.extensions["api_keys"]["tigris-tech"]
        elsewhere = http.get("/api/v1/store/integrations/orders", params={"externalRef": ref},
                             headers={"X-API-Key": other})
        sandbox.state.stores[FLORA].scopes = frozenset({"orders:write"})
        refused = http.get("/api/v1/store/integrations/orders", params={"externalRef": ref},
                           headers={"X-API-Key": key})
        hook = http.post("/__sandbox/dedupe", json={"enabled": True})
    finally:
        http.close()
    assert found.status_code == 200
    [order] = found.json()["data"]
    assert order["id"] == sandbox.orders[0]["response"]["id"] and order["status"] == "pending"
    assert none.json()["data"] == [] and elsewhere.json()["data"] == []  # another store sees none
    assert refused.status_code == 403
    assert hook.status_code == 200 and sandbox.dedupe is True


def test_the_client_reads_the_search_and_never_adopts_another_reference() -> None:
    orders = [{"id": "2", "publicId": "SF-B", "status": "pending", "externalRef": "mine"},
              {"id": "9", "publicId": "SF-X", "status": "pending", "externalRef": "someone-else"},
              {"id": "1", "publicId": "SF-A", "status": "pending"}]

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["externalRef"] == "mine" and request.headers["X-API-Key"] == "k.s"
        if request.url.path.endswith("/orders") and "broken" not in request.headers.get("X-Case", ""):
            return httpx.Response(200, json={"success": True, "data": orders})
        return httpx.Response(200, json={"success": True, "data": [{"status": "pending"}]})

    client = SendyClient("http://sendy", transport=httpx.MockTransport(answer), backoff=0)
    try:
        assert [o.public_id for o in client.find_order_by_ref("k.s", "mine")] == ["SF-B", "SF-A"]
        client._wire._http.headers["X-Case"] = "broken"  # an order we cannot read: we cannot tell
        with pytest.raises(SendyUnavailable):
            client.find_order_by_ref("k.s", "mine")
    finally:
        client.close()
    refused = SendyClient("http://sendy", transport=httpx.MockTransport(
        lambda r: httpx.Response(403, json={"success": False, "message": "no"})))
    with pytest.raises(SendyForbidden):
        refused.find_order_by_ref("k.s", "mine")
    refused.close()
    assert endpoint_name("GET", "/api/v1/store/integrations/orders") == "order_find"
    assert endpoint_name("GET", "/api/v1/store/integrations/orders/abc") == "order_read"

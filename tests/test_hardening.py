"""Holding under attack, in one process: simultaneous requests, odd headers, floods of URLs.

Each test here reproduces a way the first version gave way (see the hardening issue); the
two-worker variants on a real Redis are in test_production.py. Concurrency is real (threads
released together by a barrier), bounded and in-process.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, PHONE, TIGRIS
from helpers.checkout import (
    ORDER_PATH,
    SEND_OTP_PATH,
    add_to_cart,
    csrf_token,
    enter_code,
    fill_checkout,
    resend_code,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.messages import MAYBE_PLACED, TOO_MANY_WRONG, WRONG_CODE
from helpers.pages import alert, field_errors, flashes, tr
from helpers.servers import at_once

BURST = 16
ROSES = "FLR-ROSE-12"
def _ready_to_send(app: Flask, base: str, phone: str = PHONE) -> tuple[FlaskClient, Callable[[], Any]]:
    """A shopper with a cart on the filled delivery form, ready to press "Continue"."""
    client = app.test_client()
    add_to_cart(client, base, ROSES)
    token = csrf_token(client, f"{base}/checkout")
    from helpers.checkout import DETAILS

    data = {**DETAILS, "phone": phone, "action": "continue", "csrf_token": token}
    return client, lambda: client.post(f"{base}/checkout", data=data)


# -- OTP limits take their slot before Sendy is called ---------------------------------------
def test_a_burst_of_checkouts_for_one_phone_sends_one_code(app, sandbox) -> None:
    base = url(FLORA, "en")
    shoppers = [_ready_to_send(app, base) for _ in range(BURST)]

    responses = at_once([press for _, press in shoppers])

    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1  # was 16: the cooldown allows one
    assert sorted(r.status_code for r in responses) == [303] + [429] * (BURST - 1)
    refused = [r for r in responses if r.status_code == 429]
    assert all("Please wait before asking for another code" in field_errors(r)["phone"] for r in refused)


def test_a_burst_from_one_connection_sends_ten_codes(app, sandbox) -> None:
    base = url(FLORA, "en")
    shoppers = [_ready_to_send(app, base, phone=f"0770{100 + i:03d}4567") for i in range(BURST)]

    responses = at_once([press for _, press in shoppers])

    assert sendy_calls(sandbox, SEND_OTP_PATH) == 10  # was 16: 10 per hour per connection
    assert sum(r.status_code == 303 for r in responses) == 10
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == BURST - 10
    assert all("Too many codes were requested from this connection" in field_errors(r)["phone"] for r in refused)


def test_a_send_sendy_refused_gives_its_cooldown_back(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    sandbox.faults.add("send_otp", "status", times=1, status=503)
    assert fill_checkout(client, base).status_code == 400
    assert fill_checkout(client, base).status_code == 303  # asked again at once: sent
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 2


def test_wrong_codes_are_counted_per_phone_not_per_session(app, sandbox, monkeypatch) -> None:
    """Three sessions for one phone share the five tries at the live code, guessing at once."""
    clock = install_clock(monkeypatch, sandbox)
    base = url(FLORA, "en")
    sessions = []
    for _ in range(3):
        shopper = app.test_client()
        start_checkout(shopper, base, ROSES)
        sessions.append(shopper)
        clock.advance(61)
    live = sandbox.last_otp(PHONE)
    wrong = "000000" if live != "000000" else "111111"
    before = sendy_calls(sandbox, ORDER_PATH)

    def guesses(shopper: FlaskClient) -> Callable[[], list[str]]:
        return lambda: [field_errors(enter_code(shopper, base, wrong))["code"] for _ in range(3)]

    shown = [m for ms in at_once([guesses(s) for s in sessions]) for m in ms]

    assert sendy_calls(sandbox, ORDER_PATH) - before == 5  # was 9: five tries per code sent
    assert shown.count(tr(app, "en", WRONG_CODE)) == 5
    assert shown.count(tr(app, "en", TOO_MANY_WRONG)) == 4
    response = enter_code(sessions[0], base, live)  # the right code is refused too now
    assert field_errors(response)["code"] == tr(app, "en", TOO_MANY_WRONG)


# -- one checkout, one order request ---------------------------------------------------------
def test_a_burst_of_submits_of_one_code_form_sends_one_order(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    token = csrf_token(client, f"{base}/checkout/code")
    form = {"csrf_token": token, "action": "verify", "code": sandbox.last_otp(PHONE)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clones = []
    for _ in range(8):  # the same browser, one request per click
        clone = app.test_client()
        clone.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
        clones.append(clone)

    responses = at_once([lambda c=c: c.post(f"{base}/checkout/code", data=form) for c in clones])

    assert sendy_calls(sandbox, ORDER_PATH) == 1
    assert len(sandbox.orders) == 1
    placed = {r.headers.get("Location") for r in responses if r.status_code == 303}
    assert placed == {f"{base}/orders/{sandbox.orders[0]['response']['publicId']}"}


def test_may_be_placed_is_kept_on_the_server_not_in_the_dropped_cookie(app, client, sandbox) -> None:
    """A double-clicking browser discards the answer that carried "may be placed"."""
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    before = client.get_cookie("session")
    assert before is not None
    sandbox.faults.add("order", "timeout_after", times=1)  # Sendy placed it, the answer is lost
    enter_code(client, base, code)
    client.set_cookie("session", before.value, domain=before.domain, path=before.path)  # dropped

    response = resend_code(client, base)

    assert response.status_code == 409
    assert alert(response) == tr(app, "en", MAYBE_PLACED)  # the one notice, where the form was
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1  # no new code, so no second order with it
    assert fill_checkout(client, base, phone="0771 234 5678").status_code == 303  # not with another phone
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    assert len(sandbox.orders) == 1


def test_page_traffic_never_evicts_what_the_checkout_keeps(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    for i in range(2_100):  # distinct made-up categories: 404s, nothing cached
        assert client.get(f"/{FLORA}/?category=c{i}").status_code == 404
    assert len(app.extensions["page_cache"].pages._cache) <= 2
    assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303
    assert len(sandbox.orders) == 1


# -- the page cache ----------------------------------------------------------------------------
@pytest.mark.parametrize(("poison", "victim", "expected"), [
    ("gzip;q=abc", "", None),  # a malformed q: not an acceptable gzip
    ("gzip, br;q=x", "gzip", "gzip"),
    ("gzip;q=0", "gzip;q=0", None),  # q=0 means "not gzip"
    ("br", "gzip, deflate", "gzip"),
    ("gzip", "identity", None),
])
def test_accept_encoding_cannot_poison_the_page_cache(client, poison, victim, expected) -> None:
    first = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": poison})
    assert first.status_code == 200
    response = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": victim})
    assert response.headers.get("Content-Encoding") == expected
    body = response.get_data()
    html = gzip.decompress(body) if expected == "gzip" else body
    assert b"<html" in html


def test_only_real_variants_are_cached(app, client) -> None:
    pages = app.extensions["page_cache"].pages
    assert client.get(f"/{FLORA}/?category=nope").status_code == 404
    assert client.get(f"/{FLORA}/?category=").status_code == 404
    for query in ("fbclid=abc", "category=roses&category=roses", "utm_source=ig&x=1"):
        client.get(f"/{FLORA}/?{query}")
    assert not pages._cache  # nothing kept for made-up or repeated parameters
    assert client.get(f"/{FLORA}/").status_code == 200
    assert len(pages._cache) == 1


# -- the session cookie budget ---------------------------------------------------------------
def _emoji(n: int, seed: int = 0) -> str:
    """``n`` random emoji (repeated ones would compress to nothing in the cookie)."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(n))


def test_one_stores_checkout_never_blocks_anothers_cart(app, client) -> None:
    """Delivery details typed in emoji, to the fields' limits, in one store; then another store."""
    details = {"name": _emoji(80, 1), "address": _emoji(300, 2), "notes": _emoji(300, 3)}
    add_to_cart(client, url(FLORA, "en"), ROSES)
    typed = fill_checkout(client, url(FLORA, "en"), **details)  # refused as too long, or kept
    assert typed.status_code in (303, 400)

    response = add_to_cart(client, url(TIGRIS), "TGR-CHG-20W", follow_redirects=True)

    assert [c for c, _ in flashes(response)] == ["success"]  # was "Your cart is full"
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) <= 3_800


def test_details_too_long_for_the_cookie_are_refused_with_a_message(app, client) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    response = fill_checkout(client, base, address=_emoji(300, 4), notes=_emoji(300, 5))
    assert response.status_code == 400
    assert field_errors(response)["address"] == "Your address and note are too long. Please shorten them."
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) <= 3_800


# -- request ids, status codes ------------------------------------------------------------------
def test_a_post_refused_by_csrf_has_a_request_id(client, caplog) -> None:
    caplog.set_level("INFO", logger="storefront.access")
    response = client.post(f"/{FLORA}/cart/update", data={"sku": ROSES, "quantity": "2"},
                           headers={"X-Request-ID": "attack-probe-0001"})
    assert response.status_code == 400
    assert response.headers["X-Request-ID"] == "attack-probe-0001"


def test_both_checkout_forms_answer_form_errors_with_400(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    assert fill_checkout(client, base, name="").status_code == 400
    start_checkout(client, base, ROSES)
    assert enter_code(client, base, "12").status_code == 400

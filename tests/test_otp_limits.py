"""One-time-code limits: each one a translated message, never a 500, and the cart kept; and each
holds against a burst of requests released at once (threads, in one process).

Time is moved forward with the ``clock`` fixture (limiter, checkout and sandbox clocks)
instead of sleeping.
"""

from __future__ import annotations

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
    cart_items,
    csrf_token,
    enter_code,
    fill_checkout,
    resend_code,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.messages import TOO_MANY_WRONG, WRONG_CODE
from helpers.pages import alert, field_errors, flashes, text, tr, tr_parts
from helpers.servers import at_once

from storefront.runtime.clock import Clock

SKU = {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CHG-20W"}
LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(TIGRIS, None, "en", id="en"),
             pytest.param(FLORA, "en", "en", id="flora-en")]
COOLDOWN = "Please wait before asking for another code. You can ask again %(when)s."
PHONE_LIMIT = "Too many codes were sent to this number. Try again %(when)s."
IP_LIMIT = "Too many codes were requested from this connection. Try again %(when)s."
BURST = 16
ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


@pytest.fixture
def clock(monkeypatch, sandbox) -> Clock:
    """Time that can jump ahead (limiter, checkout, sandbox)."""
    return install_clock(monkeypatch, sandbox)


def _shows_limit(app, lang: str, message: str, shown: str) -> bool:
    return all(part in shown for part in tr_parts(app, lang, message, "when"))


def _resend_ok(client, base: str) -> None:
    response = resend_code(client, base)
    assert response.status_code == 303, field_errors(response)
    assert response.headers["Location"] == f"{base}/checkout/code"


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_resend_waits_60_seconds(app, client, sandbox, clock, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug], "2")
    first = sandbox.last_otp(PHONE)

    response = resend_code(client, base)

    assert response.status_code == 429
    shown = field_errors(response)["code"]
    assert _shows_limit(app, lang, COOLDOWN, shown)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    assert cart_items(app, client, slug) == {SKU[slug]: 2}
    assert 'class="countdown"' in text(response)

    # sending the details again within the code's life does not send another code either
    assert fill_checkout(client, base).status_code == 303
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1

    clock.advance(45)
    assert resend_code(client, base).status_code == 429
    page = client.get(f"{base}/checkout/code")
    assert 'data-wait="15"' in text(page) or 'data-wait="14"' in text(page)

    clock.advance(16)
    response = resend_code(client, base)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert ("success", tr(app, lang, "We sent you a new code.")) in flashes(page)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 2
    second = sandbox.last_otp(PHONE)
    if second != first:  # the old code was replaced
        assert enter_code(client, base, first).status_code == 400
    assert enter_code(client, base, second).status_code == 303
    assert len(sandbox.orders) == 1


def test_a_new_phone_gets_its_own_code_at_once(app, client, sandbox, clock):
    base = url(TIGRIS)
    start_checkout(client, base, SKU[TIGRIS])

    response = fill_checkout(client, base, phone="0780 987 6543")  # "Change number"

    assert response.status_code == 303
    assert sandbox.last_otp("9647809876543")
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 2


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_three_codes_per_phone_per_10_minutes(app, client, sandbox, clock, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])
    for _ in range(2):
        clock.advance(61)
        _resend_ok(client, base)

    clock.advance(61)
    response = resend_code(client, base)

    assert response.status_code == 429
    shown = field_errors(response)["code"]
    assert _shows_limit(app, lang, PHONE_LIMIT, shown)
    if lang == "en":
        assert "7 minutes" in shown
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 3
    assert cart_items(app, client, slug) == {SKU[slug]: 1}

    # the limit is the phone's, whichever store asks
    other = TIGRIS if slug == FLORA else FLORA
    other_client = app.test_client()
    add_to_cart(other_client, url(other), SKU[other])
    response = fill_checkout(other_client, url(other))
    assert response.status_code == 429
    other_lang = "ar" if other == FLORA else "en"
    assert _shows_limit(app, other_lang, PHONE_LIMIT, field_errors(response)["phone"])
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 3

    clock.advance(10 * 60 - 3 * 61 + 1)  # the first code leaves the 10-minute window
    _resend_ok(client, base)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 4
    assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_ten_codes_per_phone_per_day(app, client, sandbox, clock, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])
    for _ in range(1, 10):
        clock.advance(12 * 60 + 1)  # within the number prefix's budget too (5 an hour)
        _resend_ok(client, base)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 10

    clock.advance(601)  # well past the 10-minute limit
    response = resend_code(client, base)

    assert response.status_code == 429
    shown = field_errors(response)["code"]
    assert _shows_limit(app, lang, PHONE_LIMIT, shown)
    if lang == "en":
        assert "hours" in shown
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 10
    assert cart_items(app, client, slug) == {SKU[slug]: 1}

    clock.advance(24 * 3600)
    _resend_ok(client, base)
    assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_ten_sends_per_connection_per_hour(app, client, sandbox, clock, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug], "3")
    for i in range(10):
        response = fill_checkout(client, base, phone=f"0770 1{i:02d} 4567")
        assert response.status_code == 303, field_errors(response)
        clock.advance(30)

    response = fill_checkout(client, base, phone="0770 123 4599")

    assert response.status_code == 429
    assert _shows_limit(app, lang, IP_LIMIT, field_errors(response)["phone"])
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 10
    assert sandbox.last_otp("9647701234599") is None
    assert cart_items(app, client, slug) == {SKU[slug]: 3}

    # another connection is not affected
    neighbour = app.test_client()
    add_to_cart(neighbour, base, SKU[slug])
    response = fill_checkout(neighbour, base, phone="0770 123 4598",
                             environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 303, (field_errors(response), flashes(response))

    clock.advance(3600)
    assert fill_checkout(client, base, phone="0770 123 4599").status_code == 303


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_five_wrong_codes_then_ask_for_a_new_one(app, client, sandbox, clock, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug], "2")
    code = sandbox.last_otp(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = enter_code(client, base, wrong)
        assert response.status_code == 400
        assert field_errors(response) == {"code": tr(app, lang, WRONG_CODE)}
    assert sendy_calls(sandbox, ORDER_PATH) == 5

    response = enter_code(client, base, code)  # even the right one: that code is used up

    assert response.status_code == 400
    assert field_errors(response) == {"code": tr(app, lang, TOO_MANY_WRONG)}
    assert sendy_calls(sandbox, ORDER_PATH) == 5  # Sendy was not asked
    assert sandbox.orders == []
    assert cart_items(app, client, slug) == {SKU[slug]: 2}

    clock.advance(61)
    _resend_ok(client, base)
    new_code = sandbox.last_otp(PHONE)
    response = enter_code(client, base, new_code)
    assert response.status_code == 303
    assert len(sandbox.orders) == 1
    assert sandbox.orders[0]["request"]["otpCode"] == new_code


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_sendy_refusing_more_codes(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug])
    sandbox.faults.add("send_otp", "status", times=1, status=429)

    response = fill_checkout(client, base)

    assert response.status_code == 429
    message = tr(app, lang, "Too many codes were sent to this number. Please try again later.")
    assert ("error", message) in flashes(response)
    assert cart_items(app, client, slug) == {SKU[slug]: 1}


def test_sendy_refusing_a_resend(app, client, sandbox, clock):
    base = url(TIGRIS)
    start_checkout(client, base, SKU[TIGRIS])
    clock.advance(61)
    sandbox.faults.add("send_otp", "status", times=1, status=429)

    response = resend_code(client, base)

    assert response.status_code == 429
    assert alert(response) == tr(app, "en", "Too many codes were sent to this number. Please try again later.")
    assert field_errors(response) == {}
    assert cart_items(app, client, TIGRIS) == {SKU[TIGRIS]: 1}
    # the code sent before still works
    assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303


def _ready_to_send(app: Flask, base: str, phone: str = PHONE) -> tuple[FlaskClient, Callable[[], Any]]:
    """A shopper with a cart on the filled delivery form, ready to press "Continue"."""
    client = app.test_client()
    add_to_cart(client, base, ROSES)
    token = csrf_token(client, f"{base}/checkout")
    from helpers.checkout import DETAILS

    data = {**DETAILS, "phone": phone, "action": "continue", "csrf_token": token}
    return client, lambda: client.post(f"{base}/checkout", data=data)


# -- bursts: each limit takes its slot before Sendy is called (threads released together) ------------
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

"""The checkout's code page: what it says, codes typed in any accepted digits, wrong and
malformed codes, and asking for a new code."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, PHONE, TIGRIS, make_app
from helpers.checkout import (
    DETAILS,
    FLORA_LANGS,
    LANGS,
    ORDER_PATH,
    SEND_OTP_PATH,
    SKU,
    TWO_LANGS,
    add_to_cart,
    cart_items,
    enter_code,
    resend_code,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.messages import SAVED, WRONG_CODE
from helpers.pages import alert, field_errors, input_value, iqd, text, tr, tr_parts

from storefront.sendy.sandbox import Sandbox

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


# -- the code page -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_code_page(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])

    page = client.get(f"{base}/checkout/code")

    assert page.status_code == 200
    html = text(page)
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'autocomplete="one-time-code"' in code_input
    assert 'inputmode="numeric"' in code_input
    assert 'dir="ltr"' in code_input
    assert '<bdi dir="ltr">+964 770 123 4567</bdi>' in html
    sent = "We sent a 6-digit code by SMS or WhatsApp to %(phone)s."
    assert all(part in html for part in tr_parts(app, lang, sent, "phone"))
    assert re.search(r'<button type="submit" name="action" value="resend"[^>]*>'
                     + re.escape(tr(app, lang, "Send a new code")), html)
    hint = re.search(r'<p class="muted" id="resend-hint" data-wait="(\d+)">(.*?)</p>', html, re.S)
    assert hint and 55 <= int(hint.group(1)) <= 60
    assert re.search(r'<bdi dir="ltr" class="countdown">(0:5\d|1:00)</bdi>', hint.group(2))
    assert all(part in hint.group(2) for part in tr_parts(app, lang, "You can ask for a new code in %(time)s.", "time"))
    assert html.count('name="csrf_token"') == 2
    # the sandbox app is a demo: it shows the code instead of sending an SMS
    assert app.config["SANDBOX_DEMO"]
    code = sandbox.last_otp(PHONE)
    assert f'<bdi dir="ltr" class="demo-code">{code}</bdi>' in html
    assert all(part in html for part in
               tr_parts(app, lang, "Demo store: no SMS is sent. Your code is %(code)s.", "code"))
    assert cart_items(app, client, slug) == {SKU[slug]: 1}  # not emptied yet


def test_no_demo_notice_outside_the_demo(sandbox):
    app = make_app(sandbox, SANDBOX_DEMO=False)
    client = app.test_client()
    try:
        start_checkout(client, url(TIGRIS), SKU[TIGRIS])
        html = text(client.get(f"{url(TIGRIS)}/checkout/code"))
        assert "demo-code" not in html
        assert sandbox.last_otp(PHONE) not in html
    finally:
        app.extensions["sendy"].close()


def test_code_page_without_a_checkout_goes_to_the_cart(client):
    response = client.get(f"{url(FLORA)}/checkout/code")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url(FLORA)}/cart"


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_code_typed_in_arabic_indic_digits(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])
    code = sandbox.last_otp(PHONE)
    typed = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    typed = f"{typed[:3]} {typed[3:]}"

    response = enter_code(client, base, typed)

    assert response.status_code == 303, field_errors(response)
    assert sandbox.orders[0]["request"]["otpCode"] == code


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
@pytest.mark.parametrize(("typed", "message"), [
    ("12345", "The code has 6 digits."),
    ("1234567", "The code has 6 digits."),
    ("abcdef", "The code has 6 digits."),
    ("", "Enter the code we sent you."),
])
def test_malformed_codes_never_reach_sendy(app, client, sandbox, slug, url_lang, lang, typed, message):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])

    response = enter_code(client, base, typed)

    assert response.status_code == 400
    assert field_errors(response) == {"code": tr(app, lang, message)}
    assert sendy_calls(sandbox, ORDER_PATH) == 0
    assert cart_items(app, client, slug) == {SKU[slug]: 1}


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_wrong_code_is_shown_on_the_code_field(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug], "2")
    code = sandbox.last_otp(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = enter_code(client, base, wrong)

    assert response.status_code == 400
    assert field_errors(response) == {"code": tr(app, lang, WRONG_CODE)}
    assert 'aria-invalid="true"' in text(response)
    assert sandbox.orders == []
    assert cart_items(app, client, slug) == {SKU[slug]: 2}
    html = text(client.get(f"{base}/checkout"))
    assert input_value(html, "name") == DETAILS["name"]
    assert input_value(html, "address") == DETAILS["address"]
    # the right code still works
    assert enter_code(client, base, code).status_code == 303
    assert len(sandbox.orders) == 1


# -- Sendy failing to send a new code ----------------------------------------------------------------
@pytest.mark.parametrize("fault", [pytest.param(f, id=i) for f, i in
                                   (({"kind": "status", "status": 500}, "500"), ({"kind": "connect"}, "connect"))])
def test_resend_failures_keep_everything(app, client, sandbox, monkeypatch, fault):
    clock = install_clock(monkeypatch, sandbox)
    base = url(FLORA)
    start_checkout(client, base, SKU[FLORA], "2")
    first = sandbox.last_otp(PHONE)
    clock.advance(61)  # no cooldown in the way
    sandbox.faults.add("send_otp", times=1, **fault)

    response = resend_code(client, base)

    assert response.status_code < 500
    assert alert(response) == tr(app, "ar", SAVED)  # a banner above the form, not the code's error
    assert field_errors(response) == {}
    assert cart_items(app, client, FLORA) == {SKU[FLORA]: 2}
    assert enter_code(client, base, first).status_code == 303  # the first code still works


# -- what the code page says (#11) -------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_the_code_page_says_how_the_code_comes_and_what_it_costs(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, ROSES, "2")
    start_checkout(client, base, SUNFLOWERS)

    html = text(client.get(f"{base}/checkout/code"))

    assert all(part in html for part in
               tr_parts(app, lang, "We sent a 6-digit code by SMS or WhatsApp to %(phone)s.", "phone"))
    summary = re.search(r'<div class="summary">(.*?)</div>', html, re.S).group(1)
    assert f'<p class="totals"><span>{tr(app, lang, "Subtotal")}</span><span>{iqd(100_000, lang)}</span></p>' in summary
    assert tr(app, lang, "The store confirms the delivery fee, if there is one.") in summary
    assert "<summary>" in summary and "3" in re.search(r"<summary>(.*?)</summary>", summary).group(1)
    for page in (html, text(client.get(f"{base}/checkout"))):  # the subtotal is not the sum to pay
        assert tr(app, lang, "Total to pay on delivery") not in page


def test_the_resend_button_looks_disabled_while_the_timer_runs(app, client, sandbox, monkeypatch):
    clock = install_clock(monkeypatch, sandbox)
    base = url(TIGRIS)
    start_checkout(client, base, "TGR-CHG-20W")
    resend = re.compile(r'<button type="submit" name="action" value="resend"[^>]*>')

    assert 'aria-disabled="true"' in resend.search(text(client.get(f"{base}/checkout/code"))).group(0)
    clock.advance(61)
    assert "aria-disabled" not in resend.search(text(client.get(f"{base}/checkout/code"))).group(0)


# -- a resend button that only looks disabled --------------------------------------------------------
def test_pressing_an_aria_disabled_resend_sends_no_second_code(app: Flask, client: FlaskClient,
                                                               sandbox: Sandbox) -> None:
    base = url(TIGRIS)
    start_checkout(client, base, "TGR-CHG-20W")
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    for _ in range(3):
        response = resend_code(client, base)  # the button only looks disabled: the form still posts
        assert response.status_code == 429
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1


# -- a code in digits a shopper never types ----------------------------------------------------------
@pytest.mark.parametrize("code", ["²²²²²²", "①②③④⑤⑥", "１２３４５６", "12345²"])
def test_a_code_in_other_digits_is_refused_before_sendy(app: Flask, client: FlaskClient, sandbox: Sandbox,
                                                        code: str) -> None:
    base = url(FLORA)
    start_checkout(client, base, ROSES)

    response = enter_code(client, base, code)  # was sent on to Sendy as the code

    assert response.status_code == 400
    assert field_errors(response) == {"code": tr(app, "ar", "The code has 6 digits.")}
    assert sendy_calls(sandbox, ORDER_PATH) == 0
    assert sandbox.orders == []

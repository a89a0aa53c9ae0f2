"""The checkout's first step, the delivery form: labels, areas with and without JavaScript,
required fields, details kept, what the session cookie can hold, and asking Sendy for the code."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, PHONE, TIGRIS, make_app
from helpers.checkout import (
    DETAILS,
    KARRADA,
    LANGS,
    PRICE,
    SEND_OTP_PATH,
    SKU,
    TWO_LANGS,
    add_to_cart,
    cart_items,
    enter_code,
    fill_checkout,
    resend_code,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.messages import FIELDS, MAYBE_SENT, SAVED
from helpers.pages import SCRIPT, body_of, field_errors, flashes, input_value, iqd, select_options, text, tr

from storefront.sendy.errors import SendyRejected
from storefront.sendy.sandbox import Sandbox
from storefront.services import checkout

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


def _areas(sandbox, province: str, lang: str) -> list[tuple[str, str]]:
    key = "nameAr" if lang == "ar" else "nameEn"
    return [(a["id"], a[key]) for a in sandbox.state.provinces[province]["areas"]]


# -- the delivery form -------------------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_every_field_has_a_label(app, client, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug])

    page = client.get(f"{base}/checkout")

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    html = text(page)
    assert 'name="csrf_token"' in html
    for field, label in FIELDS.items():
        assert f'<label for="{field}">{tr(app, lang, label)}</label>' in html
        assert re.search(rf'<(input|select|textarea)[^>]*id="{field}"', html)
    assert tr(app, lang, "Cash on delivery") in html
    # without JavaScript the button reloads the areas and lands back on the area field
    assert re.search(rf'<noscript><button type="submit" name="action" value="areas" formnovalidate '
                     rf'formaction="{base}/checkout#area-field">', html)
    assert '<div class="field" id="area-field">' in html
    assert f'data-areas-url="{base}/checkout/areas"' in html
    summary = re.search(r'<div class="summary">(.*?)</div>', html, re.S).group(1)
    assert iqd(PRICE[slug], lang) in summary


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_areas_round_trip_without_javascript(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug])
    typed = {**DETAILS, "phone": "0770-123-4567", "area": ""}

    response = fill_checkout(client, base, action="areas", **typed)

    assert response.status_code == 200
    html = text(response)
    assert field_errors(response) == {}  # pressing "show areas" is not submitting
    options = select_options(html, "area")
    assert options[0][:2] == ("", tr(app, lang, "Choose your area"))
    expected = sorted(_areas(sandbox, "BG", lang), key=lambda a: a[1])
    assert [(value, label) for value, label, _ in options[1:]] == expected
    assert ("BG", "بغداد" if lang == "ar" else "Baghdad", True) in select_options(html, "province")
    for field in ("name", "phone", "address", "notes"):
        assert input_value(html, field) == typed[field]
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0

    # change the governorate: the area chosen before is not offered any more
    response = fill_checkout(client, base, action="areas", **{**typed, "province": "BA", "area": KARRADA})
    options = select_options(text(response), "area")
    assert {value for value, _, _ in options[1:]} == {a for a, _ in _areas(sandbox, "BA", lang)}
    assert not any(selected for _, _, selected in options[1:])

    # choose an area from the list and continue: a code is sent
    chosen = options[1][0]
    response = fill_checkout(client, base, **{**typed, "province": "BA", "area": chosen})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{base}/checkout/code"
    assert sandbox.last_otp(PHONE)


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_areas_json_for_the_picker(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)

    response = client.get(f"{base}/checkout/areas?province=BA")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    expected = sorted(_areas(sandbox, "BA", lang), key=lambda a: a[1])
    assert [(a["id"], a["name"]) for a in response.get_json()] == expected
    assert client.get(f"{base}/checkout/areas?province=XX").get_json() == []
    assert client.get(f"{base}/checkout/areas").get_json() == []


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_required_fields_have_messages(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug], "2")

    response = fill_checkout(client, base, name="", phone="", province="", area="", address="", notes="")

    assert response.status_code < 500
    assert field_errors(response) == {
        "name": tr(app, lang, "Enter your full name."),
        "phone": tr(app, lang, "Enter your mobile number."),
        "province": tr(app, lang, "Choose your governorate."),
        "area": tr(app, lang, "Choose your area."),
        "address": tr(app, lang, "Describe where to deliver: street, house, nearest landmark."),
    }
    assert 'aria-describedby="name-err"' in text(response)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0
    assert cart_items(app, client, slug) == {SKU[slug]: 2}


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_blank_name_and_address_are_required_too(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug])

    response = fill_checkout(client, base, name="   ", address=" \n ")

    assert response.status_code < 500
    assert field_errors(response) == {
        "name": tr(app, lang, "Enter your full name."),
        "address": tr(app, lang, "Describe where to deliver: street, house, nearest landmark."),
    }
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(app, client):
    response = client.get(f"{url(FLORA)}/checkout")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert ("error", tr(app, "ar", "Your cart is empty.")) in flashes(page)


def test_details_are_remembered_when_coming_back(app, client):
    base = url(TIGRIS)
    start_checkout(client, base, SKU[TIGRIS])

    html = text(client.get(f"{base}/checkout"))  # "Change number or address"

    assert input_value(html, "name") == DETAILS["name"]
    assert input_value(html, "phone") == "+964 770 123 4567"
    assert input_value(html, "address") == DETAILS["address"]
    assert ("BG", "Baghdad", True) in select_options(html, "province")
    assert (KARRADA, "Karrada", True) in select_options(html, "area")


SEND_FAULTS = [
    pytest.param({"kind": "status", "status": 500}, id="500"),
    pytest.param({"kind": "status", "status": 502}, id="502"),
    pytest.param({"kind": "timeout"}, id="timeout"),
    pytest.param({"kind": "connect"}, id="connect"),
    pytest.param({"kind": "malformed"}, id="malformed"),
]


# -- Sendy failing to send the code ------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
@pytest.mark.parametrize("fault", SEND_FAULTS)
def test_send_code_failures_keep_everything(app, client, sandbox, slug, url_lang, lang, fault):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug], "2")
    sandbox.faults.add("send_otp", times=1, **fault)

    response = fill_checkout(client, base)

    if fault["kind"] in ("status", "connect"):  # Sendy surely did nothing: details re-shown, retry at once
        assert response.status_code in (400, 503)
        assert flashes(response) == [("error", tr(app, lang, SAVED))]
        html = text(response)
        for field in ("name", "phone", "address", "notes"):
            assert input_value(html, field) == DETAILS[field]
        assert any(v == KARRADA and selected for v, _, selected in select_options(html, "area"))
        assert cart_items(app, client, slug) == {SKU[slug]: 2}
        response = fill_checkout(client, base)
        assert response.status_code == 303
        assert sandbox.last_otp(PHONE)
        return
    # the answer was lost: a code may be on its way, so the shopper is taken to enter it; the
    # cooldown holds (no second code at once), and a code that did arrive places the order
    assert response.status_code == 303 and response.headers["Location"].endswith("/checkout/code")
    page = client.get(response.headers["Location"])
    assert flashes(page) == [("error", tr(app, lang, MAYBE_SENT))]
    assert 'class="countdown"' in text(page)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    assert resend_code(client, base).status_code == 429
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    assert cart_items(app, client, slug) == {SKU[slug]: 2}
    if sandbox.last_otp(PHONE):  # Sendy did send it
        assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303
        assert len(sandbox.orders) == 1


# -- the areas button without JavaScript (#11) -------------------------------------------------------
def test_the_areas_button_without_javascript_lands_on_the_area_field(app, client, sandbox):
    base = url(FLORA)
    add_to_cart(client, base, ROSES)

    html = text(fill_checkout(client, base, action="areas", area=""))

    buttons = re.findall(r'<button[^>]*value="areas"[^>]*>', html)
    assert len(buttons) == 2 and all(f'formaction="{base}/checkout#area-field"' in b for b in buttons)
    assert re.search(r'<div class="field" id="area-field">\s*<label for="area">', html)


# -- hostile input on the delivery form, and Sendy's refusal as text ---------------------------------
def test_the_areas_button_on_a_custom_domain_stays_on_the_domain(sandbox: Sandbox) -> None:
    app = make_app(sandbox, STORE_DOMAINS='{"shop.example.com": "flora-baghdad"}')
    client = app.test_client()
    headers = {"Host": "shop.example.com", "Origin": "http://shop.example.com"}
    client.post("/cart/add", data={"sku": ROSES}, headers=headers)
    page = body_of(client.get("/checkout", headers=headers))
    actions = re.findall(r'value="areas"[^>]*formaction="([^"]*)"', page)
    assert actions == ["/checkout#area-field", "/checkout#area-field"]


def test_show_areas_with_a_hostile_province_sends_no_code(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    response = fill_checkout(client, base, action="areas", province="BG' OR 1=1--" + SCRIPT, area="x")
    page = body_of(response)
    assert response.status_code == 200 and "<script>alert" not in page
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


def test_a_sendy_refusal_reason_is_shown_as_text(app: Flask, client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise SendyRejected("<img src=x onerror=alert(1)> " + SCRIPT, status=422)

    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    monkeypatch.setattr(checkout, "request_code", refuse)
    response = fill_checkout(client, base)
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    page = body_of(response)
    assert "<img src=x" not in page and "<script>alert" not in page
    assert any("<img src=x onerror=alert(1)>" in message for _, message in flashes(response))


def _emoji(n: int, seed: int = 0) -> str:
    """``n`` random emoji (repeated ones would compress to nothing in the cookie)."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(n))


# -- the session cookie's budget, and form errors as 400 ---------------------------------------------
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


def test_both_checkout_forms_answer_form_errors_with_400(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    assert fill_checkout(client, base, name="").status_code == 400
    start_checkout(client, base, ROSES)
    assert enter_code(client, base, "12").status_code == 400

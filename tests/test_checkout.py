"""Checkout through the real forms: delivery details, the one-time code, placing the order once,
Sendy's errors, a store without a key, and the API key never leaving the server."""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.app import FLORA, HONEY, PHONE, TIGRIS, make_app
from helpers.checkout import (
    DETAILS,
    KARRADA,
    ORDER_PATH,
    SEND_OTP_PATH,
    add_to_cart,
    cart_items,
    csrf_token,
    enter_code,
    fill_checkout,
    place_order,
    resend_code,
    sendy_calls,
    session_of,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.messages import MAYBE_SENT, SAVED, UNCONFIRMED, WRONG_CODE
from helpers.pages import alert, field_errors, flashes, input_value, iqd, select_options, text, tr, tr_parts

from storefront.services import catalog

SKU = {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CHG-20W", HONEY: "EHN-NUT-MIX"}
PRICE = {FLORA: 35000, TIGRIS: 15000, HONEY: 20000}
LANGS = [
    pytest.param(FLORA, None, "ar", id="flora-ar"),
    pytest.param(FLORA, "en", "en", id="flora-en"),
    pytest.param(TIGRIS, None, "en", id="tigris-en"),
    pytest.param(TIGRIS, "ar", "ar", id="tigris-ar"),
]
TWO_LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(TIGRIS, None, "en", id="en")]
FIELDS = {"name": "Full name", "phone": "Mobile phone", "province": "Governorate", "area": "Area",
          "address": "Address details / nearest landmark", "notes": "Note for the store (optional)"}
WRONG_AREA = "This area is not in the chosen governorate. Choose your area again."


def _areas(sandbox, province: str, lang: str) -> list[tuple[str, str]]:
    key = "nameAr" if lang == "ar" else "nameEn"
    return [(a["id"], a[key]) for a in sandbox.state.provinces[province]["areas"]]


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# -- the delivery form -------------------------------------------------------------------------
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


# -- the code page ------------------------------------------------------------------------------
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


# -- placing the order ------------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_place_order(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, SKU[slug], "٢")
    second = {FLORA: ("FLR-ROSE-RED1", 5000), TIGRIS: ("TGR-CBL-CC1M", 7000)}[slug]
    add_to_cart(client, base, second[0], "3")
    total = 2 * PRICE[slug] + 3 * second[1]
    start_checkout(client, base, SKU[slug], "0")  # one more of the first product
    code = sandbox.last_otp(PHONE)
    assert cart_items(app, client, slug) == {SKU[slug]: 3, second[0]: 3}  # not emptied before
    total += PRICE[slug]

    response = enter_code(client, base, code)

    assert response.status_code == 303
    [order] = sandbox.orders
    request, answer = order["request"], order["response"]
    assert order["store"] == slug
    assert response.headers["Location"] == f"{base}/orders/{answer['publicId']}"
    assert request["otpCode"] == code
    assert request["items"] == [{"sku": SKU[slug], "quantity": 3}, {"sku": second[0], "quantity": 3}]
    assert request["customerName"] == DETAILS["name"]
    assert request["customerPhone"] == PHONE
    assert request["customerAddress"] == DETAILS["address"]
    assert request["addressProvinceCode"] == "BG"
    assert request["addressAreaId"] == KARRADA
    assert request["notes"] == DETAILS["notes"]
    assert request["paymentMethod"] == "cash_on_delivery"
    assert request["fulfillmentType"] == "from_to"
    assert request["orderValue"] == total
    assert _is_uuid(request["externalRef"])

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = text(page)
    assert tr(app, lang, "Thank you! Your order is placed.") in html
    assert f'<bdi dir="ltr" class="order-id">{answer["publicId"]}</bdi>' in html
    with app.app_context():
        store = catalog.get_store(slug)
    for sku, quantity in ((SKU[slug], 3), (second[0], 3)):
        name = store.product_by_sku(sku).name
        assert f"<bdi>{name}</bdi>\xa0×\xa0{quantity}" in html
    assert iqd(answer["totalAmount"], lang) in html
    assert answer["totalAmount"] == total
    # no delivery fee in Sendy's answer: the subtotal is not called the sum to pay, and the fee is said to follow
    assert not answer.get("deliveryFee")
    assert tr(app, lang, "Total to pay on delivery") not in html
    assert tr(app, lang, "The store confirms the delivery fee, if there is one.") in html
    link = re.search(r'<a class="button wa" href="([^"]+)"', html).group(1)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/" + store.whatsapp_phone)
    prefilled = parse_qs(parts.query)["text"][0]
    assert answer["publicId"] in prefilled
    status_link = re.search(r'id="status-link" type="url" value="([^"]+)"', html).group(1)
    assert prefilled == tr(app, lang, "Hello %(store)s, about my order %(order)s\n%(link)s",
                           store=store.name, order=answer["publicId"], link=status_link)
    # the cart is emptied now, and only now
    assert cart_items(app, client, slug) == {}
    assert "class=\"badge\"" not in page.get_data(as_text=True)  # the cart is empty now: no badge
    assert "checkout" not in session_of(app, client) or slug not in session_of(app, client)["checkout"]


def test_confirmation_is_private_to_the_shopper(app, client, sandbox):
    page = place_order(client, sandbox, url(FLORA), SKU[FLORA])
    public_id = sandbox.orders[0]["response"]["publicId"]
    assert page.status_code == 200

    stranger = app.test_client()
    assert stranger.get(f"{url(FLORA)}/orders/{public_id}").status_code == 404
    assert client.get(f"{url(FLORA)}/orders/SF-NOPE00").status_code == 404


def test_double_submit_places_one_order(app, client, sandbox):
    base = url(FLORA)
    start_checkout(client, base, SKU[FLORA])
    code = sandbox.last_otp(PHONE)
    token = csrf_token(client, f"{base}/checkout/code")
    cookie_before = client.get_cookie("session").value
    form = {"csrf_token": token, "action": "verify", "code": code}

    first = client.post(f"{base}/checkout/code", data=form)
    # the second click left the browser before the first answer came back: same cookie, same token
    impatient = app.test_client()
    impatient.set_cookie("session", cookie_before)
    second = impatient.post(f"{base}/checkout/code", data=form)
    # and once more with the cookie the first answer set
    third = client.post(f"{base}/checkout/code", data=form)

    assert len(sandbox.orders) == 1
    assert sendy_calls(sandbox, ORDER_PATH) == 1
    public_id = sandbox.orders[0]["response"]["publicId"]
    for response in (first, second, third):
        assert response.status_code == 303
        assert response.headers["Location"] == f"{base}/orders/{public_id}"
    for browser in (client, impatient):
        page = browser.get(f"{base}/orders/{public_id}")
        assert page.status_code == 200
        assert public_id in text(page)
        assert cart_items(app, browser, FLORA) == {}


def test_refresh_and_back_after_the_order(app, client, sandbox):
    base = url(TIGRIS)
    place_order(client, sandbox, base, SKU[TIGRIS])
    public_id = sandbox.orders[0]["response"]["publicId"]

    refreshed = client.get(f"{base}/checkout/code")
    assert refreshed.status_code == 303
    assert refreshed.headers["Location"] == f"{base}/orders/{public_id}"
    back = client.get(f"{base}/checkout")
    assert back.status_code == 303  # the cart is empty: back to the (empty) cart
    assert len(sandbox.orders) == 1


def test_concurrent_double_click_places_one_order(app, client, sandbox):
    base = url(FLORA)
    start_checkout(client, base, SKU[FLORA])
    code = sandbox.last_otp(PHONE)
    token = csrf_token(client, f"{base}/checkout/code")
    cookie = client.get_cookie("session").value
    sandbox.faults.add("order", "latency", times=1, seconds=0.3)  # the first click is still in flight
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        browser.set_cookie("session", cookie)
    start = threading.Barrier(2)
    results: list = [None, None]

    def click(i: int) -> None:
        start.wait()
        results[i] = browsers[i].post(f"{base}/checkout/code",
                                      data={"csrf_token": token, "action": "verify", "code": code})

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(sandbox.orders) == 1
    assert sendy_calls(sandbox, ORDER_PATH) == 1
    public_id = sandbox.orders[0]["response"]["publicId"]
    for browser, response in zip(browsers, results, strict=True):
        assert response.status_code == 303
        assert response.headers["Location"] == f"{base}/orders/{public_id}"
        assert browser.get(response.headers["Location"]).status_code == 200


# -- Sendy's answers, mapped for the shopper ---------------------------------------------------
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


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_area_refused_by_sendy_is_shown_on_the_area_field(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])
    code = sandbox.last_otp(PHONE)
    areas = sandbox.state.provinces["BG"]["areas"]  # Sendy moved Karrada after we cached the list
    areas[:] = [a for a in areas if a["id"] != KARRADA]

    response = enter_code(client, base, code)

    assert response.status_code == 400
    errors = field_errors(response)
    assert errors.get("area") == tr(app, lang, WRONG_AREA)
    html = text(response)
    # everything the shopper typed is still there, only the area is to be chosen again
    assert input_value(html, "name") == DETAILS["name"]
    assert input_value(html, "phone") == "+964 770 123 4567"
    assert input_value(html, "address") == DETAILS["address"]
    assert input_value(html, "notes") == DETAILS["notes"]
    assert any(value == "BG" and selected for value, _, selected in select_options(html, "province"))
    assert sandbox.orders == []
    assert cart_items(app, client, slug) == {SKU[slug]: 1}

    # choose another area: the code already sent is still good
    mansour = "da3cc432-e32d-556c-8634-2b14c4944fde"
    assert fill_checkout(client, base, area=mansour).status_code == 303
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    assert enter_code(client, base, code).status_code == 303
    assert sandbox.orders[0]["request"]["addressAreaId"] == mansour


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_unknown_sku_sends_the_shopper_back_to_the_cart(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    other = {FLORA: "FLR-ROSE-RED1", TIGRIS: "TGR-CBL-CC1M"}[slug]
    add_to_cart(client, base, other)
    start_checkout(client, base, SKU[slug])
    code = sandbox.last_otp(PHONE)
    products = sandbox.state.stores[slug].storefront["products"]
    products[:] = [p for p in products if p["sku"] != SKU[slug]]  # gone from Sendy, still cached here

    response = enter_code(client, base, code)

    assert response.status_code == 303
    assert response.headers["Location"] == f"{base}/cart"
    page = client.get(response.headers["Location"])
    assert ("error", tr(app, lang, "Some products in your cart changed. Please check your cart and try "
                                   "again.")) in flashes(page)
    assert tr(app, lang, "No longer available — it won't be included in your order.") in text(page)
    assert cart_items(app, client, slug) == {other: 1, SKU[slug]: 1}
    assert sandbox.orders == []
    # the rest of the cart can still be ordered, with the same code
    assert enter_code(client, base, code).status_code == 303
    assert sandbox.orders[0]["request"]["items"] == [{"sku": other, "quantity": 1}]


SEND_FAULTS = [
    pytest.param({"kind": "status", "status": 500}, id="500"),
    pytest.param({"kind": "status", "status": 502}, id="502"),
    pytest.param({"kind": "timeout"}, id="timeout"),
    pytest.param({"kind": "connect"}, id="connect"),
    pytest.param({"kind": "malformed"}, id="malformed"),
]


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


ORDER_FAULTS = [
    pytest.param({"kind": "status", "status": 500}, SAVED, id="500"),
    pytest.param({"kind": "status", "status": 503}, SAVED, id="503"),
    pytest.param({"kind": "connect"}, SAVED, id="connect"),
    pytest.param({"kind": "timeout"}, UNCONFIRMED, id="timeout"),
    pytest.param({"kind": "malformed"}, UNCONFIRMED, id="malformed"),  # a 200 Sendy may have acted on
]


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
@pytest.mark.parametrize(("fault", "message"), ORDER_FAULTS)
def test_order_failures_keep_everything(app, client, sandbox, slug, url_lang, lang, fault, message):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug], "2")
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", times=1, **fault)

    response = enter_code(client, base, code)

    assert response.status_code == 400
    assert alert(response) == tr(app, lang, message)  # a banner above the form, not the code's error
    assert field_errors(response) == {}
    assert sandbox.orders == []
    assert cart_items(app, client, slug) == {SKU[slug]: 2}
    # press the button again: one order
    response = enter_code(client, base, code)
    assert response.status_code == 303
    assert len(sandbox.orders) == 1
    assert cart_items(app, client, slug) == {}


@pytest.mark.parametrize(("slug", "url_lang", "lang"), TWO_LANGS)
def test_order_answer_lost_is_not_resent_and_the_retry_finds_it(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, SKU[slug])
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)

    response = enter_code(client, base, code)

    assert response.status_code == 400
    assert alert(response) == tr(app, lang, UNCONFIRMED)
    assert field_errors(response) == {}
    assert len(sandbox.orders) == 1  # Sendy made it…
    assert sendy_calls(sandbox, ORDER_PATH) == 1  # …and we did not send it again on our own
    assert cart_items(app, client, slug) == {SKU[slug]: 1}
    first = sandbox.orders[0]

    response = enter_code(client, base, code)  # "press the button again"

    assert response.status_code == 303
    assert sendy_calls(sandbox, ORDER_PATH) == 2
    assert len(sandbox.orders) == 1  # the same externalRef: Sendy answered with the first order
    assert response.headers["Location"] == f"{base}/orders/{first['response']['publicId']}"
    assert cart_items(app, client, slug) == {}


def test_the_retry_reuses_the_external_ref(app, client, sandbox):
    base = url(TIGRIS)
    start_checkout(client, base, SKU[TIGRIS])
    code = sandbox.last_otp(PHONE)
    refs = []
    real = app.extensions["sendy"].place_order

    def spy(key, order):
        refs.append(order.external_ref)
        return real(key, order)

    app.extensions["sendy"].place_order = spy
    sandbox.faults.add("order", "timeout_after", times=1)
    enter_code(client, base, code)
    fill_checkout(client, base, name="Another Name")  # even after editing the details
    enter_code(client, base, code)

    assert len(refs) == 2 and refs[0] == refs[1]
    assert len(sandbox.orders) == 1


def test_sendy_refusing_the_key_offers_whatsapp(app, client, sandbox):
    base = url(TIGRIS)
    add_to_cart(client, base, SKU[TIGRIS])
    sandbox.faults.add("send_otp", "status", times=1, status=403)

    response = fill_checkout(client, base)

    assert response.status_code == 400
    message = tr(app, "en", "Online ordering is unavailable right now. Please contact the store on WhatsApp.")
    assert ("error", message) in flashes(response)
    assert cart_items(app, client, TIGRIS) == {SKU[TIGRIS]: 1}


# -- a store without an API key ------------------------------------------------------------------
@pytest.mark.parametrize(("url_lang", "lang"), [(None, "ar"), ("en", "en")])
def test_store_without_key_offers_whatsapp(app, client, sandbox, url_lang, lang):
    base = url(HONEY, url_lang)
    add_to_cart(client, base, SKU[HONEY], "٢")
    page = client.get(f"{base}/cart")
    assert iqd(2 * PRICE[HONEY], lang) in text(page)
    assert f'href="{base}/checkout"' not in text(page)  # the cart's main button orders on WhatsApp instead
    cart_link = re.search(r'<a class="button wa" href="([^"]+)"', text(page)).group(1)
    assert cart_link.startswith("https://wa.me/9647501234567?text=")
    with app.app_context():
        honey_name = catalog.get_store(HONEY).product_by_sku(SKU[HONEY]).name
    message = parse_qs(urlsplit(cart_link).query)["text"][0]
    assert f"2 × {honey_name} — {iqd(2 * PRICE[HONEY], lang)}" in message.splitlines()
    assert f"/{HONEY}/" in message and iqd(2 * PRICE[HONEY], lang) in message.splitlines()[-1]

    response = client.get(f"{base}/checkout")

    assert response.status_code == 200
    html = text(response)
    assert tr(app, lang, "Online ordering isn't available for this store yet") in html
    link = re.search(r'<a class="button wa" href="([^"]+)"', html).group(1)
    assert link.startswith("https://wa.me/9647501234567?text=")
    with app.app_context():
        name = catalog.get_store(HONEY).product_by_sku(SKU[HONEY]).name
    assert name in parse_qs(urlsplit(link).query)["text"][0]
    assert '<form method="post" action="' + base + '/checkout"' not in html

    # posting the form anyway sends nothing
    token = csrf_token(client, f"{base}/cart")
    response = client.post(f"{base}/checkout", data={"csrf_token": token, **DETAILS, "action": "continue"})
    assert response.status_code == 200
    assert tr(app, lang, "Online ordering isn't available for this store yet") in text(response)
    assert client.get(f"{base}/checkout/code").status_code == 303
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0
    assert cart_items(app, client, HONEY) == {SKU[HONEY]: 2}


# -- the API key stays on the server ---------------------------------------------------------------
def test_api_key_never_leaves_the_server(app, sandbox, caplog, monkeypatch):
    clock = install_clock(monkeypatch, sandbox)
    caplog.set_level(logging.DEBUG)
    for name in ("storefront", "httpx", "httpcore", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    keys = {slug: app.extensions["api_keys"][slug] for slug in (FLORA, TIGRIS)}
    secrets = [part for key in keys.values() for part in (key, key.split(".", 1)[1])]
    serializer = app.session_interface.get_signing_serializer(app)
    seen: list[str] = []

    def recording(client):
        real_open = client.open

        def open_(*args, **kwargs):
            response = real_open(*args, **kwargs)
            for r in (*response.history, response):
                seen.append(r.get_data(as_text=True))
                seen.append(str(r.headers))
                for header in r.headers.getlist("Set-Cookie"):
                    name, _, rest = header.partition("=")
                    value = rest.split(";", 1)[0]
                    if name == "session" and value:
                        seen.append(json.dumps(serializer.loads(value), ensure_ascii=False, default=str))
            return response

        client.open = open_
        return client

    for slug, lang in ((FLORA, None), (FLORA, "en"), (TIGRIS, None), (TIGRIS, "ar")):
        sandbox.reset()
        clock.advance(25 * 3600)  # every code limit of the previous round has passed
        client = recording(app.test_client())
        base = url(slug, lang)
        add_to_cart(client, base, SKU[slug], "2")
        client.get(f"{base}/cart")
        fill_checkout(client, base, action="areas", area="")
        client.get(f"{base}/checkout/areas?province=BG")
        fill_checkout(client, base, phone="017123456")
        sandbox.faults.add("send_otp", "status", times=1, status=500)
        fill_checkout(client, base)
        sandbox.faults.add("send_otp", "status", times=1, status=403)
        fill_checkout(client, base)
        fill_checkout(client, base)
        client.get(f"{base}/checkout/code")
        resend_code(client, base)  # too soon
        code = sandbox.last_otp(PHONE)
        enter_code(client, base, "000000" if code != "000000" else "111111")
        sandbox.faults.add("order", "status", times=1, status=403)
        enter_code(client, base, code)
        sandbox.faults.add("order", "timeout_after", times=1)
        enter_code(client, base, code)
        confirmation = enter_code(client, base, code, follow_redirects=True)
        assert confirmation.status_code == 200
        client.get(f"{base}/checkout/code", follow_redirects=True)
        seen.append(json.dumps(session_of(app, client), ensure_ascii=False, default=str))
    assert len(sandbox.orders) == 1

    records = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert records  # the flow was logged…
    for secret in secrets:  # …but never the key
        assert secret not in records
        assert secret not in caplog.text
        for item in seen:
            assert secret not in item


# -- the Arabic pages speak Arabic --------------------------------------------------------------
ARABIC_MESSAGES = [
    *FIELDS.values(), SAVED, UNCONFIRMED, WRONG_CODE, WRONG_AREA,
    "Enter your full name.", "Enter your mobile number.", "Choose your governorate.", "Choose your area.",
    "Describe where to deliver: street, house, nearest landmark.", "Choose your area",
    "Choose your governorate", "Choose a governorate first", "Show areas for this governorate",
    "Send me a code", "Cash on delivery", "Enter your code", "Send a new code", "Code",
    "Place order — pay cash on delivery", "The code has 6 digits.", "Enter the code we sent you.",
    "Thank you! Your order is placed.", "Order number", "Message the store on WhatsApp",
    "Some products in your cart changed. Please check your cart and try again.",
    "Online ordering isn't available for this store yet", "Order on WhatsApp",
    "Your cart is empty.", "Removed from your cart.", "This product is out of stock.",
    "This product is no longer available.", "No longer available — it won't be included in your order.",
    "Out of stock — it won't be included in your order.", "Too many wrong codes. Ask for a new code.",
    "This is not a mobile number. Enter a mobile like 0770 123 4567.",
    "Enter an Iraqi mobile number (starting with 07 or +964 7).", "Enter a mobile number like 0770 123 4567.",
    "Online ordering is unavailable right now. Please contact the store on WhatsApp.",
    "Too many codes were sent to this number. Please try again later.", "We sent you a new code.",
]


def test_shopper_messages_are_translated_to_arabic(app):
    untranslated = [m for m in ARABIC_MESSAGES if tr(app, "ar", m) == m]
    assert untranslated == []
    for message, names in (
        ("Added to your cart: %(name)s", ("name",)),
        ("Choose a quantity from 1 to %(max)d.", ()),
        ("Your cart is full (%(max)d different products). Remove something first.", ()),
        ("We sent a 6-digit code by SMS or WhatsApp to %(phone)s.", ("phone",)),
        ("Order reference: %(ref)s", ("ref",)),
        ("You can ask for a new code in %(time)s.", ("time",)),
        ("Demo store: no SMS is sent. Your code is %(code)s.", ("code",)),
        ("Please wait before asking for another code. You can ask again %(when)s.", ("when",)),
        ("Too many codes were sent to this number. Try again %(when)s.", ("when",)),
        ("Too many codes were requested from this connection. Try again %(when)s.", ("when",)),
        ("Hello %(store)s, about my order %(order)s", ("store", "order")),
    ):
        params = {"max": 20} if "%(max)d" in message else {}
        if names:
            assert tr_parts(app, "ar", message, *names) != tr_parts(app, "en", message, *names), message
        else:
            assert tr(app, "ar", message, **params) != tr(app, "en", message, **params), message

"""Placing the order: once, whatever the shopper clicks (double submits, concurrent clicks,
refresh and back), the confirmation, Sendy's refusals and failures, and a lost answer retried safely."""

from __future__ import annotations

import re
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, PHONE, TIGRIS
from helpers.checkout import (
    DETAILS,
    FLORA_LANGS,
    KARRADA,
    LANGS,
    ORDER_PATH,
    PRICE,
    SEND_OTP_PATH,
    SKU,
    TWO_LANGS,
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
    update_cart,
    url,
)
from helpers.messages import MAYBE_PLACED, SAVED, UNCONFIRMED, WRONG_AREA
from helpers.pages import alert, field_errors, flashes, input_value, iqd, select_options, steps, text, tr
from helpers.servers import at_once

from storefront.sendy.sandbox import Sandbox
from storefront.services import caches, catalog

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# -- placing the order -------------------------------------------------------------------------------
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


ORDER_FAULTS = [
    pytest.param({"kind": "status", "status": 500}, SAVED, id="500"),
    pytest.param({"kind": "status", "status": 503}, SAVED, id="503"),
    pytest.param({"kind": "connect"}, SAVED, id="connect"),
    pytest.param({"kind": "timeout"}, UNCONFIRMED, id="timeout"),
    pytest.param({"kind": "malformed"}, UNCONFIRMED, id="malformed"),  # a 200 Sendy may have acted on
]


# -- Sendy's answers, mapped for the shopper ---------------------------------------------------------
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
    assert sendy_calls(sandbox, ORDER_PATH) == 1  # Sendy was asked for the externalRef: found, not sent again
    assert len(sandbox.orders) == 1
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
    sandbox.faults.add("order", "timeout", times=1)  # no answer (and, as Sendy will say, no order)
    enter_code(client, base, code)
    fill_checkout(client, base, name="Another Name")  # even after editing the details
    enter_code(client, base, code)

    assert len(refs) == 2 and refs[0] == refs[1]
    assert ("GET", "/api/v1/store/integrations/orders") in sandbox.requests  # asked first
    assert len(sandbox.orders) == 1


# -- a failure is a banner above the form; an order that may exist is one notice (#11) ---------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_a_sendy_failure_is_a_banner_above_the_form(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "status", times=1, status=500)

    response = enter_code(client, base, code)

    assert response.status_code == 400
    html = text(response)
    message = tr(app, lang, SAVED)
    assert alert(response) == message
    assert html.index(message) < html.index('name="code"')
    assert field_errors(response) == {}
    # a wrong code is still the code field's own error
    wrong = enter_code(client, base, "000000" if code != "000000" else "111111")
    assert alert(wrong) == ""
    assert field_errors(wrong) == {"code": tr(app, lang, "That code is wrong or has expired. Check it, "
                                                     "or ask for a new code.")}


@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_an_order_that_may_exist_is_one_notice_with_whatsapp_first(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout", times=1)  # no answer: the order may exist

    retry = text(enter_code(client, base, code))

    assert retry.count('role="alert"') == 1
    assert 'value="resend"' not in retry and 'value="restart"' not in retry  # no second code, no new order
    wa = retry.index('class="button wa" href="https://wa.me/')
    assert wa < retry.index('name="code"')  # WhatsApp first; the same code again is safe, below it
    assert 'value="verify">' in retry  # not the main button any more

    spent = enter_code(client, base, "000000" if code != "000000" else "111111")  # the code is no good now

    html = text(spent)
    assert spent.status_code == 400
    assert html.count('role="alert"') == 1
    assert alert(spent) == tr(app, lang, MAYBE_PLACED)
    assert tr(app, lang, "Your order may already be placed") in re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert 'name="code"' not in html and 'value="resend"' not in html
    notice = html[html.index('role="alert"'):]
    assert notice.index('class="button wa"') < notice.index('value="restart"')
    assert re.search(r'<button type="submit" name="action" value="restart" formnovalidate>', notice)  # secondary
    assert field_errors(spent) == {}
    assert sandbox.orders == []


def test_the_confirmation_keeps_the_subtotal_honest(app, client, sandbox):
    page = place_order(client, sandbox, url(FLORA, "en"), ROSES)

    html = text(page)
    assert steps(page)[2] == (tr(app, "en", "Done"), True)
    assert iqd(35_000, "en") in html
    assert "Total to pay on delivery" not in html  # the sandbox sent no delivery fee
    assert "The store confirms the delivery fee, if there is one." in html


def test_a_dash_in_a_product_name_is_not_taken_for_a_choice(app, client, sandbox):

    products = sandbox.state.stores[FLORA].storefront["products"]
    next(p for p in products if p["sku"] == ROSES)["name"] = "Honey — 1 kg"
    with app.app_context():
        caches.forget_store(FLORA)

    page = text(place_order(client, sandbox, url(FLORA, "en"), ROSES))

    assert "<bdi>Honey — 1 kg</bdi>\xa0×\xa01</span>" in page  # one name, no option line split off it


def _lost_answer(client, sandbox, base, fault="timeout_after"):
    """Check out roses ×1; no answer comes (timeout_after: Sendy created the order; timeout: it did not)."""
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", fault, times=1)
    assert enter_code(client, base, code).status_code == 400
    return code


# -- after a lost answer: the retry stays possible, and shows what it will send ----------------------
def test_a_retry_after_a_lost_answer_is_not_blocked_by_an_emptied_cart(app, client, sandbox):
    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base)
    update_cart(client, base, ROSES, action="remove")  # or it sold out: the cart is empty now

    response = enter_code(client, base, code)  # the same code again, as the notice says

    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    assert len(sandbox.orders) == 1 and sandbox.orders[0]["request"]["items"] == [{"sku": ROSES, "quantity": 1}]


def test_the_code_page_after_a_lost_answer_sums_up_what_was_sent(app, client, sandbox):
    base = url(FLORA, "en")
    _lost_answer(client, sandbox, base)
    add_to_cart(client, base, SUNFLOWERS, "3")  # another tab

    page = text(client.get(f"{base}/checkout/code"))

    summary = page[page.index('<div class="summary">'):]
    assert iqd(35000, "en") in summary and iqd(35000 + 3 * 30000, "en") not in summary
    assert "FLR-SUNF" not in summary and summary.count('<li class="row">') == 1


def test_a_spent_code_stays_final_after_a_reload(app, client, sandbox):
    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base, "timeout")
    enter_code(client, base, "000000" if code != "000000" else "111111")  # refused: most likely used

    page = client.get(f"{base}/checkout/code")

    assert alert(page) == tr(app, "en", MAYBE_PLACED)
    assert 'name="code"' not in text(page) and 'value="restart"' in text(page)


def test_a_second_click_waiting_on_a_lost_answer_still_offers_the_safe_retry(app, client, sandbox):
    """The other request's answer was lost while this one waited: not 'only the store can tell'."""
    import threading

    from helpers.checkout import session_of

    from storefront.runtime.state import state

    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base)
    ref = session_of(app, client)["checkout"][FLORA]["ref"]
    with app.app_context():
        store = state()
    assert store.add(f"placing:{ref}", "another request", 45)  # a click still in flight
    threading.Timer(0.3, lambda: store.delete(f"placing:{ref}")).start()  # then its answer is lost

    page = text(enter_code(client, base, code))

    assert 'name="code"' in page and 'value="restart"' not in page  # the same code again stays on offer
    assert sandbox.orders and len(sandbox.orders) == 1


# -- after "may be placed": no new code, and only what Sendy has is confirmed ------------------------
def test_after_maybe_placed_a_crafted_resend_sends_no_new_code(app: Flask, client: FlaskClient,
                                                              sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)  # placed, but the answer is lost
    enter_code(client, base, code)
    sends = sendy_calls(sandbox, SEND_OTP_PATH)
    response = resend_code(client, base)  # the notice hides the button; the form field is forged
    assert response.status_code in (409, 400)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == sends
    assert len(sandbox.orders) == 1


def test_a_retry_after_maybe_placed_confirms_only_what_sendy_has(app: Flask, client: FlaskClient,
                                                                 sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)
    first = enter_code(client, base, code)
    assert first.status_code == 400 and alert(first)
    add_to_cart(client, base, SUNFLOWERS, "3")  # another tab, while the notice is up

    retry = enter_code(client, base, code)  # "the same code again is safe"

    assert sendy_calls(sandbox, ORDER_PATH) >= 1 and len(sandbox.orders) == 1
    assert sandbox.orders[0]["request"]["items"] == [{"sku": ROSES, "quantity": 1}]
    shown = text(client.get(retry.headers["Location"])) if retry.status_code == 303 else text(retry)
    confirmation = shown[shown.index("<main"):shown.index("</main>")]
    # the shopper is told only what Sendy will deliver, and keeps the products that were not sent
    assert "باقة دوّار الشمس" not in confirmation and "باقة 12" in confirmation
    assert cart_items(app, client, FLORA) == {SUNFLOWERS: 3}


# -- one checkout, one order request, whatever arrives at once ---------------------------------------
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


@pytest.mark.slow
def test_page_traffic_never_evicts_what_the_checkout_keeps(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    for i in range(2_100):  # distinct made-up categories: 404s, nothing cached
        assert client.get(f"/{FLORA}/?category=c{i}").status_code == 404
    assert len(app.extensions["page_cache"].pages._cache) <= 2
    assert enter_code(client, base, sandbox.last_otp(PHONE)).status_code == 303
    assert len(sandbox.orders) == 1

"""The checkout as a whole: the step indicator, WhatsApp beside the forms and for stores without a
key (or whose key Sendy refuses), the API key never leaving the server, and Arabic messages.

Its steps have their own modules: test_checkout_details.py (the delivery form),
test_checkout_code.py (the code page) and test_checkout_place.py (placing the order once).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.app import FLORA, HONEY, PHONE, TIGRIS
from helpers.checkout import (
    DETAILS,
    FLORA_LANGS,
    PRICE,
    SEND_OTP_PATH,
    SKU,
    add_to_cart,
    cart_items,
    csrf_token,
    enter_code,
    fill_checkout,
    resend_code,
    sendy_calls,
    session_of,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.messages import FIELDS, SAVED, UNCONFIRMED, WRONG_AREA, WRONG_CODE
from helpers.pages import flashes, iqd, steps, text, tr, tr_parts

from storefront.services import catalog

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


# -- Sendy refusing the store's key -------------------------------------------------------------
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
    if lang == "en":  # the Arabic store's product name isolated in the English text (issue 22)
        honey_name = f"\u2068{honey_name}\u2069"
    message = parse_qs(urlsplit(cart_link).query)["text"][0]
    assert f"2 × {honey_name} — {iqd(2 * PRICE[HONEY], lang)}" in message.splitlines()
    # the subtotal, then the demo store's flat delivery fee and the total to pay (tests/test_shipping.py)
    assert f"/{HONEY}/" in message and iqd(2 * PRICE[HONEY], lang) in message.splitlines()[-3]
    assert iqd(2 * PRICE[HONEY] + 5000, lang) in message.splitlines()[-1]

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
@pytest.mark.slow
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


def _labels(app, lang: str) -> list[str]:
    return [tr(app, lang, label) for label in ("Delivery", "Verify", "Done")]


def _honey_sku(client) -> str:
    return re.search(r'href="/erbil-honey/p/([^"?]+)"', text(client.get("/erbil-honey/"))).group(1)  # type: ignore[union-attr]


# -- where the shopper is, and WhatsApp beside the forms (#11) ---------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_each_step_marks_where_the_shopper_is(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    labels = _labels(app, lang)
    add_to_cart(client, base, ROSES)

    details = client.get(f"{base}/checkout")
    start_checkout(client, base, SUNFLOWERS)
    code = client.get(f"{base}/checkout/code")
    done = client.get(enter_code(client, base, sandbox.last_otp(PHONE)).headers["Location"])

    for page, current in ((details, 0), (code, 1), (done, 2)):
        assert page.status_code == 200
        assert steps(page) == [(label, i == current) for i, label in enumerate(labels)]


def test_whatsapp_moves_into_the_header_while_the_shopper_types(client):
    """No button floats over the form on the checkout steps (nor anywhere, issue 22); WhatsApp is in the
    (sticky) header instead."""
    base = url(FLORA)
    add_to_cart(client, base, ROSES, "1")
    cart = text(client.get(f"{base}/cart"))
    assert 'class="wa-float"' not in cart and 'class="ico wa-ico"' in cart
    details = text(client.get(f"{base}/checkout"))
    code = text(client.get(start_checkout(client, base, ROSES).headers["Location"]))
    for page in (cart, details, code):
        assert 'class="wa-float"' not in page
        assert re.search(r'<a class="ico wa-ico" href="https://wa\.me/\d+', page)


def test_a_store_ordering_on_whatsapp_shows_one_whatsapp_button_on_the_cart(client):
    base = url("erbil-honey")
    page = text(client.get(f"/erbil-honey/p/{_honey_sku(client)}"))
    assert 'class="ico wa-ico"' in page  # on the catalog, as everywhere: in the header
    add_to_cart(client, base, _honey_sku(client), "1")
    cart = text(client.get(f"{base}/cart"))
    assert cart.count('class="button wa"') == 1 and 'class="wa-float"' not in cart

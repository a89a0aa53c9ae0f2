"""Driving the storefront like a browser, and counting what Sendy received.

Forms are loaded first and their CSRF token is posted back; the add-to-cart form (on cacheable
product pages) carries no token but the browser's same-origin ``Origin`` header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.sendy.sandbox import Sandbox

from .app import FLORA, HONEY, PHONE, TIGRIS
from .pages import badge, text

ORIGIN = "http://localhost"
ORDER_PATH = "/api/v1/store/integrations/orders/storefront"
SEND_OTP_PATH = "/api/v1/store/integrations/orders/send-otp"

#: Karrada, Baghdad (BG) and Ashar, Basra (BA) from the sandbox's address reference.
KARRADA = "05816229-b7ca-5be1-9515-28ae95d5052f"

#: What a shopper types on the delivery form (the phone written the way people write it).
DETAILS = {
    "name": "زينب علي",
    "phone": "0770 123 4567",
    "province": "BG",
    "area": KARRADA,
    "address": "شارع ٥٢، قرب جامع الكرادة",
    "notes": "بطاقة: عيد ميلاد سعيد",
}

#: A product in stock, and its price, in each demo store the checkout tests order from.
SKU = {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CHG-20W", HONEY: "EHN-NUT-MIX"}
PRICE = {FLORA: 35000, TIGRIS: 15000, HONEY: 20000}
#: (store, language prefix in the URL, language of the page) of the checkout in every language of two stores.
LANGS = [
    pytest.param(FLORA, None, "ar", id="flora-ar"),
    pytest.param(FLORA, "en", "en", id="flora-en"),
    pytest.param(TIGRIS, None, "en", id="tigris-en"),
    pytest.param(TIGRIS, "ar", "ar", id="tigris-ar"),
]
#: The same, each store in its own language only.
TWO_LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(TIGRIS, None, "en", id="en")]
#: The Arabic-first store in both its languages.
FLORA_LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(FLORA, "en", "en", id="en")]

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def url(slug: str, lang: str | None = None) -> str:
    """The URL prefix of a store's pages in one language (None: the store's own)."""
    return f"/{slug}" + (f"/{lang}" if lang else "")


# -- forms ----------------------------------------------------------------------------------
def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on a page, as a browser would submit it."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit(client: FlaskClient, page: str, action: str, data: dict[str, str], **kwargs):
    """Load ``page``, take its CSRF token, and POST ``data`` to ``action``."""
    token = csrf_token(client, page)
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)


# -- the session as the server reads it ---------------------------------------------------
def session_of(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """The decoded session cookie of a client (empty when it has none)."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def cart_items(app: Flask, client: FlaskClient, slug: str) -> dict[str, int]:
    """SKU → quantity of the store's cart in the client's session."""
    return {sku: qty for sku, qty in session_of(app, client).get("cart", {}).get(slug, [])}


def cart_badge(client: FlaskClient, base: str) -> str:
    """The header badge on the cart page (what the shopper sees)."""
    return badge(client.get(f"{base}/cart"))


# -- driving the flow -----------------------------------------------------------------------
def add_to_cart(client: FlaskClient, base: str, sku: str, quantity: str = "1",
                *, origin: str | None = ORIGIN, **kwargs: Any):
    """Press "Add to cart" on a product page (no CSRF token; the browser sends Origin)."""
    headers = {"Origin": origin} if origin else {}
    headers.update(kwargs.pop("headers", {}))
    return client.post(f"{base}/cart/add", data={"sku": sku, "quantity": quantity},
                       headers=headers, **kwargs)


def update_cart(client: FlaskClient, base: str, sku: str, quantity: str = "", action: str = "update",
                line: str = "", **kwargs: Any):
    """Press "Update" (Enter in the field), "−" (``dec``), "+" (``inc``) or "Remove" on a cart line."""
    data = {"sku": sku, "action": action, **({"line": line} if line else {})}
    if action == "update":
        data["quantity"] = quantity
    return submit(client, f"{base}/cart", f"{base}/cart/update", data, **kwargs)


def fill_checkout(client: FlaskClient, base: str, action: str = "continue",
                  environ_base: dict[str, str] | None = None, **changes: str):
    """Fill the delivery form (``DETAILS`` with ``changes``) and press a button."""
    data = {**DETAILS, **changes, "action": action}
    extra = {"environ_base": environ_base} if environ_base else {}
    return submit(client, f"{base}/checkout", f"{base}/checkout", data, **extra)


def enter_code(client: FlaskClient, base: str, code: str, **kwargs: Any):
    """Type a code on the code page and press "Place order"."""
    return submit(client, f"{base}/checkout/code", f"{base}/checkout/code",
                  {"action": "verify", "code": code}, **kwargs)


def resend_code(client: FlaskClient, base: str, **kwargs: Any):
    """Press "Send a new code" on the code page."""
    return submit(client, f"{base}/checkout/code", f"{base}/checkout/code", {"action": "resend"}, **kwargs)


def start_checkout(client: FlaskClient, base: str, sku: str, quantity: str = "1", **changes: str):
    """Add a product, fill the delivery form and get a code sent; the code page's response."""
    add_to_cart(client, base, sku, quantity)
    response = fill_checkout(client, base, **changes)
    assert response.status_code == 303, text(response)
    assert response.headers["Location"].endswith("/checkout/code")
    return response


def place_order(client: FlaskClient, sandbox: Sandbox, base: str, sku: str, quantity: str = "1",
                phone: str = PHONE, **changes: str):
    """The whole checkout: cart, details, the code from the sandbox; the confirmation page."""
    start_checkout(client, base, sku, quantity, **changes)
    code = sandbox.last_otp(phone)
    assert code
    response = enter_code(client, base, code)
    assert response.status_code == 303, text(response)
    assert "/orders/" in response.headers["Location"]
    return client.get(response.headers["Location"])


# -- what Sendy received --------------------------------------------------------------------
def sendy_calls(sandbox: Sandbox, path: str) -> int:
    """How many POSTs to one Sendy route the sandbox received."""
    return sum(1 for method, p in sandbox.requests if method == "POST" and p == path)


def orders_by_ref(sandbox: Sandbox) -> dict[str, list[Mapping[str, Any]]]:
    """externalRef → the orders Sendy recorded with it."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for order in sandbox.orders:
        found.setdefault(str(order["request"].get("externalRef")), []).append(order)
    return found

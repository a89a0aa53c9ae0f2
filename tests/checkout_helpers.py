"""Helpers shared by the cart, checkout, phone and code-limit tests.

They drive the storefront like a browser: forms are loaded first and their CSRF token is
posted back; the add-to-cart form (on cacheable product pages) carries no token but the
browser's same-origin ``Origin`` header.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from conftest import PHONE, current_clock, share_compiled_templates, submit  # noqa: F401 - re-exported
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from storefront.runtime.clock import Clock
from storefront.sendy.sandbox import Sandbox

ORIGIN = "http://localhost"
ORDER_PATH = "/api/v1/store/integrations/orders/storefront"
SEND_OTP_PATH = "/api/v1/store/integrations/orders/send-otp"

#: Karrada, Baghdad (BG) and Ashar, Basra (BA) from the sandbox's address reference.
KARRADA = "05816229-b7ca-5be1-9515-28ae95d5052f"
BABEL_LOCALES = {"ar": "ar_IQ", "en": "en"}

#: What a shopper types on the delivery form (the phone written the way people write it).
DETAILS = {
    "name": "زينب علي",
    "phone": "0770 123 4567",
    "province": "BG",
    "area": KARRADA,
    "address": "شارع ٥٢، قرب جامع الكرادة",
    "notes": "بطاقة: عيد ميلاد سعيد",
}

_ERR = re.compile(r'<p class="err" id="([\w-]+)-err">(.*?)</p>', re.S)
_FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)
_ALERT = re.compile(r'role="alert">\s*<p[^>]*>(.*?)</p>', re.S)
_BADGE = re.compile(r'class="cart-link"[^>]*>.*?<span class="badge">(.*?)</span>', re.S)
_OPTION = re.compile(r'<option([^>]*)value="([^"]*)"([^>]*)>(.*?)</option>', re.S)


def url(slug: str, lang: str | None = None) -> str:
    """The URL prefix of a store's pages in one language (None: the store's own)."""
    return f"/{slug}" + (f"/{lang}" if lang else "")


# -- what the shopper sees ------------------------------------------------------------------
def text(response: Any) -> str:
    """The page's HTML with entities decoded (``couldn&#39;t`` → ``couldn't``)."""
    return html.unescape(response.get_data(as_text=True))


def tr(app: Flask, lang: str, message: str, **params: Any) -> str:
    """``message`` as the storefront shows it in ``lang`` (through its own catalogs)."""
    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        return gettext(message, **params)


def tr_parts(app: Flask, lang: str, message: str, *names: str) -> list[str]:
    """The fixed parts of a translated message whose ``names`` parameters vary."""
    marker = "\x00"
    translated = tr(app, lang, message, **{name: marker for name in names})
    return [part.strip() for part in translated.split(marker) if part.strip()]


def shows(response: Any, app: Flask, lang: str, message: str, *varying: str, **params: Any) -> bool:
    """Whether the page shows ``message`` in ``lang`` (parts only when some params vary)."""
    page = text(response)
    if varying:
        return all(part in page for part in tr_parts(app, lang, message, *varying))
    return tr(app, lang, message, **params) in page


def field_errors(response: Any) -> dict[str, str]:
    """Field id → the error shown under it."""
    return {m.group(1): html.unescape(m.group(2)) for m in _ERR.finditer(response.get_data(as_text=True))}


def flashes(response: Any) -> list[tuple[str, str]]:
    """(category, message) of each flashed message on the page."""
    return [(m.group(1), html.unescape(m.group(2))) for m in _FLASH.finditer(response.get_data(as_text=True))]


def alert(response: Any) -> str:
    """The message of the banner (or the one notice) above the form, "" when there is none."""
    match = _ALERT.search(response.get_data(as_text=True))
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


def badge(response: Any) -> str:
    """The cart badge in the header, e.g. ``3 items``."""
    match = _BADGE.search(response.get_data(as_text=True))
    assert match, "no cart badge in the header"
    return html.unescape(match.group(1))


def select_options(page_html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the ``<select name=...>``."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page_html, re.S)
    assert match, f"no select {name!r}"
    return [(m.group(2), html.unescape(m.group(4)), "selected" in m.group(1) + m.group(3))
            for m in _OPTION.finditer(match.group(1))]


def input_value(page_html: str, name: str) -> str | None:
    """The value of an ``<input name=...>`` or the text of a ``<textarea name=...>``."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page_html)
    if tag:
        value = re.search(r'value="([^"]*)"', tag.group(0))
        return html.unescape(value.group(1)) if value else ""
    area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page_html, re.S)
    return html.unescape(area.group(1)).strip("\r\n") if area else None


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


def sendy_calls(sandbox: Sandbox, path: str) -> int:
    """How many POSTs to one Sendy route the sandbox received."""
    return sum(1 for method, p in sandbox.requests if method == "POST" and p == path)


# -- time control for the code limits --------------------------------------------------------
def install_clock(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Clock:
    """Jump ahead in time without sleeping: the apps' injected clock (code limits, code expiry), the
    limits library's memory storage (it reads ``time`` itself) and Sendy's own clock."""
    clock = current_clock()
    monkeypatch.setattr("limits.storage.memory.time", clock)
    monkeypatch.setattr(sandbox, "clock", clock.time)
    return clock


def ntr(app: Flask, lang: str, singular: str, plural: str, num: int) -> str:
    """A plural message as the storefront shows it in ``lang``."""
    from flask_babel import ngettext

    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        return ngettext(singular, plural, num)


_FORMAT_APP = Flask("formatting")


def iqd(amount: int, lang: str) -> str:
    """An IQD amount as the page shows it in ``lang`` (the app's own ``money`` filter)."""
    from flask import g

    from storefront.web.templating import money

    with _FORMAT_APP.app_context():
        g.lang = lang
        return money(amount)



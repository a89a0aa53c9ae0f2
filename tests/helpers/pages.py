"""Reading what the shopper sees: the page's text in their language, its errors, flashes, badge
and form values; and whether a page is sane ("never a 500, never a traceback", whatever Sendy did).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from storefront.web.i18n import LOCALES

BABEL_LOCALES = {"ar": "ar_IQ", "en": "en"}
#: Browsers asking for a language.
EN = {"Accept-Language": "en"}
AR = {"Accept-Language": "ar"}
#: Hostile text: closes an attribute and opens a script.
SCRIPT = '"><script>alert(1)</script>'
#: What a crash would leak into a page: Python's traceback and Werkzeug's debugger.
CRASH_MARKERS = ("Traceback (most recent call last)", "Traceback", "werkzeug.debug", "__debugger__")

_ERR = re.compile(r'<p class="err" id="([\w-]+)-err">(.*?)</p>', re.S)
_FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)
_ALERT = re.compile(r'role="alert">\s*<p[^>]*>(.*?)</p>', re.S)
_BADGE = re.compile(r'class="cart-link"[^>]*>.*?<span class="badge">(.*?)</span>', re.S)
_OPTION = re.compile(r'<option([^>]*)value="([^"]*)"([^>]*)>(.*?)</option>', re.S)
_STEPS = re.compile(r'<ol class="steps"[^>]*>(.*?)</ol>', re.S)
_STEP = re.compile(r"<li([^>]*)>(.*?)</li>", re.S)


# -- the page -------------------------------------------------------------------------------
def body_of(response: Any) -> str:
    """The body of a Flask test response or an httpx response, as text."""
    if hasattr(response, "get_data"):
        return response.get_data(as_text=True)
    return response.text


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    """GET a page, check its status, and return its HTML."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def text(response: Any) -> str:
    """The page's HTML with entities decoded (``couldn&#39;t`` → ``couldn't``)."""
    return html.unescape(response.get_data(as_text=True))


def card_skus(body: str) -> list[str]:
    """The SKUs of the product cards on a listing, in order."""
    return re.findall(r'<li class="card">\s*<a href="[^"]*/p/([^"]+)"', body)


def anchors(page: str) -> list[tuple[str, str]]:
    """(attributes, inner HTML) of every link."""
    return re.findall(r"<a\b([^>]*)>(.*?)</a>", page, re.S)


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def brand(page: str) -> str:
    """The text of the header's brand link."""
    match = re.search(r'<a class="brand" href="[^"]*">(.*?)</a>', page, re.S)
    assert match, "no brand link in the header"
    return visible(match.group(1))


def browser_host(href: str, page_url: str = "http://localhost/x/y") -> str:
    """The host a browser goes to when following ``href`` on ``page_url`` (WHATWG: tabs and newlines
    removed, ``\\`` read as ``/`` in http(s) URLs)."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("\x00 ").replace("\\", "/")
    target = urlsplit(urljoin(page_url, cleaned))
    assert target.scheme in ("http", "https"), href
    return target.netloc


def page_lang(response: Any) -> str | None:
    """The language the page says it is in (from ``<html lang=...>``)."""
    body = body_of(response)
    for code, locale in LOCALES.items():
        if f'<html lang="{locale.tag}"' in body:
            return code
    return None


def assert_sane(response: Any, where: str = "") -> None:
    """Never a 500 and never a traceback, whatever Sendy did."""
    status = response.status_code
    body = body_of(response)
    assert status != 500, f"{where}: 500 from the storefront\n{body[:800]}"
    for marker in CRASH_MARKERS:
        assert marker not in body, f"{where}: {marker!r} leaked into the page ({status})"


# -- messages in the shopper's language -------------------------------------------------------
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


# -- forms, banners and the header --------------------------------------------------------------
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


def steps(response) -> list[tuple[str, bool]]:
    """(label, is the current step) of each step of the checkout's indicator."""
    match = _STEPS.search(text(response))
    assert match, "no step indicator"
    return [(re.sub(r"<span[^>]*>.*?</span>", "", label).strip(), 'aria-current="step"' in attrs)
            for attrs, label in _STEP.findall(match.group(1))]


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

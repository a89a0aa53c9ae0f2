"""Presentation helpers shared by every template: money, text, links and SEO URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urljoin

from babel.numbers import format_currency, format_decimal
from flask import Flask, g, request, url_for
from markupsafe import Markup, escape

from storefront.hosts import canonical
from storefront.i18n import LOCALES, current_locale

_BLANK_LINES = re.compile(r"\n\s*\n")
_CURRENCY_SPACING = re.compile(r"([A-Za-z])(\d)")


def money(amount: int | None) -> str:
    """IQD in the page's locale, through Babel (never a float, never a hand-made symbol)."""
    if amount is None:
        return ""
    text = format_currency(amount, "IQD", locale=current_locale().babel)
    return _CURRENCY_SPACING.sub("\\1\u00a0\\2", text)  # CLDR currencySpacing: "IQD 25,000"


def number(value: int) -> str:
    """A whole number in the page's locale."""
    return format_decimal(value, locale=current_locale().babel)


def paragraphs(text: str | None) -> Markup:
    """Merchant plain text as escaped paragraphs, single line breaks kept."""
    blocks = [b.strip() for b in _BLANK_LINES.split((text or "").replace("\r\n", "\n"))]
    html = (Markup("<p>{}</p>").format(Markup("<br>").join(escape(b).split("\n")))
            for b in blocks if b)
    return Markup("\n").join(html)


def absolute(url: str | None) -> str:
    """An absolute, canonical URL for link previews, sitemaps and structured data."""
    url = url or ""
    return canonical(url) if url.startswith("/") and not url.startswith("//") else urljoin(request.host_url, url)


def whatsapp_url(phone: str, text: str = "") -> str:
    """A click-to-chat link for a 9647… number, optionally with a prefilled message."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")


def page_url(lang: str | None = None, **changes: Any) -> str:
    """The current page's URL in another language (or with other view arguments)."""
    args = {**(request.view_args or {}), **changes}
    if lang is not None:
        args["lang"] = lang
    return url_for(request.endpoint or "site.index", **args)


def alternates() -> dict[str, str]:
    """Absolute URLs of this page in every language, plus x-default (the store's own)."""
    urls = {code: absolute(page_url(code)) for code in LOCALES}
    store = g.get("store")
    urls["x-default"] = urls[store.language if store else "ar"]
    return urls


def merchant_text() -> Markup:
    """lang/dir attributes for the store's own text when the page is in the other language."""
    store = g.get("store")
    if store is None or store.language == current_locale().code:
        return Markup("")
    return Markup(' lang="{}" dir="auto"').format(LOCALES[store.language].tag)


def phone(value: str) -> str:
    """A 9647… number as people write it: +964 770 123 4567."""
    from storefront.services.phone import display_phone

    try:
        return display_phone(value)
    except Exception:  # a malformed merchant number is shown as given
        return f"+{value}"


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(paragraphs)
    app.add_template_filter(absolute)
    app.add_template_filter(phone)
    app.add_template_global(merchant_text)
    app.add_template_global(whatsapp_url)
    app.add_template_global(page_url)
    app.add_template_global(alternates)
    app.add_template_global(current_locale)
    app.jinja_env.globals["locales"] = LOCALES

"""Presentation helpers shared by every template: money, text, links and SEO URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urljoin

from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask, g, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from storefront.sendy.models import Product, Store
from storefront.services import shipping
from storefront.services.cart import CartLine
from storefront.services.shipping import Delivery
from storefront.web.i18n import LOCALES, current_locale
from storefront.wsgi.hosts import canonical

_BLANK_LINES = re.compile(r"\n\s*\n")
_CURRENCY_SPACING = re.compile(r"([A-Za-z])(\d)")
_ASCII_DIGITS = frozenset("0123456789")


def money(amount: int | None) -> str:
    """IQD in the page's locale, through Babel (never a float, never a hand-made symbol)."""
    if amount is None:
        return ""
    return _money(amount, current_locale().babel)


#: Kurdish (Sorani) prices in Arabic's order, amount then currency ("25,000 د.ع."): CLDR puts ckb's
#: symbol first, which Iraqi shoppers reading both languages on one store find reversed.
_PATTERNS = {"ckb_IQ": "\u200f#,##0.00\u00a0¤;\u200f-#,##0.00\u00a0¤"}


@lru_cache(maxsize=4096)
def _money(amount: int, locale: str) -> str:
    """Babel's formatting is slow (about 80 µs): a listing page shows dozens of prices, mostly the same."""
    text = format_currency(amount, "IQD", format=_PATTERNS.get(locale), locale=locale)
    return _CURRENCY_SPACING.sub("\\1\u00a0\\2", text)  # CLDR currencySpacing: "IQD 25,000"


def number(value: int) -> str:
    """A whole number in the page's locale."""
    return format_decimal(value, locale=current_locale().babel)


def percent_off(price: int, compare_at: int) -> str:
    """A sale's discount as a badge, e.g. "−25%" (a true minus sign), in the page's locale."""
    share = round((compare_at - price) * 100 / compare_at) / 100 if compare_at else 0
    return "\u2212" + format_percent(share, locale=current_locale().babel)


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
    """A click-to-chat link for a 9647… number, with an optional plain-text message URL-encoded once."""
    if isinstance(text, Markup):  # HTML-escaped text would reach the chat as &amp; and &#34;
        text = text.unescape()
    digits = "".join(ch for ch in phone if ch in _ASCII_DIGITS)
    return f"https://wa.me/{digits}" + (f"?text={quote(text, safe='')}" if text else "")


# WhatsApp messages are plain text: built here with gettext (which does not HTML-escape, unlike
# the templates' ``_``), URL-encoded once by whatsapp_url, then escaped once as an href by Jinja.
def whatsapp_hello(store: Store) -> str:
    """A link to greet the store on WhatsApp."""
    return whatsapp_url(store.whatsapp_phone, _("Hello %(store)s", store=store.name))


def whatsapp_restock(store: Store, product: Product) -> str:
    """A link asking the store on WhatsApp whether an out-of-stock product is coming back."""
    text = _("Hello, is %(name)s (%(sku)s) coming back in stock?", name=isolated(product.name),
              sku=product.sku)
    return whatsapp_url(store.whatsapp_phone, text)


def whatsapp_cart(store: Store, lines: Iterable[CartLine], subtotal: int, delivery: Delivery | None = None) -> str:
    """A link sending the whole cart to the store on WhatsApp (stores without online orders): one line per
    product ("3 × name — price"), its link, then the subtotal, and the delivery fee and the total when the
    store's rules give them; the punctuation is the language's own."""
    parts = [_("Hello %(store)s, I would like to order:", store=store.name)]
    for line in lines:
        parts.append(_("%(quantity)s × %(name)s — %(price)s", quantity=number(line.quantity), name=isolated(line.name),
                       price=money(line.total)))
        if line.product is not None:
            parts.append(absolute(url_for("store.product", sku=line.product.sku,
                                          variant=line.variant.sku if line.variant else None)))
    if delivery is None or delivery.total is None:
        parts.append(_("Subtotal: %(total)s (plus delivery)", total=money(subtotal)))
    else:
        parts += [_("Subtotal: %(total)s", total=money(subtotal)),
                  _("Delivery: %(fee)s", fee=delivery_texts(delivery)[0]),
                  _("Total to pay on delivery: %(total)s", total=money(delivery.total))]
    return whatsapp_url(store.whatsapp_phone, "\n".join(parts))


def delivery_texts(d: Delivery) -> list[str]:
    """The delivery lines' texts: [fee, total, free-delivery nudge, note] ("" for a line not shown).

    The note says how the fee varies by governorate, or that the store confirms it (fee unknown).
    """
    if d.fee is not None:
        fee = _("Free") if d.fee == 0 else money(d.fee)
    else:
        fee = _("From %(price)s", price=money(d.low)) if d.low is not None else ""
    if d.fee is None and d.low is not None and d.high is not None:
        note = _("%(low)s to %(high)s, depending on the governorate.", low=money(d.low), high=money(d.high))
    else:
        note = "" if fee else _("The store confirms the delivery fee, if there is one.")
    nudge = _("Add %(amount)s more for free delivery.", amount=money(d.to_free)) if d.to_free else ""
    return [fee, money(d.total), nudge, note]


def delivery_table(store: Store, value: int) -> dict[str, Any] | None:
    """For checkout.js: the delivery texts of each governorate at this cart value ("" for none chosen),
    as {"p": {code: index}, "t": [texts, ...]} with each distinct set of texts once; None without rules."""
    if not store.shipping_rules:
        return None
    found = {"": shipping.delivery(store, value), **shipping.each_province(store, value)}
    table: list[list[str]] = []
    index: dict[str, int] = {}
    for code, d in found.items():
        texts = delivery_texts(d)
        if texts not in table:
            table.append(texts)
        index[code] = table.index(texts)
    return {"p": index, "t": table}


def whatsapp_order(store: Store, public_id: str, status_url: str = "") -> str:
    """A link to message the store on WhatsApp about a placed order (with its status link, if given)."""
    if status_url:  # the link on a line of its own, so no punctuation sticks to it
        text = _("Hello %(store)s, about my order %(order)s\n%(link)s", store=store.name, order=public_id,
                 link=status_url)
    else:
        text = _("Hello %(store)s, about my order %(order)s", store=store.name, order=public_id)
    return whatsapp_url(store.whatsapp_phone, text)


def whatsapp_unconfirmed(store: Store, ref: str) -> str:
    """A link asking the store on WhatsApp whether an unconfirmed order (short reference) arrived."""
    text = _("Hello %(store)s, did you receive my order %(ref)s?", store=store.name, ref=ref)
    return whatsapp_url(store.whatsapp_phone, text)


def page_url(lang: str | None = None, **changes: Any) -> str:
    """The current page's URL in another language (or with other view arguments).

    A view names the query arguments that belong to its canonical URL in ``g.page_args``
    (a listing's category and page number); any other query argument is left out.
    """
    args = {**(request.view_args or {}), **g.get("page_args", {}), **changes}
    if lang is not None:
        args["lang"] = lang
    return url_for(request.endpoint or "site.index", **args)


def alternates() -> dict[str, str]:
    """Absolute URLs of this page in every language, plus x-default (the store's own)."""
    urls = {code: absolute(page_url(code)) for code in LOCALES}
    store = g.get("store")
    urls["x-default"] = urls[store.language if store else "ar"]
    return urls


def isolated(text: str) -> str:
    """Merchant text inside a sentence of the page (a message, a WhatsApp text), between Unicode's
    first-strong isolate and its pop (FSI … PDI) when the store writes in the other direction: an
    Arabic product name "فستان — S / أحمر" in an English sentence then reads as one right-to-left
    unit instead of being split around its Latin "S"."""
    store = g.get("store")
    if not text or store is None or LOCALES[store.language].dir == current_locale().dir:
        return text
    return f"\u2068{text}\u2069"


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
    app.add_template_global(percent_off)
    app.add_template_global(whatsapp_url)
    for helper in (whatsapp_hello, whatsapp_restock, whatsapp_cart, whatsapp_order, whatsapp_unconfirmed,
                   delivery_texts, delivery_table):
        app.add_template_global(helper)
    app.add_template_global(page_url)
    app.add_template_global(alternates)
    app.add_template_global(current_locale)
    from storefront.web.theme import store_theme, theme_style

    app.add_template_global(store_theme)
    app.add_template_global(theme_style)
    app.jinja_env.globals["locales"] = LOCALES


def compile_templates(app: Flask) -> int:
    """Compile every template into the app's Jinja cache; how many.

    gunicorn's master calls it once the app is preloaded and before it forks (gunicorn.conf.py,
    ``when_ready``): every worker, a recycled one too, starts with the templates compiled, so no
    shopper's first page waits for them (about 300 ms of CPU for the store home on a 2-core machine).
    """
    names = app.jinja_env.list_templates(extensions=["html"])
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)

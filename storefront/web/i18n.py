"""Languages: the supported locales, locale selection and language-aware store URLs.

A store page has one URL per language: the store's default language has no prefix
(``/<slug>/faq``), the other carries it (``/<slug>/en/faq``). The shopper's choice is
remembered in a small, non-secret cookie set by the language switcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import localedata
from flask import Blueprint, Flask, g, request
from werkzeug.routing import BaseConverter

from storefront.sendy.models import LANGUAGES, language_code

LANG_COOKIE = "sf_lang"


@dataclass(frozen=True)
class Locale:
    """A language the storefront speaks."""

    code: str
    tag: str
    dir: str
    native_name: str
    babel: str


LOCALES = {
    "ar": Locale("ar", "ar-IQ", "rtl", "العربية", "ar_IQ"),
    "en": Locale("en", "en", "ltr", "English", "en"),
    # Central Kurdish (Sorani) in Arabic script, as read in the Kurdistan Region of Iraq.
    "ckb": Locale("ckb", "ckb", "rtl", "کوردی", "ckb_IQ"),
}
assert tuple(LOCALES) == LANGUAGES
DEFAULT_LANG = "ar"
#: Blueprints whose routes live under a store (``/<slug>/...``).
STORE_BLUEPRINTS = frozenset({"store", "cart", "checkout", "orders"})
#: Endpoints that have a URL per language (registered through ``store_route``).
LOCALIZED_ENDPOINTS: set[str] = set()


class LangConverter(BaseConverter):
    """Matches exactly one supported language code in a URL."""

    regex = "(?:" + "|".join(LOCALES) + ")"


def current_locale() -> Locale:
    """The locale of the current request: the page's language, else the shopper's."""
    lang = g.get("lang")
    if lang is None:
        lang = preferred_lang() or accepted_lang() or DEFAULT_LANG
        g.lang = lang
        g.negotiated_lang = True  # the page varies by Accept-Language and Cookie (views.common)
    return LOCALES[lang]


def select_locale() -> str:
    """Flask-Babel's locale selector: the page's language."""
    return current_locale().babel


def preferred_lang() -> str | None:
    """The language the shopper chose earlier, if any."""
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LOCALES else None


def accepted_lang() -> str | None:
    """The first language of the browser's Accept-Language we speak (``ckb-IQ``, ``ku`` → ``ckb``)."""
    for tag, quality in request.accept_languages:
        code = language_code(tag) if quality > 0 else None
        if code in LOCALES:
            return code
    return None


def store_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Register a store view at ``/<slug><rule>`` and ``/<slug>/<lang><rule>``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = options.pop("endpoint", view.__name__)
        LOCALIZED_ENDPOINTS.add(f"{bp.name}.{endpoint}")
        bp.add_url_rule(f"/<slug>{rule}", endpoint, view, **options)
        bp.add_url_rule(f"/<slug>/<lang:lang>{rule}", endpoint, view, **options)
        return view

    return decorator


def _pull_store_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "slug" not in values:
        return
    g.slug = values.pop("slug")
    g.url_lang = values.pop("lang", None)


def _add_store_values(endpoint: str, values: dict[str, Any]) -> None:
    slug = g.get("slug")
    if slug is None or endpoint.partition(".")[0] not in STORE_BLUEPRINTS:
        return
    values.setdefault("slug", slug)
    if values["slug"] != slug or endpoint not in LOCALIZED_ENDPOINTS:
        return
    lang = values.get("lang") or g.get("lang")
    store = g.get("store")
    if store is not None and lang == store.language:
        values.pop("lang", None)
    elif lang:
        values["lang"] = lang


#: CLDR has no relative times for ckb yet (Babel says "+5 min"): in Sorani, "after 5 minutes".
_CKB_RELATIVE = {
    "second": ("چرکە",), "minute": ("خولەک",), "hour": ("کاتژمێر",), "day": ("ڕۆژ",),
    "week": ("هەفتە",), "month": ("مانگ",), "year": ("ساڵ",),
}


def _complete_kurdish_cldr() -> None:
    """Give Babel's ckb data the relative-time patterns CLDR lacks (used by format_timedelta).

    Each locale's top-level data dict is its own (inherited data is copied into it), so
    replacing its ``date_fields`` changes ckb and ckb_IQ only, never the root they inherit from.
    """
    root = localedata.load("root")["date_fields"]
    for name in ("ckb", "ckb_IQ"):
        data = localedata.load(name)
        fields = dict(data["date_fields"])
        for unit, (word,) in _CKB_RELATIVE.items():
            pattern = {"future": {"one": f"دوای {{0}} {word}", "other": f"دوای {{0}} {word}"},
                       "past": {"one": f"{{0}} {word} لەمەوبەر", "other": f"{{0}} {word} لەمەوبەر"}}
            for variant in (unit, f"{unit}-short", f"{unit}-narrow"):
                if fields.get(variant) in (None, root.get(variant)):  # only what ckb inherits; real data wins
                    fields[variant] = pattern
        data["date_fields"] = fields


def init_app(app: Flask) -> None:
    """Install the URL converter and the processors that carry slug and language."""
    _complete_kurdish_cldr()
    app.url_map.converters["lang"] = LangConverter
    app.url_value_preprocessor(_pull_store_values)
    app.url_defaults(_add_store_values)

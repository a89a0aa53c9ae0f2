"""Views: what every store blueprint does first — find the store and the page's language."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g, redirect, request
from werkzeug.wrappers import Response

from storefront.i18n import LOCALIZED_ENDPOINTS, preferred_lang
from storefront.sendy import SendyNotFound, SendyUnavailable
from storefront.services import cart, catalog
from storefront.templating import page_url


def store_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose routes live under ``/<slug>/`` and see ``g.store``."""
    bp = Blueprint(name, import_name)
    bp.before_request(load_store)
    return bp


def init_app(app: Flask) -> None:
    """Make the store (or None) and its cart count available to every template."""
    app.context_processor(_store_context)


def load_store() -> Response | None:
    """Load the store for this URL, settle the page's language, or answer 404/503."""
    try:
        g.store = catalog.get_store(g.slug)
    except SendyNotFound:
        abort(404)
    except SendyUnavailable:
        abort(503)
    url_lang = g.get("url_lang")
    g.lang = url_lang or g.store.language
    if request.method != "GET" or request.endpoint not in LOCALIZED_ENDPOINTS:
        return None
    if url_lang == g.store.language:  # one URL per language: drop the redundant prefix
        return redirect(_keep_query(page_url(url_lang)), 301)
    wanted = preferred_lang()
    if url_lang is None and wanted and wanted != g.store.language:
        return redirect(_keep_query(page_url(wanted)), 302)
    return None


def _keep_query(url: str) -> str:
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def _store_context() -> dict[str, object]:
    store = g.get("store")
    return {"store": store, "cart_count": cart.count(store.slug) if store else 0}

"""Views: what every store blueprint does first — find the store and the page's language.

Catalog pages are public: identical for every shopper, no session read, no cookie set,
cacheable by a CDN. Cart and checkout pages are private: they read the session, carry
CSRF tokens, and refresh the non-secret cart-count cookie the catalog pages' script reads.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from storefront.config import SLUG
from storefront.sendy import SendyNotFound, SendyUnavailable
from storefront.services import cart, catalog, cdn, webhooks
from storefront.web.i18n import LOCALIZED_ENDPOINTS
from storefront.web.templating import page_url

CART_COOKIE = "sf_cart"
PUBLIC_CACHE = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
#: With a CDN that is purged on changes (CDN_PURGE), it may keep catalog pages a day.
SHARED_CACHE = f"public, max-age=60, s-maxage={cdn.SHARED_MAX_AGE}, stale-while-revalidate=300, stale-if-error=86400"
#: A page that is not there (a 404 under a store): kept a minute, by browsers and CDNs alike.
MISSING_CACHE = "public, max-age=60"
#: A page whose language was negotiated (Accept-Language, the language cookie): this browser's only.
NEGOTIATED_CACHE = "private, max-age=60"
PRIVATE_CACHE = "private, no-store"


def store_blueprint(name: str, import_name: str, *, private: bool = False) -> Blueprint:
    """A blueprint whose routes live under ``/<slug>/`` and see ``g.store``."""
    bp = Blueprint(name, import_name)
    if private:
        bp.before_request(load_store)
        bp.before_request(lambda: setattr(g, "private", True))
        bp.after_request(_private_response)
    else:
        bp.before_request(load_store)
        bp.after_request(_public_response)
    return bp


def init_app(app: Flask) -> None:
    """Make the store (or None) and, on private pages, its cart count available to templates."""
    app.context_processor(_store_context)
    app.after_request(_negotiated_response)


def load_store() -> Response | None:
    """Load the store for this URL and settle the page's language, or answer 404/503."""
    url_lang = g.get("url_lang")
    if url_lang:
        g.lang = url_lang  # error pages speak the URL's language too
    if not SLUG.match(g.slug):
        abort(404)  # not a store slug (e.g. "favicon.ico"): no need to ask Sendy
    try:
        g.store = catalog.get_store(g.slug)
    except SendyNotFound:
        abort(404)
    except SendyUnavailable:
        abort(503)
    g.lang = url_lang or g.store.language
    if request.method == "GET" and request.endpoint in LOCALIZED_ENDPOINTS \
            and url_lang == g.store.language:  # one URL per language: drop the redundant prefix
        query = request.query_string.decode("latin-1")
        return redirect(page_url(url_lang) + (f"?{query}" if query else ""), 301)
    return None


def try_store() -> None:
    """For error pages raised before the store was loaded: its header and language if we can."""
    if g.get("slug") and g.get("store") is None:
        try:
            g.store = catalog.get_store(g.slug)
        except (SendyNotFound, SendyUnavailable):
            return
        g.lang = g.get("url_lang") or g.store.language


def _public_response(response: Response) -> Response:
    """Shareable: a CDN, and our own page cache (wsgi.page_cache), may serve it to anyone; tagged with the
    surrogate keys of the store and of the products shown (services.cdn), so a change purges it."""
    if request.method not in ("GET", "HEAD") or response.status_code not in (200, 404) \
            or "Set-Cookie" in response.headers:
        return response
    if response.status_code == 404:
        response.headers["Cache-Control"] = MISSING_CACHE
    else:
        response.headers["Cache-Control"] = SHARED_CACHE if _purged_on_change() else PUBLIC_CACHE
    slug = g.get("slug")
    if isinstance(slug, str) and SLUG.match(slug):
        response.headers.update(cdn.tag_headers(cdn.keys_for(slug, g.get("shown_skus", ()))))
    return response


def _purged_on_change() -> bool:
    """Whether a CDN may keep this store's pages a day: one is purged, Sendy announces the store's changes,
    and the page's colours are final (not the teal shown until its logo's colour is known: nothing
    announces that, web.theme)."""
    slug = g.get("slug")
    return (cdn.configured() and isinstance(slug, str) and bool(webhooks.secrets().for_store(slug))
            and not g.get("theme_provisional"))


def _negotiated_response(response: Response) -> Response:
    """A page whose language came from the browser (no language in the URL, no store to say it) differs
    by Accept-Language and the language cookie: it says so, and no shared cache keeps it."""
    if g.get("negotiated_lang"):
        response.vary.update(("Accept-Language", "Cookie"))
        if not response.headers.get("Cache-Control", "").startswith(("private", "no-store")):
            response.headers["Cache-Control"] = NEGOTIATED_CACHE
        for name in ("Surrogate-Key", "Cache-Tag", "xkey"):
            response.headers.pop(name, None)
    return response


def _private_response(response: Response) -> Response:
    response.headers["Cache-Control"] = PRIVATE_CACHE
    store = g.get("store")
    if store is not None:
        count = cart.count(store)
        home = url_for("store.home", lang=store.language)
        if count:
            response.set_cookie(CART_COOKIE, str(count), max_age=30 * 24 * 3600, path=home,
                                samesite="Lax", secure=request.is_secure)
        elif request.cookies.get(CART_COOKIE):
            response.delete_cookie(CART_COOKIE, path=home)
    return response


def _store_context() -> dict[str, object]:
    store = g.get("store")
    private = bool(g.get("private"))
    count = cart.count(store) if store and private else None
    return {"store": store, "private_page": private, "cart_count": count}

"""Views: browsing a published store — home, products, FAQ, policies, about, sitemap."""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from storefront.i18n import LANG_COOKIE, LOCALES, store_route
from storefront.seo import store_pages
from storefront.services import catalog
from storefront.views.common import store_blueprint
from storefront.views.safety import safe_next

bp = store_blueprint("store", __name__)


@store_route(bp, "/")
def home() -> str:
    """The store's front page: cover, categories, search and the product grid."""
    try:
        listing = catalog.browse(g.store, request.args.get("category"), request.args.get("q", "")[:100])
    except catalog.UnknownCategory:
        abort(404)
    return render_template("store/home.html", listing=listing)


@store_route(bp, "/p/<path:sku>")
def product(sku: str) -> str:
    """One product at a stable URL built from its SKU."""
    item = g.store.product_by_sku(sku)
    if item is None:
        abort(404)
    category = next((c for c in g.store.categories if c.id == item.category_id), None)
    return render_template("store/product.html", product=item, category=category)


@store_route(bp, "/faq")
def faq() -> str:
    """Frequently asked questions, readable without JavaScript."""
    if not g.store.faqs:
        abort(404)
    return render_template("store/faq.html")


@store_route(bp, "/policies/<kind>")
def policy(kind: str) -> str:
    """One of the store's policies."""
    found = g.store.policy(kind)
    if found is None:
        abort(404)
    return render_template("store/policy.html", policy=found)


@store_route(bp, "/about")
def about() -> str:
    """About the store and how to reach it."""
    return render_template("store/about.html")


@bp.route("/<slug>/sitemap.xml")
def sitemap() -> Response:
    """Every page of the store in both languages, with hreflang alternates."""
    body = render_template("store/sitemap.xml", pages=store_pages(g.store))
    response = make_response(body)
    response.mimetype = "application/xml"
    return response


@bp.route("/<slug>/language/<lang:choice>")
def switch_language(choice: str) -> Response:
    """Remember the shopper's language and go back to the same page in it."""
    response = redirect(safe_next(request.args.get("next"), fallback=url_for("store.home")))
    response.set_cookie(LANG_COOKIE, choice if choice in LOCALES else "ar",
                        max_age=365 * 24 * 3600, samesite="Lax", httponly=False,
                        secure=request.is_secure)
    return response


@bp.route("/<slug>/robots.txt")
def robots() -> Response:
    """The store's own robots.txt (served at /robots.txt on its custom domain)."""
    response = make_response(render_template("store/robots.txt"))
    response.mimetype = "text/plain"
    return response

"""Views: browsing a published store — home, products, FAQ, policies, about, sitemap."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import abort, g, jsonify, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from storefront.images.pictures import image_url
from storefront.sendy.models import Product
from storefront.services import catalog, promises
from storefront.services import suggest as suggestions
from storefront.services.filters import FACET_ARGS, Filters, UnknownFilter, parse_price
from storefront.views.common import store_blueprint
from storefront.views.safety import safe_next
from storefront.web.i18n import LANG_COOKIE, LOCALES, store_route
from storefront.web.picker import product_view
from storefront.web.seo import sitemap_parts, sitemap_urls
from storefront.web.templating import money, page_url
from storefront.wsgi.page_cache import CACHEABLE_ARGS

bp = store_blueprint("store", __name__)
#: The cacheable query arguments (page_cache.CACHEABLE_ARGS) each page reads; any other is a 404,
#: so a made-up argument can never become one more cached copy of a page.
PAGE_ARGS = {"store.home": frozenset({"category", "page", "sort", "stock", *FACET_ARGS}),
             "store.product": frozenset({"variant"})}
RELATED = 4  # products from the same category under a product; from the store on a "gone" page
_PAGE = re.compile(r"[1-9][0-9]{0,5}")


@bp.before_request
def _only_real_variants() -> None:
    allowed = PAGE_ARGS.get(request.endpoint or "", frozenset())
    if any(name in CACHEABLE_ARGS and (name not in allowed or len(request.args.getlist(name)) > 1)
           for name in request.args):
        abort(404)


@store_route(bp, "/")
def home() -> ResponseReturnValue:
    """The store's front page: cover, categories, search, sorting and one page of the product grid."""
    raw_page, sort = request.args.get("page"), request.args.get("sort")
    if (raw_page is not None and not _PAGE.fullmatch(raw_page)) or sort == "":
        abort(404)  # the store's own order has no ?sort: a blank one names nothing
    page = int(raw_page or 1)
    if raw_page == "1":  # page 1 has one URL: the one without ?page
        return redirect(page_url(**{k: v for k, v in request.args.items() if k != "page"}), 301)
    query = request.args.get("q", "")[:100]
    filters, canonical = _filters()
    if canonical is not None:  # a price as typed ("٢٥٬٠٠٠"), a blank field: the one URL of these filters
        return redirect(page_url(**canonical))
    try:
        listing = catalog.browse(g.store, request.args.get("category"), query, sort or "", page, filters)
    except (catalog.UnknownCategory, catalog.UnknownPage, UnknownFilter):
        abort(404)  # a filter value no product has, too: never one more cached page
    if not listing.query:  # each page of a category is its own canonical URL; searches point home
        g.page_args = {"category": request.args.get("category"), "page": page if page > 1 else None}
    g.shown_skus = [p.sku for p in listing.products]  # surrogate keys (views.common)
    return render_template("store/home.html", listing=listing)


def _filters() -> tuple[Filters, dict[str, str] | None]:
    """The listing's filters from the URL, and the canonical arguments when the URL is not in that form
    (blank fields of the filter form, prices typed with separators or Arabic-Indic digits, a malformed
    price dropped); an option value or ``stock`` that names nothing real is left for a 404."""
    args = request.args
    chosen = tuple((name, args[name]) for name in FACET_ARGS if args.get(name))
    if args.get("stock", "1") != "1":
        abort(404)
    low, high = (parse_price(args.get(name, "")) for name in ("min", "max"))
    if low is not None and high is not None and low > high:
        low, high = high, low
    filters = Filters(chosen, low, high, "stock" in args)
    canonical = {k: v for k, v in args.items() if k not in ("min", "max", "stock", *FACET_ARGS)}
    canonical.update(filters.args())
    given = dict(args.items())
    return filters, (canonical if canonical != given else None)


@store_route(bp, "/search")
def search() -> ResponseReturnValue:
    """The search page: a plain form (the header's search without JavaScript) and the categories;
    its results are the listing's (``?q=`` on the home page)."""
    query = request.args.get("q", "").strip()[:100]
    if query:
        return redirect(url_for("store.home", q=query))
    return render_template("store/search.html", menu=suggestions.menu(g.store))


@store_route(bp, "/search/suggest")
def suggest() -> ResponseReturnValue:
    """Suggestions as the shopper types (JSON for static/js/search.js): a few products and categories.
    Public and short-lived like every catalog page; the page cache never keeps it (``q`` is free text)."""
    found = suggestions.suggest(g.store, request.args.get("q", ""))
    g.shown_skus = [p.sku for p in found.products]  # surrogate keys (views.common)
    return jsonify(products=[{"name": p.name, "url": url_for("store.product", sku=p.sku),
                              "image": _thumb(p.image_urls[0]) if p.image_urls else "",
                              "price": money(p.price), "from": p.price_varies, "in_stock": p.in_stock}
                             for p in found.products],
                   categories=[{"name": c.name, "url": url_for("store.home", category=c.id),
                                "parent": found.parents.get(c.id, "")} for c in found.categories],
                   more=url_for("store.home", q=found.query) if found.query else "")


def _thumb(url: str) -> str:
    """A suggestion's small image: the cart line's 160 px JPEG (a demo's SVG as it is)."""
    return url if url.startswith("/static/") and url.endswith(".svg") else image_url(url, 160)


@store_route(bp, "/p/<path:sku>")
def product(sku: str) -> ResponseReturnValue:
    """One product at a stable URL built from its SKU; ``?variant=<SKU>`` opens with that variant chosen."""
    found = catalog.find(g.store, sku)
    if found is None:  # a live store, a product gone: say so, and show what the store does sell
        return render_template("errors/error.html", code=404, title=_("We couldn't find that page"),
                               message=_("This product is no longer available."),
                               products=_in_stock_first(g.store.products)[:RELATED]), 404
    item, variant = found
    if variant is not None:  # a variant's SKU: its product's page, with it chosen
        return redirect(url_for("store.product", sku=item.sku, variant=variant.sku))
    chosen, bounced = _chosen(item)
    category = next((c for c in g.store.categories if c.id == item.category_id), None)
    related = [p for p in g.store.products if p.category_id == item.category_id and p.sku != item.sku] \
        if category else []
    related = _in_stock_first(related)[:RELATED]
    g.shown_skus = [item.sku, *(p.sku for p in related)]  # surrogate keys (views.common)
    return render_template("store/product.html", product=item, category=category,
                           view=product_view(item, chosen, bounced), related=related,
                           delivery=promises.delivery_promise(g.store, item.price))


def _in_stock_first(products: Sequence[Product]) -> list[Product]:
    """Products in the store's order, those in stock first (a stable sort)."""
    return sorted(products, key=lambda p: not p.in_stock)


def _chosen(product: Product) -> tuple[tuple[str | None, ...], bool]:
    """The values chosen in the URL (``o0``, ``o1``…, with ``choose`` when "add" sent the shopper back
    to choose again), or those of a shared ``?variant=``; and whether the page says what is wrong."""
    values = tuple(request.args.get(f"o{i}") for i in range(len(product.options)))
    if any(values) or "choose" in request.args:
        return values, "choose" in request.args
    wanted = request.args.get("variant")
    if wanted is None:
        return (), False
    variant = product.variant(wanted)
    if variant is None:
        abort(404)
    return variant.values, False


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
    """The sitemap index: the store's pages, then its products, in parts within the protocol's limits."""
    return _xml(render_template("store/sitemap_index.xml", parts=sitemap_parts(g.store)))


@bp.route("/<slug>/sitemap-<part>.xml")
def sitemap_part(part: str) -> Response:
    """One part of the sitemap: every URL in it in both languages, with hreflang alternates."""
    pages = sitemap_urls(g.store, part)
    if pages is None:
        abort(404)
    return _xml(render_template("store/sitemap.xml", pages=pages))


def _xml(body: str) -> Response:
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

"""Views: the platform's own pages — the demo index, and robots.txt — and the platform's name."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from storefront.images.pictures import image_url
from storefront.sendy.models import language_code
from storefront.views import common
from storefront.web import seo, templating
from storefront.web.i18n import DEFAULT_LANG, LOCALES, current_locale

bp = Blueprint("site", __name__)

#: The platform's name when ``PLATFORM_NAME`` names none for the page's language.
DEFAULT_PLATFORM_NAME = _l("Iraqi Shops")


def platform_name() -> str:
    """The platform's brand in the page's language: ``PLATFORM_NAME``, else the translated default."""
    names = current_app.extensions["settings"].platform_names
    return names.get(current_locale().code) or names.get("*") or str(DEFAULT_PLATFORM_NAME)


@bp.route("/")
def index() -> str:
    """The platform's home: a card for each store of the store directory (the demo's stores; no Sendy call)."""
    stores = [_card(s) for s in _directory()]
    return render_template("site/index.html", stores=stores)


def _directory() -> list[dict[str, str]]:
    """The stores the platform lists: slug, name, language, logo and niche (none unless one is wired in)."""
    directory = current_app.extensions.get("store_directory")
    return directory() if directory else []


def _card(store: dict[str, str]) -> dict[str, Any]:
    """What a store's card shows: its name and niche in its own language, and its logo."""
    return {"slug": store["slug"], "name": store["name"], "about": store.get("about", "").split("\n")[0],
            "lang": LOCALES[language_code(store["language"]) or DEFAULT_LANG].tag,  # as the client reads it
            "logo": _logo(store["slug"], store.get("logo_url", "")), "initial": store["name"][:1].upper()}


def _logo(slug: str, url: str) -> dict[str, str]:
    """The logo at 160 px through our image endpoint (our own SVG drawings as they are); {} without one."""
    if url.startswith("/static/") and url.endswith(".svg"):
        return {"src": url}
    if not (url.lower().startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))):
        return {}
    return {"avif": image_url(url, 160, "avif", slug), "webp": image_url(url, 160, "webp", slug),
            "src": image_url(url, 160, "jpg", slug)}


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico; answer with the site icon instead of a store lookup."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/robots.txt")
def robots() -> Response:
    """Crawl everything but the shopper's own pages; point at the stores' sitemaps."""
    stores = _directory()
    response = make_response(render_template("site/robots.txt", stores=stores))
    response.mimetype = "text/plain"
    return response


def init_app(app: Flask) -> None:
    """Register the template helpers used by every page."""
    templating.init_app(app)
    common.init_app(app)
    seo.init_app(app)
    app.add_template_global(url_for)
    app.add_template_global(platform_name)

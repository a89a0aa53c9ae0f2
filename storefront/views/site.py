"""Views: the platform's own pages — the demo index, and robots.txt."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from storefront import seo, templating
from storefront.views import common

bp = Blueprint("site", __name__)


@bp.route("/")
def index() -> str:
    """The platform's home: in the sandbox demo, links to the demo stores."""
    sandbox = current_app.extensions.get("sandbox")
    stores = sandbox.published_stores() if sandbox else []
    return render_template("site/index.html", stores=stores)


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico; answer with the site icon instead of a store lookup."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/robots.txt")
def robots() -> Response:
    """Crawl everything but the shopper's own pages; point at the stores' sitemaps."""
    sandbox = current_app.extensions.get("sandbox")
    stores = sandbox.published_stores() if sandbox else []
    response = make_response(render_template("site/robots.txt", stores=stores))
    response.mimetype = "text/plain"
    return response


def init_app(app: Flask) -> None:
    """Register the template helpers used by every page."""
    templating.init_app(app)
    common.init_app(app)
    seo.init_app(app)
    app.add_template_global(url_for)

"""Views: order status by link — the page behind the link on the confirmation and in WhatsApp.

Private (``private, no-store``), never indexed, and answered even when Sendy cannot give us
the store: the page then shows the order without the store's header.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from babel import Locale
from babel.dates import format_skeleton, format_time
from flask import abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from storefront.services import orders
from storefront.services.checkout import Receipt
from storefront.views.common import store_blueprint
from storefront.views.errors import render_error
from storefront.web.i18n import current_locale, store_route
from storefront.web.templating import absolute

bp = store_blueprint("orders", __name__, private=True)
#: Iraq keeps UTC+3 all year (no daylight saving time since 2008).
BAGHDAD = timezone(timedelta(hours=3), "Asia/Baghdad")


@store_route(bp, "/track/<token>")
def status(token: str) -> ResponseReturnValue:
    """An order's status for whoever holds its link: live from Sendy, else what was placed."""
    try:
        link = orders.read_link(g.slug, token)
    except orders.LinkInvalid:
        abort(404)
    except orders.LinkExpired as exc:
        return render_template("orders/expired.html", public_id=exc.public_id), 410
    url = absolute(url_for("orders.status", token=token))
    return render_template("orders/status.html", page=orders.status_page(link), status_url=url)


@bp.app_template_global()
def order_status_url(receipt: Receipt) -> str:
    """The shareable status link of a placed order, absolute (for WhatsApp and copying)."""
    return absolute(url_for("orders.status", slug=receipt.store, token=orders.token_for(receipt)))


@bp.app_template_filter()
def order_time(moment: datetime) -> str:
    """When a step happened, in Baghdad time and the page's language ("Tue, Dec 1, 1:53 PM")."""
    locale = current_locale().babel
    day = format_skeleton("MMMEd", moment, tzinfo=BAGHDAD, locale=locale)
    hour = format_time(moment, "short", tzinfo=BAGHDAD, locale=locale)
    glue = str(Locale.parse(locale).datetime_formats["short"])
    return glue.replace("{1}", day).replace("{0}", hour)


@bp.after_request
def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(503)
def _store_unreachable(exc: HTTPException) -> ResponseReturnValue:
    """Sendy can't give us the store (and nothing is cached): the order still shows."""
    if request.endpoint == "orders.status" and g.get("store") is None and request.view_args:
        try:
            return status(**request.view_args)
        except HTTPException as refused:  # a tampered link: still a 404
            return render_error(refused.code or 500)
    body, code = render_error(503)
    return body, code, {"Retry-After": "60"}

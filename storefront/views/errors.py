"""Views: friendly, translated error pages — never a traceback."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from storefront.runtime.state import StateUnavailable
from storefront.views import common
from storefront.wsgi.hosts import localize

log = logging.getLogger("storefront.errors")

MESSAGES = {
    400: (_l("Something was wrong with that request"),
          _l("Please go back and try again.")),
    404: (_l("We couldn't find that page"),
          _l("The link may be old, or the store may not be open yet.")),
    405: (_l("That didn't work"), _l("Please go back and try again.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    503: (_l("The store is taking a short break"),
          _l("We couldn't reach the store right now. Please try again in a minute.")),
    500: (_l("Something went wrong on our side"),
          _l("Please try again in a minute. Your cart is saved.")),
}


#: Statuses a second try may cure (a busy or unreachable store): the page offers it. So does a form that
#: failed (400: expired), which "Try again" opens afresh.
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


def render_error(code: int, title: str | None = None, message: str | None = None) -> tuple[str, int]:
    """The error page for an HTTP status, in the shopper's language, with the store's header when known."""
    if code not in (404, 503):  # those may be the store itself missing or unreachable
        common.try_store()
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title or default_title,
                           message=message or default_message,
                           retry_url=retry_url() if code in RETRYABLE or (code == 400 and _posted()) else None), code


def _posted() -> bool:
    return request.method not in ("GET", "HEAD")


def retry_url() -> str | None:
    """Where "Try again" leads: this URL for a GET; after a POST, the page the form was on (same site only)."""
    if not _posted():  # the path re-quoted as it came (request.path is decoded: %3F would become a query)
        path = quote(request.path, safe="/:@!$&'()*+,;=")
        query = quote(request.query_string, safe="=&+%/:@!$'()*,;?")
        return _local(localize(f"{path}?{query}" if query else path))
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme in ("http", "https") and referrer.netloc == request.host:
        return _local(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return None


def _local(path: str) -> str | None:
    """A path on this site, never ``//elsewhere`` (which a browser would read as another host)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else None


def _http_error(exc: HTTPException) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    body, code = render_error(exc.code or 500)
    return (body, code, {"Retry-After": "60"}) if code == 503 else (body, code)


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return render_error(400, _l("This page has expired"),
                        _l("For your security the form timed out. Go back, reload the page and "
                           "try again — your cart is saved."))


def state_unavailable(exc: StateUnavailable) -> tuple[str, int, dict[str, str]]:
    """Redis is away: a page that needs shared state (limits, order locks, receipts) can't answer now.

    Nothing was sent to Sendy; the cart and the checkout in progress are in the session cookie.
    """
    log.warning("%s %s: shared state unavailable (%s)", request.method, request.path, exc)
    body, code = render_error(503)
    return body, code, {"Retry-After": str(exc.retry_after)}


def _server_error(exc: InternalServerError) -> tuple[str, int]:
    log.error("unhandled error: %r", exc.original_exception or exc)
    try:
        return render_error(500)
    except Exception:  # the error page itself failed: keep it plain
        return "Something went wrong. Please try again in a minute.", 500


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(StateUnavailable, state_unavailable)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)

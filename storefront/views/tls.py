"""Views: ``GET /-/tls/ask?domain=HOST`` — may the front (Caddy's on-demand TLS) get a certificate for HOST?

200 for the platform's own hosts (``PLATFORM_HOST``) and for the hosts the domain registry serves or
redirects (a published store's ``customDomain``, its ``www.``/bare twin, ``STORE_DOMAINS``); 404 for
any other host, 400 when ``domain`` is missing or not a host name. Answered on any host, from this
process's memory: no Sendy call, no DNS lookup, no Redis round trip (the registry's last known
answers stand while Redis is down, so certificates keep renewing).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from storefront.wsgi.domains import domains
from storefront.wsgi.hosts import parse_host

bp = Blueprint("tls", __name__)


def _answer(text: str, status: int) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/-/tls/ask")
def ask() -> Response:
    """200 when a certificate for ``domain`` may be obtained, else 4xx."""
    try:
        name, port = parse_host(request.args.get("domain", "").strip())
    except ValueError:
        return _answer("not a host name", 400)
    if port is not None or not name:
        return _answer("not a host name", 400)
    platform = {parse_host(host)[0] for host in current_app.extensions["settings"].platform_hosts}
    known = domains()
    if name in platform or known.slug_for(name) or known.redirect_for(name):
        return _answer("ok", 200)
    return _answer("unknown host", 404)

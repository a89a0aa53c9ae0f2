"""Hosts: stores on their own domains, and refusing host names that are not ours.

On a custom domain (``STORE_DOMAINS``) the store lives at ``/``: a WSGI middleware maps
``/faq`` to the store's ``/<slug>/faq`` before routing, and the app strips the prefix
again from every URL it builds for that store. Canonical URLs of such a store always
use its domain, also when the page is reached through the platform path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.wrappers import Response

DOMAIN_SLUG = "storefront.domain_slug"
#: Paths that stay global on a custom domain.
_GLOBAL = ("/static/", "/healthz", "/readyz", "/favicon.ico")


class HostRouter:
    """WSGI middleware: custom domains to store paths; unknown hosts refused."""

    def __init__(self, app: Any, domains: Mapping[str, str], platform_hosts: Iterable[str]) -> None:
        self.app = app
        self.domains = dict(domains)
        self.platform_hosts = frozenset(platform_hosts)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST", "").lower().rstrip(".")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        slug = self.domains.get(name)
        if slug:
            path = environ.get("PATH_INFO") or "/"
            if not path.startswith(_GLOBAL):
                environ["PATH_INFO"] = f"/{slug}{path}"
            environ[DOMAIN_SLUG] = slug
        elif self.platform_hosts and name not in self.platform_hosts and host not in self.platform_hosts:
            response = Response("Unknown host.\n", status=404, mimetype="text/plain")
            return response(environ, start_response)
        return self.app(environ, start_response)


def domain_for(slug: str) -> str | None:
    """The custom domain a store is served on, if any."""
    return current_app.extensions["store_hosts"].get(slug)


def on_own_domain(slug: str) -> bool:
    """Whether this request came in on the store's own domain."""
    return request.environ.get(DOMAIN_SLUG) == slug


def strip_slug(url: str, slug: str) -> str | None:
    """``/<slug>/x`` → ``/x``; None when ``url`` is not a path of that store."""
    prefix = f"/{slug}"
    if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
        rest = url[len(prefix):]
        return rest if rest.startswith("/") else "/" + rest
    return None


def localize(url: str) -> str:
    """A URL built for the store whose own domain this request came in on, without its slug."""
    slug = request.environ.get(DOMAIN_SLUG) if has_request_context() else None
    if slug and url.startswith("/"):
        return strip_slug(url, slug) or url
    return url


def canonical(url: str) -> str:
    """Absolute URL: a store with its own domain is always addressed on that domain."""
    store = g.get("store")
    domain = domain_for(store.slug) if store else None
    if domain and url.startswith("/"):
        path = strip_slug(url, store.slug) if not on_own_domain(store.slug) else url
        if path is not None:
            scheme = request.scheme if on_own_domain(store.slug) else "https"
            return f"{scheme}://{domain}{path}"
    return request.host_url.rstrip("/") + url if url.startswith("/") else url


class StorefrontFlask(Flask):
    """Flask whose URLs for a store drop the slug when served on the store's own domain."""

    def url_for(self, endpoint: str, **values: Any) -> str:
        """Build a URL, then localize it to the request's custom domain."""
        url = super().url_for(endpoint, **values)
        return localize(url) if not values.get("_external") else url


def init_app(app: Flask, domains: Mapping[str, str], platform_hosts: Iterable[str]) -> None:
    """Install the host router and the slug → domain map."""
    by_slug: dict[str, str] = {}
    for host, slug in domains.items():
        by_slug.setdefault(slug, host)
    app.extensions["store_hosts"] = by_slug
    app.wsgi_app = HostRouter(app.wsgi_app, domains, platform_hosts)  # type: ignore[method-assign]
    app.add_template_global(canonical)

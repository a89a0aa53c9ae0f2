"""Hosts: stores on their own domains, and refusing host names that are not ours.

On a custom domain (the ``DomainMap`` of ``wsgi.domains``) the store lives at ``/``: a WSGI middleware maps
``/faq`` to the store's ``/<slug>/faq`` before routing, and the app strips the prefix
again from every URL it builds for that store. Canonical URLs of such a store always
use its domain, also when the page is reached through the platform path.

The middleware also decides what the app may believe about the request's address: the
``Host`` header is parsed strictly (a malformed one is refused before the app sees it),
matched with its port against the configured hosts, and written back normalized; a
forwarded scheme other than http or https is ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, request
from werkzeug.sansio.utils import get_current_url, host_is_trusted
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from storefront.wsgi.domains import DomainMap, domains

DOMAIN_SLUG = "storefront.domain_slug"
_SCHEMES = {"http": 80, "https": 443}
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

#: A host name (lowercase, no final dot) and its port: None when not given (in a request: the scheme's default).
Host = tuple[str, int | None]


def parse_host(value: str) -> Host:
    """``name[:port]`` → (lowercase name without a final dot, port or None); ValueError unless well-formed.

    Refused: userinfo (``@``), paths, spaces, empty labels, ports that are not 1-65535,
    and IPv6 addresses outside brackets.
    """
    if "@" in value or not host_is_trusted(value):  # werkzeug: the characters, the shape, the port range
        raise ValueError(f"not a host: {value!r}")
    parts = urlsplit("//" + value)
    name = parts.hostname or ""
    if value.startswith("["):
        return ipaddress.IPv6Address(name).compressed, parts.port
    name = name.removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a host: {value!r}")
    if labels[-1].isdigit():
        ipaddress.IPv4Address(name)  # all-numeric: a dotted-quad address or nothing
    return name, parts.port


def format_host(name: str, port: int | None = None) -> str:
    """The ``Host`` header for a parsed host: IPv6 in brackets, the port when given."""
    text = f"[{name}]" if ":" in name else name
    return f"{text}:{port}" if port is not None else text


def _trust_scheme(environ: dict[str, Any]) -> str:
    """Believe a (forwarded) scheme only when it is http or https; else keep the connection's own."""
    scheme = str(environ.get("wsgi.url_scheme", "")).lower()
    if scheme not in _SCHEMES:
        original = environ.get("werkzeug.proxy_fix.orig", {}).get("wsgi.url_scheme")
        scheme = original if original in _SCHEMES else "http"
    environ["wsgi.url_scheme"] = scheme
    return scheme


def _request_host(environ: dict[str, Any]) -> Host | None:
    """The request's host and port (None: the scheme's default), or None when the header is malformed."""
    if "@" in str(environ.get("HTTP_HOST", "")):
        return None
    try:
        return parse_host(get_host(environ))  # werkzeug drops the scheme's default port
    except ValueError:
        return None


def _unknown_host(environ: dict[str, Any], start_response: Any) -> Any:
    response = Response("Unknown host.\n", status=404, mimetype="text/plain")
    return response(environ, start_response)


def _moved(environ: dict[str, Any], start_response: Any, scheme: str, host: str) -> Any:
    """301 to the same path and query on the store's own spelling of its domain."""
    query = str(environ.get("QUERY_STRING", "")).encode("latin-1")
    url = get_current_url(scheme, host, environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "/"), query)
    response = Response("Moved.\n", status=301, mimetype="text/plain", headers={"Location": url})
    return response(environ, start_response)


class HostRouter:
    """WSGI middleware: custom domains to store paths; malformed and (when ``strict``) unknown hosts refused.

    Runs right after ProxyFix, so it checks the host and scheme the app is going to use.
    Entries of ``platform_hosts`` may carry a port; without one they match the default
    port only. Custom domains carry no port and match the default port only.
    """

    def __init__(self, app: Any, domains: DomainMap, platform_hosts: Iterable[str], strict: bool | None = None,
                 *, probes: Iterable[str] = (), site_wide: Iterable[str] = ()) -> None:
        self.app = app
        self.domains = domains
        self.platform_hosts = frozenset(parse_host(host) for host in platform_hosts)
        self.strict = bool(self.platform_hosts) if strict is None else strict
        #: paths answered on any well-formed host (health probes come by IP and port; the scraper too)
        self.probes = frozenset(probes)
        #: path prefixes that stay the platform's on a custom domain (static files, images, probes)
        self.site_wide = tuple(site_wide)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        scheme = _trust_scheme(environ)
        host = _request_host(environ)
        if host is None:
            return _unknown_host(environ, start_response)
        name, port = host
        environ["HTTP_HOST"] = format_host(name, port)  # what request.host and every absolute URL use
        slug = self.domains.slug_for(name) if port is None else None
        if slug:
            path = environ.get("PATH_INFO") or "/"
            if not path.startswith(self.site_wide):
                environ["PATH_INFO"] = f"/{slug}{path}"
            environ[DOMAIN_SLUG] = slug
        elif port is None and (target := self.domains.redirect_for(name)):  # www. ↔ bare domain
            return _moved(environ, start_response, scheme, target)
        elif self.strict and not self._is_platform(name, port, scheme) and \
                environ.get("PATH_INFO") not in self.probes:  # probes come by IP and port
            return _unknown_host(environ, start_response)
        return self.app(environ, start_response)

    def _is_platform(self, name: str, port: int | None, scheme: str) -> bool:
        if port is None:  # the scheme's default port, configured with or without it
            return (name, None) in self.platform_hosts or (name, _SCHEMES[scheme]) in self.platform_hosts
        return (name, port) in self.platform_hosts


def domain_for(slug: str) -> str | None:
    """The custom domain a store is served on, if any."""
    return domains().host_for(slug)


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


def init_app(app: Flask, domain_map: DomainMap, platform_hosts: Iterable[str], *,
             any_host: Iterable[str], site_wide: Iterable[str]) -> None:
    """Install the host router over the domain map.

    ``any_host`` and ``site_wide`` name endpoints (or whole blueprints): the first are answered on
    any well-formed host, the second keep their paths on a custom domain. Their paths are read off
    the app's routes, so no second list of paths is kept here. Only configured hosts are served
    when ``PLATFORM_HOST`` is set, and always in production.
    """
    app.extensions["domains"] = domain_map
    hosts = tuple(platform_hosts)
    settings = app.extensions.get("settings")
    strict = bool(hosts) or bool(settings and settings.production)
    probes = [rule.rule for rule in _rules(app, any_host)]
    prefixes = [rule.rule.split("<", 1)[0] for rule in _rules(app, site_wide)]
    app.wsgi_app = HostRouter(app.wsgi_app, domain_map, hosts, strict,  # type: ignore[method-assign]
                              probes=probes, site_wide=sorted(set(prefixes)))
    app.add_template_global(canonical)


def _rules(app: Flask, names: Iterable[str]) -> list[Any]:
    """The app's URL rules of these endpoints or blueprints."""
    wanted = tuple(names)
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint in wanted or rule.endpoint.split(".", 1)[0] in wanted]

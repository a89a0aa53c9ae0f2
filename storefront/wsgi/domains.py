"""WSGI layer: the custom-domain map — which store a host name serves, and a store's own host.

``DomainMap`` is the interface the host router, canonical URLs, the TLS ask endpoint and the image
fetcher use; the factory chooses the implementation: ``wsgi.registry.LiveDomains`` (the live
registry fed by the stores Sendy publishes, the ``domains`` CLI and ``STORE_DOMAINS``), or
``StaticDomains`` (``STORE_DOMAINS`` alone, fixed for the life of the process).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flask import current_app


class DomainMap(Protocol):
    """Custom host names ↔ store slugs. Host names are lowercase, without port or final dot."""

    def slug_for(self, host: str) -> str | None:
        """The store served on this host, if any."""

    def host_for(self, slug: str) -> str | None:
        """The host a store is served on, if it has one of its own."""

    def hosts(self) -> frozenset[str]:
        """Every host name a store is served on."""

    def redirect_for(self, host: str) -> str | None:
        """The host this one redirects to: the ``www.`` or bare twin of a store's host, if any."""


def twin(host: str) -> str | None:
    """``www.shop.iq`` ↔ ``shop.iq``: the other spelling of a host (None when it would not be a domain)."""
    other = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
    return other if "." in other else None


class StaticDomains:
    """The domains configured in ``STORE_DOMAINS``: fixed for the life of the process."""

    def __init__(self, domains: Mapping[str, str]) -> None:
        self._slugs = dict(domains)
        self._hosts: dict[str, str] = {}
        for host, slug in domains.items():
            self._hosts.setdefault(slug, host)  # a store with several hosts is addressed on the first

    def slug_for(self, host: str) -> str | None:
        """The store served on this host, if any."""
        return self._slugs.get(host)

    def host_for(self, slug: str) -> str | None:
        """The host a store is served on, if it has one of its own."""
        return self._hosts.get(slug)

    def hosts(self) -> frozenset[str]:
        """Every host name a store is served on."""
        return frozenset(self._slugs)

    def redirect_for(self, host: str) -> str | None:
        """The host this one redirects to: the ``www.`` or bare twin of a store's host, if any."""
        other = twin(host)
        return other if other in self._slugs and host not in self._slugs else None


def domains() -> DomainMap:
    """The app's domain map."""
    return current_app.extensions["domains"]

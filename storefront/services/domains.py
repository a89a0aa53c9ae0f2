"""Service layer: the operator's side of the domain registry (``flask domains …``) and a store's re-check.

The registry itself (``wsgi.registry``) records what Sendy publishes each time a store is read;
these functions read Sendy on purpose: to confirm a claim before pinning a host to a store, to
re-read every known store (``sync``: stores whose claim changed or that were unpublished while
nobody visited them), and to re-check one store after a change webhook (``recheck``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from storefront.sendy import SendyNotFound, SendyUnavailable
from storefront.services import caches, catalog
from storefront.wsgi.domains import twin
from storefront.wsgi.registry import LiveDomains, Snapshot


class DomainRefused(Exception):
    """The registry cannot do what was asked; the message says why (for the operator)."""


@dataclass(frozen=True)
class Row:
    """One line of ``domains list``."""

    host: str
    slug: str
    source: str  # "static" | "sendy" | "operator"
    state: str  # "served" | "conflict" | "blocked" | "→ <host>" (a www/bare twin) | "platform host"
    confirmed: float | None  # epoch seconds Sendy last confirmed the claim


def registry() -> LiveDomains:
    """The app's live registry, reachable by every worker (REDIS_URL), else DomainRefused."""
    found = current_app.extensions.get("domains")
    if not isinstance(found, LiveDomains):
        raise DomainRefused("this app has no live domain registry")
    if not found.shared:
        raise DomainRefused("REDIS_URL is not set: the registry lives in each server process's memory, so a "
                            "command run apart from the server changes nothing it sees. Set REDIS_URL as the "
                            "server has it.")
    if not found.reload():
        raise DomainRefused("Redis cannot be reached at REDIS_URL: nothing was changed")
    return found


def add(host: str, slug: str) -> None:
    """Serve ``host`` for ``slug`` — only when Sendy publishes the store with that ``customDomain``.

    Pins the host to the store (it wins a claim by another store) and lifts a block by ``remove``.
    """
    live = registry()
    if host in live.platform or twin(host) in live.platform:
        raise DomainRefused(f"{host} is a platform host (PLATFORM_HOST): no store may have it")
    try:
        store = catalog.read_store(slug)  # records the claim Sendy publishes, in every worker
    except SendyNotFound:
        raise DomainRefused(f"Sendy has no published store {slug!r}") from None
    except SendyUnavailable as exc:
        raise DomainRefused(f"Sendy cannot be reached now ({exc}); try again") from None
    if store.custom_domain != host:
        published = store.custom_domain or "no custom domain"
        raise DomainRefused(f"Sendy publishes {published} for {slug}, not {host}: the merchant sets the domain "
                            "in Sendy's dashboard first")
    live.decide(host, f"pin:{slug}")


def remove(host: str) -> list[str]:
    """Stop serving ``host`` (blocked until ``add`` again, whatever stores claim it); the slugs that did."""
    live = registry()
    claimants = sorted(slug for slug, claim in live.snapshot().claims.items() if claim.host == host)
    live.decide(host, "block")
    return claimants


def known_slugs(snap: Snapshot) -> list[str]:
    """The stores a sync re-reads: those with a claim, a static domain, an API key, or in the directory."""
    slugs = set(snap.claims) | set(current_app.extensions["settings"].store_domains.values())
    slugs |= set(current_app.extensions.get("api_keys") or {})
    directory = current_app.extensions.get("store_directory")
    if directory is not None:
        slugs |= {entry["slug"] for entry in directory()}
    return sorted(slugs)


def sync() -> dict[str, str]:
    """Re-read every known store from Sendy; slug → what Sendy said (claims, none, gone, unreachable)."""
    live = registry()
    said: dict[str, str] = {}
    for slug in known_slugs(live.snapshot()):
        try:
            store = catalog.read_store(slug)
        except SendyNotFound:
            said[slug] = "not published (claim dropped)"
        except SendyUnavailable:
            said[slug] = "Sendy unreachable (claim kept)"
        else:
            said[slug] = f"claims {store.custom_domain}" if store.custom_domain else "no custom domain"
    return said


def recheck(slug: str) -> None:
    """After a change webhook: forget the store's caches and read it again (its claim follows)."""
    caches.forget_store(slug)
    try:
        catalog.get_store(slug)
    except (SendyNotFound, SendyUnavailable):
        pass  # gone: the claim went with it; unreachable: the next read decides


def rows(live: LiveDomains) -> list[Row]:
    """Every host the registry knows, with who serves it and why."""
    snap = live.snapshot()
    out = [Row(host, slug, "static", "served", None) for host, slug in sorted(live.static.items())]
    for slug, claim in sorted(snap.claims.items(), key=lambda item: (item[1].host, item[0])):
        if claim.host in live.static:
            continue
        decision = snap.decisions.get(claim.host, "")
        if claim.host in live.platform or twin(claim.host) in live.platform:
            state = "platform host"
        elif decision == "block":
            state = "blocked"
        elif snap.slugs.get(claim.host) == slug:
            state = "served"
        elif claim.host in snap.conflicts:
            state = "conflict"
        else:
            state = "not served"
        source = "operator" if decision == f"pin:{slug}" else "sendy"
        out.append(Row(claim.host, slug, source, state, claim.at))
    claimed = {claim.host for claim in snap.claims.values()}
    for host, decision in sorted(snap.decisions.items()):
        if host not in claimed:
            out.append(Row(host, decision.removeprefix("pin:") if decision != "block" else "-", "operator",
                           "blocked" if decision == "block" else "pinned, not claimed", None))
    for other, host in sorted(snap.redirects.items()):
        out.append(Row(other, snap.slugs[host], "twin", f"→ {host}", None))
    return out

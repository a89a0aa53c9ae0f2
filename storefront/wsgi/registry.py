"""WSGI layer: the live domain registry — the custom domains published stores claim, seen by every worker.

A ``DomainMap`` (``wsgi.domains``) fed by three sources:

- **claims**: a published store's ``customDomain`` claims that host for its slug. The catalog records
  one each time it reads a store from Sendy (``store_read``; an unpublished or unknown store:
  ``store_gone``), and so do ``flask domains add`` and ``flask domains sync``. A change webhook
  (forget the store, re-read it) lands here through the same re-read.
- **decisions** of the operator: ``flask domains remove HOST`` blocks a host (no claim serves it until
  ``domains add`` again); ``domains add HOST SLUG`` pins it to a store that claims it (it wins a
  conflict).
- ``STORE_DOMAINS``: static, from the environment; always served.

A host claimed by two stores is served by neither (and logged), unless pinned. A platform host
(``PLATFORM_HOST``), or its ``www.``/bare twin, is never a store's. Each served host's ``www.`` or
bare twin redirects to it.

Claims and decisions live in Redis (``REDIS_URL``: every worker and machine shares them), else in
this process's memory. Lookups never touch Redis: each process keeps a local snapshot, re-read by a
daemon thread when Redis's version counter moves (checked every ``REFRESH`` seconds), and keeps its
last known answers while Redis is down.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app, has_app_context

from storefront.wsgi.domains import twin

log = logging.getLogger("storefront.domains")

PREFIX = "storefront-domains:"
CLAIMS = PREFIX + "claims"  # hash: slug → {"host", "at"}
DECISIONS = PREFIX + "decisions"  # hash: host → "block" | "pin:<slug>"
VERSION = PREFIX + "version"  # bumped by every change a lookup can see
#: Seconds between two checks of the shared version (each process).
REFRESH = 2.0
#: A claim that did not change is written again (its "last confirmed" time) at most this often.
CONFIRM_EVERY = 60.0


@dataclass(frozen=True)
class Claim:
    """A store's published ``customDomain`` and when Sendy last confirmed it (epoch seconds)."""

    host: str
    at: float


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of the registry: what every lookup of this process reads."""

    slugs: Mapping[str, str] = field(default_factory=dict)  # served host → slug
    hosts: Mapping[str, str] = field(default_factory=dict)  # slug → its host
    redirects: Mapping[str, str] = field(default_factory=dict)  # twin → served host
    conflicts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # host → the slugs claiming it
    claims: Mapping[str, Claim] = field(default_factory=dict)
    decisions: Mapping[str, str] = field(default_factory=dict)


def build(static: Mapping[str, str], claims: Mapping[str, Claim], decisions: Mapping[str, str],
          platform: frozenset[str]) -> Snapshot:
    """Who serves which host: static entries first, then single (or pinned) claims; conflicts served by neither."""
    slugs = dict(static)
    claimants: dict[str, set[str]] = {}
    for slug, claim in claims.items():
        if _platforms(claim.host, platform) or claim.host in static or decisions.get(claim.host) == "block":
            continue
        claimants.setdefault(claim.host, set()).add(slug)
    conflicts: dict[str, tuple[str, ...]] = {}
    for host, who in claimants.items():
        decision = decisions.get(host, "")
        pinned = decision.removeprefix("pin:") if decision.startswith("pin:") else None
        if len(who) == 1:
            slugs[host] = next(iter(who))
        elif pinned in who:
            slugs[host] = pinned
        else:
            conflicts[host] = tuple(sorted(who))
    hosts: dict[str, str] = {}
    for host, slug in slugs.items():
        hosts.setdefault(slug, host)  # a store with several hosts is addressed on the first
    redirects = {}
    for host in slugs:
        other = twin(host)
        if other and other not in slugs and other not in conflicts and other not in platform:
            redirects[other] = host
    return Snapshot(slugs, hosts, redirects, conflicts, dict(claims), dict(decisions))


def _platforms(host: str, platform: frozenset[str]) -> bool:
    """A platform host, or its ``www.``/bare twin: never a store's."""
    return host in platform or twin(host) in platform


class Backend(Protocol):
    """Where claims and decisions are kept."""

    def version(self) -> int: ...
    def load(self) -> tuple[dict[str, Claim], dict[str, str]]: ...
    def put_claim(self, slug: str, claim: Claim, *, bump: bool) -> None: ...
    def drop_claim(self, slug: str) -> None: ...
    def decide(self, host: str, decision: str | None) -> None: ...


class MemoryBackend:
    """One process's registry (no ``REDIS_URL``): the dev server, tests, a single process."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}
        self._decisions: dict[str, str] = {}
        self._version = 0
        self._lock = threading.Lock()

    def version(self) -> int:
        """Bumped by every visible change."""
        return self._version

    def load(self) -> tuple[dict[str, Claim], dict[str, str]]:
        """Every claim and decision."""
        with self._lock:
            return dict(self._claims), dict(self._decisions)

    def put_claim(self, slug: str, claim: Claim, *, bump: bool) -> None:
        """Record a store's claim."""
        with self._lock:
            self._claims[slug] = claim
            self._version += bump

    def drop_claim(self, slug: str) -> None:
        """Forget a store's claim."""
        with self._lock:
            if self._claims.pop(slug, None) is not None:
                self._version += 1

    def decide(self, host: str, decision: str | None) -> None:
        """Block or pin a host (None: neither)."""
        with self._lock:
            if decision is None:
                self._decisions.pop(host, None)
            else:
                self._decisions[host] = decision
            self._version += 1


class RedisBackend:
    """The registry in Redis, shared by every worker and machine (short timeouts: never a slow page)."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def version(self) -> int:
        """Bumped by every visible change."""
        return int(self.redis.get(VERSION) or 0)

    def load(self) -> tuple[dict[str, Claim], dict[str, str]]:
        """Every claim and decision, read in one round trip."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(CLAIMS)
            pipe.hgetall(DECISIONS)
            raw_claims, raw_decisions = pipe.execute()
        claims = {}
        for slug, text in raw_claims.items():
            try:
                value = json.loads(text)
                claims[slug.decode()] = Claim(str(value["host"]), float(value["at"]))
            except (ValueError, KeyError, TypeError):
                log.warning("domain registry: skipped an unreadable claim for %r", slug[:64])
        return claims, {host.decode(): value.decode() for host, value in raw_decisions.items()}

    def put_claim(self, slug: str, claim: Claim, *, bump: bool) -> None:
        """Record a store's claim (and tell every process, when the host changed)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(CLAIMS, slug, json.dumps({"host": claim.host, "at": claim.at}))
            if bump:
                pipe.incr(VERSION)
            pipe.execute()

    def drop_claim(self, slug: str) -> None:
        """Forget a store's claim."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(CLAIMS, slug)
            pipe.incr(VERSION)
            pipe.execute()

    def decide(self, host: str, decision: str | None) -> None:
        """Block or pin a host (None: neither)."""
        with self.redis.pipeline(transaction=True) as pipe:
            if decision is None:
                pipe.hdel(DECISIONS, host)
            else:
                pipe.hset(DECISIONS, host, decision)
            pipe.incr(VERSION)
            pipe.execute()


class LiveDomains:
    """The live registry: a ``DomainMap`` whose lookups read this process's snapshot only."""

    def __init__(self, static: Mapping[str, str], platform_hosts: Iterable[str], redis_url: str | None = None,
                 *, refresh: float = REFRESH, now: Callable[[], float] = time.time) -> None:
        self.static = dict(static)
        self.platform = frozenset(platform_hosts)
        self.shared = bool(redis_url)
        self.backend: Backend = RedisBackend(redis_url) if redis_url else MemoryBackend()
        self.refresh_every = refresh
        self._now = now
        self._snap = build(self.static, {}, {}, self.platform)
        self._version: int | None = None
        self._lock = threading.Lock()
        self._watcher_pid = 0
        self._down = False
        self.reload()

    # -- lookups (memory only) ----------------------------------------------------------------
    def slug_for(self, host: str) -> str | None:
        """The store served on this host, if any."""
        self._watch()
        return self._snap.slugs.get(host)

    def host_for(self, slug: str) -> str | None:
        """The host a store is served on, if it has one of its own."""
        self._watch()
        return self._snap.hosts.get(slug)

    def hosts(self) -> frozenset[str]:
        """Every host name a store is served on."""
        self._watch()
        return frozenset(self._snap.slugs)

    def redirect_for(self, host: str) -> str | None:
        """The served host this ``www.`` or bare twin redirects to, if any."""
        self._watch()
        return self._snap.redirects.get(host)

    def snapshot(self) -> Snapshot:
        """What this process knows now."""
        self._watch()
        return self._snap

    # -- changes --------------------------------------------------------------------------------
    def observe(self, slug: str, host: str | None) -> None:
        """A store as Sendy publishes it right now: it claims ``host`` (or nothing)."""
        current = self._snap.claims.get(slug)
        if not host:
            if current is not None:
                self.forget(slug)
            return
        if _platforms(host, self.platform):
            log.warning("store %s publishes the platform host %s (or its www. twin) as its custom domain: ignored",
                        slug, host)
            if current is not None:
                self.forget(slug)
            return
        now = self._now()
        if current is not None and current.host == host and now - current.at < CONFIRM_EVERY:
            return
        changed = current is None or current.host != host
        if changed:
            log.info("store %s claims the domain %s", slug, host)
        self._write(lambda: self.backend.put_claim(slug, Claim(host, now), bump=changed),
                    lambda claims, decisions: claims.__setitem__(slug, Claim(host, now)))

    def forget(self, slug: str) -> None:
        """The store is not published (or claims nothing) any more: its claim goes, in every process."""
        if slug not in self._snap.claims:
            return
        log.info("store %s no longer claims the domain %s", slug, self._snap.claims[slug].host)
        self._write(lambda: self.backend.drop_claim(slug), lambda claims, decisions: claims.pop(slug, None))

    def decide(self, host: str, decision: str | None) -> None:
        """The operator's word on a host: ``"block"``, ``"pin:<slug>"`` or None."""
        def local(claims: dict[str, Claim], decisions: dict[str, str]) -> None:
            if decision is None:
                decisions.pop(host, None)
            else:
                decisions[host] = decision
        self._write(lambda: self.backend.decide(host, decision), local)

    def _write(self, shared: Callable[[], None], local: Callable[[dict[str, Claim], dict[str, str]], Any]) -> None:
        """Write through to the backend; this process sees the change at once, even when Redis is down."""
        try:
            shared()
        except Exception as exc:  # Redis down: the change stays local until the next read confirms it again
            log.warning("domain registry: could not record a change in Redis (%s)", type(exc).__name__)
        with self._lock:
            claims, decisions = dict(self._snap.claims), dict(self._snap.decisions)
            local(claims, decisions)
            self._install(build(self.static, claims, decisions, self.platform))

    # -- the local copy -------------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read the backend when its version moved; False (last answers kept) when it cannot be read."""
        try:
            version = self.backend.version()
            if version == self._version:
                return True
            claims, decisions = self.backend.load()
        except Exception as exc:  # keep the last known answers
            if not self._down:
                log.warning("domain registry: Redis unreachable, serving the last known domains (%s)",
                            type(exc).__name__)
            self._down = True
            return False
        if self._down:
            log.info("domain registry: Redis reachable again")
        self._down = False
        with self._lock:
            self._version = version
            self._install(build(self.static, claims, decisions, self.platform))
        return True

    def _install(self, snap: Snapshot) -> None:
        for host, slugs in snap.conflicts.items():
            if self._snap.conflicts.get(host) != slugs:
                log.warning("domain %s is claimed by several stores (%s): served by neither until one lets go "
                            "or `flask domains add` pins it", host, ", ".join(slugs))
        self._snap = snap

    def _watch(self) -> None:
        """Start this process's refresher (once per process: a forked worker starts its own), after
        one reload here: the snapshot a worker inherits is its parent's, as old as the fork (gunicorn
        preloads the app), so its first request must not be answered from it."""
        if not self.shared or self._watcher_pid == os.getpid():
            return
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
        self.reload()
        ref = weakref.ref(self)
        threading.Thread(target=_refresher, args=(ref, self.refresh_every), name="domain-registry",
                         daemon=True).start()


def _refresher(ref: weakref.ReferenceType[LiveDomains], every: float) -> None:
    """Re-read the shared registry every few seconds, while the registry lives."""
    while True:
        time.sleep(every)
        registry = ref()
        if registry is None:
            return
        registry.reload()
        del registry


def _registry() -> LiveDomains | None:
    registry = current_app.extensions.get("domains") if has_app_context() else None
    return registry if isinstance(registry, LiveDomains) else None


def store_read(slug: str, host: str | None) -> None:
    """Sendy has just published this store with this ``customDomain``: record its claim.

    Called by the catalog each time it reads a store from Sendy (and so after
    ``services.caches.forget_store``, e.g. by a change webhook, at the store's next read).
    """
    registry = _registry()
    if registry is not None:
        registry.observe(slug, host)


def store_gone(slug: str) -> None:
    """Sendy no longer publishes this store: its domain stops being served, in every worker."""
    registry = _registry()
    if registry is not None:
        registry.forget(slug)

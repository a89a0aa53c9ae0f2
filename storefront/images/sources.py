"""Images: reading a merchant's original, from our static folder or over the network, safely.

* Site-relative ``/static/...`` sources (the demo's) are read from the static folder; the
  resolved path must stay inside it.
* Remote sources are fetched with httpx: short timeouts, a 20 MB cap while streaming, at most
  3 redirects, each target checked again like the first URL. With ``IMAGE_HOSTS`` set, only
  those ``host[:port]`` (http or https) are fetched. Without it, only ``https`` to a host
  whose every resolved address is public: we resolve the name ourselves, check the addresses
  and connect to the checked one (Host header and TLS SNI keep the name), so a DNS answer
  that changes between the check and the connection (rebinding) cannot point us inward.
  No connection is reused: each fetch opens its own, to the address it checked.
* ``file:``, ``data:`` and every other scheme are never fetched.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from storefront.wsgi.hosts import format_host

MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
DEADLINE = 10.0  # seconds for a whole fetch, redirects included (a source trickling bytes is cut off)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[[str, int], Iterable[str]]


class SourceError(Exception):
    """The original cannot be had: refused, unreachable, too big (the message says which)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(f"cannot resolve {host!r}: {exc}") from None
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    """Whether an address is on the public internet (no loopback, private, link-local, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return is_public(str(ip.ipv4_mapped))
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback
                                 or ip.is_private or ip.is_unspecified)


def static_file(url: str, folder: str) -> Path:
    """The file behind a ``/static/...`` source; SourceError unless it is a file inside the folder."""
    root = Path(folder).resolve()
    path = urlsplit(url).path
    if not path.startswith("/static/"):
        raise SourceError(f"not a static path: {url!r}")
    target = (root / unquote(path.removeprefix("/static/"))).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise SourceError(f"no such static file: {url!r}")
    return target


def read_static(url: str, folder: str) -> bytes:
    """A ``/static/...`` source, read from the static folder (never outside it)."""
    target = static_file(url, folder)
    if target.stat().st_size > MAX_BYTES:
        raise SourceError(f"{url!r} is over {MAX_BYTES} bytes")
    return target.read_bytes()


class Fetcher:
    """Remote originals over httpx, with the checks above; ``allowed`` is ``IMAGE_HOSTS``."""

    def __init__(self, allowed: Iterable[str] = (), resolver: Resolver | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 5.0,
                 deadline: float = DEADLINE) -> None:
        self.allowed = frozenset(allowed)
        self.resolver = resolver or system_resolver
        self.deadline = deadline
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)), follow_redirects=False,
                                 trust_env=False, transport=transport,
                                 limits=httpx.Limits(max_keepalive_connections=0),
                                 headers={"User-Agent": "storefront-images/0.1", "Accept": "image/*"})

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    def fetch(self, url: str) -> bytes:
        """The bytes of a remote original, following at most 3 redirects, each checked."""
        deadline = time.monotonic() + self.deadline
        for _ in range(MAX_REDIRECTS + 1):
            request = self._request(url)
            try:
                response = self.http.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise SourceError(f"cannot fetch {url!r}: {exc.__class__.__name__}") from None
            try:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code != 200:
                    raise SourceError(f"{url!r} answered {response.status_code}")
                return _read_capped(response, url, deadline, self.deadline)
            finally:
                response.close()
        raise SourceError(f"more than {MAX_REDIRECTS} redirects from {url!r}")

    def _request(self, url: str) -> httpx.Request:
        """A request for ``url`` once it passes the checks: to the checked address when not allow-listed."""
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".").lower()
        try:
            port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
        except ValueError:
            raise SourceError(f"bad port in {url!r}") from None
        if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
            raise SourceError(f"not an http(s) URL: {url[:80]!r}")
        if self.allowed:  # as PLATFORM_HOST: an entry without a port is the scheme's default port only
            bare = port == _DEFAULT_PORTS[scheme] and format_host(host) in self.allowed
            if not bare and format_host(host, port) not in self.allowed:
                raise SourceError(f"{format_host(host, port)} is not in IMAGE_HOSTS")
            return self.http.build_request("GET", url)
        if scheme != "https":
            raise SourceError(f"only https sources are fetched: {url[:80]!r}")
        addresses = list(self.resolver(host, port))
        if not addresses or not all(is_public(a) for a in addresses):
            raise SourceError(f"{host} resolves to a non-public address")
        target = httpx.URL(url).copy_with(host=addresses[0])
        host_header = host if port == 443 else f"{host}:{port}"
        return self.http.build_request("GET", target, headers={"Host": host_header},
                                       extensions={"sni_hostname": host})


def _read_capped(response: httpx.Response, url: str, deadline: float, seconds: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise SourceError(f"{url!r} is {declared} bytes, over {MAX_BYTES}")
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise SourceError(f"{url!r} is over {MAX_BYTES} bytes")
            if time.monotonic() > deadline:
                raise SourceError(f"{url!r} took more than {seconds:g} s")
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot read {url!r}: {exc.__class__.__name__}") from None
    return b"".join(chunks)

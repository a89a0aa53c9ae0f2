"""Custom domains and host validation: each store on its own domain, no attacker host in links."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from helpers.app import FLORA, TIGRIS, make_app
from helpers.pages import body_of

from storefront import create_app
from storefront.sendy.sandbox import Sandbox

DOMAINS = '{"flora.example": "flora-baghdad", "www.flora.example": "flora-baghdad"}'


@pytest.fixture
def app(sandbox) -> Flask:
    return create_app({"TESTING": True, "SANDBOX": sandbox, "STORE_DOMAINS": DOMAINS,
                       "PLATFORM_HOST": "shops.example"})


def _get(client, path: str, host: str):
    return client.get(path, base_url=f"https://{host}")


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/", "/p/FLR-ROSE-12", "/faq", "/about", "/policies/returns", "/en/"])
def test_custom_domain_serves_the_store_at_root(client, path) -> None:
    response = _get(client, path, "flora.example")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    pages = [u for u in _links(html) if "/static/" not in u and not u.startswith("/img/")]  # global paths
    assert pages and not [u for u in pages if "/flora-baghdad" in u]  # same pages, paths without the slug


def test_custom_domain_links_and_canonical_use_the_domain(client) -> None:
    html = _get(client, "/p/FLR-ROSE-12", "flora.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://flora.example/p/FLR-ROSE-12">' in html
    assert 'hreflang="en" href="https://flora.example/en/p/FLR-ROSE-12"' in html
    assert 'property="og:url" content="https://flora.example/p/FLR-ROSE-12"' in html
    assert 'href="/cart"' in html


def test_platform_path_of_a_custom_domain_store_is_canonical_on_its_domain(client) -> None:
    html = _get(client, f"/{FLORA}/faq", "shops.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://flora.example/faq">' in html
    assert 'hreflang="x-default" href="https://flora.example/faq"' in html
    assert f'href="/{FLORA}/about"' in html  # navigation stays where the shopper is


def test_custom_domain_sitemap_and_robots(client) -> None:
    index = _get(client, "/sitemap.xml", "flora.example").get_data(as_text=True)  # a sitemap index
    parts = re.findall(r"<loc>([^<]+)</loc>", index)
    assert parts == ["https://flora.example/sitemap-pages.xml", "https://flora.example/sitemap-products-1.xml"]
    sitemap = _get(client, "/sitemap-products-1.xml", "flora.example").get_data(as_text=True)
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(u.startswith("https://flora.example/") for u in locs)
    assert "https://flora.example/en/p/FLR-ROSE-12" in locs
    robots = _get(client, "/robots.txt", "flora.example").get_data(as_text=True)
    assert "Sitemap: https://flora.example/sitemap.xml" in robots
    assert "Disallow: /cart/" in robots and "Disallow: /orders/" in robots
    platform_sitemap = _get(client, f"/{FLORA}/sitemap.xml", "shops.example").get_data(as_text=True)
    assert "https://flora.example/" in platform_sitemap and "shops.example" not in platform_sitemap


def test_custom_domain_only_serves_its_own_store(client) -> None:
    assert _get(client, "/tigris-tech/", "flora.example").status_code == 404
    static = _get(client, "/static/css/site.css", "flora.example")
    static.close()
    assert static.status_code == 200
    assert _get(client, "/healthz", "flora.example").status_code == 200


def test_custom_domain_cart_flow(client) -> None:
    added = client.post("/cart/add", data={"sku": "FLR-ROSE-12"}, base_url="https://flora.example",
                        headers={"Origin": "https://flora.example"})
    assert added.status_code == 303 and added.headers["Location"] == "/cart"
    cart = _get(client, "/cart", "flora.example")
    assert "FLR-ROSE-12" in cart.get_data(as_text=True)
    assert "Path=/;" in cart.headers["Set-Cookie"] or "sf_cart=1; " in cart.headers["Set-Cookie"]


@pytest.mark.parametrize("host", ["evil.example", "flora.example.evil.example", "shops.example.evil"])
def test_unknown_hosts_get_404_without_their_name(client, host) -> None:
    response = _get(client, f"/{FLORA}/", host)
    assert response.status_code == 404
    assert host not in response.get_data(as_text=True)


def test_platform_host_serves_slug_paths(client) -> None:
    assert _get(client, f"/{FLORA}/", "shops.example").status_code == 200
    assert _get(client, "/", "shops.example").status_code == 200


def test_without_platform_host_any_host_serves(sandbox) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox}).test_client()
    assert client.get(f"/{FLORA}/", base_url="http://anything.local").status_code == 200


def test_proxy_headers_trusted_only_when_configured(sandbox) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "flora.example"}
    trusting = create_app({"TESTING": True, "SANDBOX": sandbox, "STORE_DOMAINS": DOMAINS,
                           "TRUSTED_PROXIES": "1"}).test_client()
    html = trusting.get("/", base_url="http://10.0.0.5", headers=headers).get_data(as_text=True)
    assert '<link rel="canonical" href="https://flora.example/">' in html
    plain = create_app({"TESTING": True, "SANDBOX": sandbox, "STORE_DOMAINS": DOMAINS}).test_client()
    assert plain.get("/", base_url="http://10.0.0.5", headers=headers).status_code == 200
    html = plain.get(f"/{FLORA}/", base_url="http://10.0.0.5", headers=headers).get_data(as_text=True)
    assert "10.0.0.5" not in html or "flora.example" in html  # forwarded host ignored
    assert 'href="https://flora.example/"' in html  # canonical still on the store's own domain


# -- the Host header: parsed strictly, matched with its port -----------------------------------
JUNK = ["shops.example:80@evil.example", "user@shops.example", "shops.example:1x", "shops.example:99999",
        "shops.example:0", "shops.example:-1", "shops.example:", "shops example", "shops..example",
        ".shops.example", "-shops.example", "shops.example/evil", "[::1", "[::1]x", "::1", "999.1.1.1", ""]


def _as_host(client, path: str, host: str, scheme: str = "https", **kwargs):
    """GET with this exact ``Host`` header (werkzeug's base_url would take ``user@`` for userinfo)."""
    return client.get(path, base_url=f"{scheme}://localhost", environ_overrides={"HTTP_HOST": host}, **kwargs)


def _head_links(html: str) -> list[str]:
    """The canonical link, then the hreflang alternates."""
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    return canonical + re.findall(r'<link rel="alternate" hreflang="[^"]+" href="([^"]+)">', html)


def _assert_unknown_host(response) -> None:
    assert response.status_code == 404
    assert response.get_data(as_text=True) == "Unknown host.\n" and response.mimetype == "text/plain"
    assert "Content-Security-Policy" not in response.headers  # the app adds it to each of its responses


@pytest.mark.parametrize(("scheme", "host"), [("https", "shops.example:1337"), ("https", "shops.example:8443"),
                                              ("https", "shops.example:80"), ("http", "shops.example:443")])
def test_platform_host_without_a_port_admits_only_the_default_port(client, scheme, host) -> None:
    _assert_unknown_host(_as_host(client, f"/{TIGRIS}/", host, scheme))


@pytest.mark.parametrize(("scheme", "host"), [("https", "shops.example"), ("https", "shops.example:443"),
                                              ("http", "shops.example:80"), ("https", "Shops.Example.")])
def test_platform_host_on_its_default_port_links_without_a_port(client, scheme, host) -> None:
    response = _as_host(client, f"/{TIGRIS}/", host, scheme)
    assert response.status_code == 200
    links = _head_links(response.get_data(as_text=True))
    assert links[0] == f"{scheme}://shops.example/{TIGRIS}/"
    assert f"{scheme}://shops.example/{TIGRIS}/ar/" in links
    assert all(u.startswith(f"{scheme}://shops.example/{TIGRIS}/") for u in links)


@pytest.mark.parametrize("host", JUNK)
def test_malformed_host_is_refused_before_the_app(client, sandbox, host) -> None:
    _assert_unknown_host(_as_host(client, f"/{TIGRIS}/", host))
    development = create_app({"TESTING": True, "SANDBOX": sandbox}).test_client()  # any host, but well-formed
    _assert_unknown_host(_as_host(development, f"/{TIGRIS}/", host))


def test_store_domain_admits_only_the_default_port(client) -> None:
    _assert_unknown_host(_as_host(client, "/", "flora.example:1337"))
    _assert_unknown_host(_as_host(client, "/", "flora.example:80", "https"))
    response = _as_host(client, "/", "flora.example:443")
    assert response.status_code == 200
    links = _head_links(response.get_data(as_text=True))
    assert links[0] == "https://flora.example/" and "https://flora.example/en/" in links


def test_platform_host_with_a_port_matches_exactly_that(sandbox) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox,
                         "PLATFORM_HOST": "127.0.0.1:8000,[::1]:5000"}).test_client()
    for host in ("127.0.0.1:8000", "[::1]:5000", "[0:0::1]:5000"):
        response = _as_host(client, f"/{TIGRIS}/", host, "http")
        assert response.status_code == 200
        shown = "[::1]:5000" if "::" in host else host
        assert _head_links(response.get_data(as_text=True))[0] == f"http://{shown}/{TIGRIS}/"
    for host in ("127.0.0.1", "127.0.0.1:8001", "[::1]", "[::1]:5001", "localhost:8000"):
        _assert_unknown_host(_as_host(client, f"/{TIGRIS}/", host, "http"))


def test_ipv6_host_in_development(sandbox) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox}).test_client()
    response = _as_host(client, f"/{TIGRIS}/", "[::1]:5000", "http")
    assert response.status_code == 200
    assert _head_links(response.get_data(as_text=True))[0] == f"http://[::1]:5000/{TIGRIS}/"


# -- forwarded headers: only http and https are believed ---------------------------------------
@pytest.mark.parametrize("proto", ["javascript", "data", "ftp", "JavaScript"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_forwarded_proto_other_than_http_is_ignored(sandbox, proto, scheme) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox, "STORE_DOMAINS": DOMAINS,
                         "TRUSTED_PROXIES": "1"}).test_client()
    headers = {"X-Forwarded-Proto": proto}
    platform = client.get(f"/{TIGRIS}/", base_url=f"{scheme}://shops.example", headers=headers)
    links = _head_links(platform.get_data(as_text=True))
    assert platform.status_code == 200 and links[0] == f"{scheme}://shops.example/{TIGRIS}/"
    assert all(u.startswith(f"{scheme}://shops.example/") for u in links)
    forwarded = {**headers, "X-Forwarded-Host": "flora.example"}
    own_domain = client.get("/", base_url=f"{scheme}://10.0.0.5", headers=forwarded)
    assert own_domain.status_code == 200
    assert _head_links(own_domain.get_data(as_text=True))[0] == f"{scheme}://flora.example/"
    assert "javascript:" not in own_domain.get_data(as_text=True).lower()


def test_forwarded_proto_in_capitals_is_lowercased(sandbox) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox, "TRUSTED_PROXIES": "1"}).test_client()
    response = client.get(f"/{TIGRIS}/", base_url="http://shops.example", headers={"X-Forwarded-Proto": "HTTPS"})
    assert _head_links(response.get_data(as_text=True))[0] == f"https://shops.example/{TIGRIS}/"


def test_forwarded_host_and_port_are_checked_like_the_host_header(sandbox) -> None:
    client = create_app({"TESTING": True, "SANDBOX": sandbox, "PLATFORM_HOST": "shops.example",
                         "TRUSTED_PROXIES": "1"}).test_client()
    base = "https://shops.example"
    _assert_unknown_host(client.get(f"/{TIGRIS}/", base_url=base, headers={"X-Forwarded-Port": "1337"}))
    _assert_unknown_host(client.get(f"/{TIGRIS}/", base_url=base, headers={"X-Forwarded-Port": "80@evil"}))
    _assert_unknown_host(client.get(f"/{TIGRIS}/", base_url=base,
                                    headers={"X-Forwarded-Host": "shops.example:80@evil.example"}))
    assert client.get(f"/{TIGRIS}/", base_url=base, headers={"X-Forwarded-Port": "443"}).status_code == 200


# -- production: only configured hosts ---------------------------------------------------------
def test_production_with_only_store_domains_serves_only_them(sandbox) -> None:
    app = create_app({"TESTING": True, "SENDY_BASE_URL": "https://sendy.test", "SECRET_KEY": "k" * 48,
                      "SENDY_API_KEYS": sandbox.demo_api_keys(), "SENDY_TRANSPORT": sandbox.transport(),
                      "STORE_DOMAINS": DOMAINS})
    client = app.test_client()
    for host in ("evil.example", "10.0.0.5", "flora.example:8443"):
        _assert_unknown_host(_as_host(client, f"/{TIGRIS}/", host))
    response = _as_host(client, "/", "flora.example")
    assert response.status_code == 200
    assert _head_links(response.get_data(as_text=True))[0] == "https://flora.example/"
    app.extensions["sendy"].close()



# -- a hostile Host or X-Forwarded-Host --------------------------------------------------------------
def test_a_hostile_host_or_forwarded_host_is_refused_when_hosts_are_configured(sandbox: Sandbox) -> None:
    app = make_app(sandbox, PLATFORM_HOST="shops.example.com", TRUSTED_PROXIES="1")
    client = app.test_client()
    assert client.get(f"/{FLORA}/", headers={"Host": "evil.example"}).status_code == 404
    forwarded = client.get(f"/{FLORA}/", headers={"Host": "shops.example.com", "X-Forwarded-Host": "evil.example"})
    assert forwarded.status_code == 404 and "evil.example" not in body_of(forwarded)
    odd_scheme = client.get(f"/{FLORA}/", headers={"Host": "shops.example.com", "X-Forwarded-Proto": "javascript"})
    assert odd_scheme.status_code == 200 and "javascript://" not in body_of(odd_scheme)
    assert 'href="http://shops.example.com/flora-baghdad/"' in body_of(odd_scheme)

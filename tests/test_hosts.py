"""Custom domains and host validation: each store on its own domain, no attacker host in links."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from storefront import create_app
from tests.conftest import FLORA

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
    pages = [u for u in _links(html) if "/static/" not in u]
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
    sitemap = _get(client, "/sitemap.xml", "flora.example").get_data(as_text=True)
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

"""Rendered catalog pages are cached briefly; search pages are not; invalidation drops them;
odd Accept-Encoding headers and made-up query parameters cannot poison or flood the cache."""

from __future__ import annotations

import gzip
import random
import string

import pytest
from helpers.app import FLORA

from storefront.runtime import session as session_budget
from storefront.services import caches


def _storefront_calls(sandbox) -> int:
    return sum(1 for _, path in sandbox.requests if "/public/storefronts/" in path)


def test_catalog_page_rendered_once_per_minute(client, sandbox) -> None:
    first = client.get(f"/{FLORA}/p/FLR-ROSE-12").get_data()
    sandbox.faults.add("storefront", "status", status=500)
    second = client.get(f"/{FLORA}/p/FLR-ROSE-12").get_data()
    assert first == second
    assert _storefront_calls(sandbox) == 1


def test_pages_differ_by_host_and_language(client) -> None:
    ar = client.get(f"/{FLORA}/faq").get_data(as_text=True)
    en = client.get(f"/{FLORA}/en/faq").get_data(as_text=True)
    other_host = client.get(f"/{FLORA}/faq", base_url="http://other.test").get_data(as_text=True)
    assert 'lang="ar-IQ"' in ar and 'lang="en"' in en
    assert "http://other.test/" in other_host and "http://other.test/" not in ar


def test_search_results_are_not_cached(client, sandbox) -> None:
    client.get(f"/{FLORA}/")
    client.get(f"/{FLORA}/?q=rose")
    calls = len(sandbox.requests)
    for word in ("a", "b", "c"):
        client.get(f"/{FLORA}/?q={word}")
    assert len(sandbox.requests) == calls  # the store payload itself is still cached


def test_forget_store_drops_cached_pages(app, client, sandbox) -> None:
    before = client.get(f"/{FLORA}/").get_data(as_text=True)
    store = sandbox.state.stores[FLORA]
    store.storefront["name"] = "Renamed Flora"
    assert "Renamed Flora" not in client.get(f"/{FLORA}/").get_data(as_text=True)
    with app.app_context():
        caches.forget_store(FLORA)
    after = client.get(f"/{FLORA}/").get_data(as_text=True)
    assert "Renamed Flora" in after and after != before


def test_session_cookie_stays_within_browser_limits(app) -> None:
    """Many long SKUs: lines that would not fit are refused, the cookie stays under 4 KB."""
    skus = ["".join(random.choices(string.ascii_uppercase + string.digits, k=60)) for _ in range(25)]
    store = app.extensions["sandbox"].state.stores[FLORA]
    store.storefront["products"] += [
        {"id": sku, "sku": sku, "name": sku, "price": 1000, "inStock": True} for sku in skus]
    client = app.test_client()
    refused = 0
    for sku in skus:
        response = client.post(f"/{FLORA}/en/cart/add", data={"sku": sku}, headers={"Origin": "http://localhost"})
        assert response.status_code == 303
        page = client.get(f"/{FLORA}/en/cart").get_data(as_text=True)
        refused += "Your cart is full" in page
        cookie = client.get_cookie("session")
        assert cookie is not None and len(cookie.value) < 2_200 + 100
    assert refused > 0
    # a store's full cart and its checkout in progress always fit together
    budget = session_budget
    assert budget.STORE_CART_BYTES + budget.CHECKOUT_BYTES + 300 < budget.SESSION_BYTES < 4_096 - 200


def test_cached_pages_are_served_precompressed(client) -> None:
    import gzip

    import brotli

    plain = client.get(f"/{FLORA}/faq").get_data()
    br = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": "gzip, deflate, br"})
    gz = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.get_data()) == plain
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == plain
    assert "Accept-Encoding" in br.headers["Vary"]


def test_one_refresh_at_a_time_others_serve_the_last_good_copy(app, client, sandbox) -> None:
    """When the store expires under load, only one request asks Sendy."""
    from storefront.extensions import cache

    client.get(f"/{FLORA}/")
    with app.app_context():
        caches.forget_store(FLORA)
        cache.add(f"refresh:store:{FLORA}", 1, timeout=10)  # another worker is refreshing
    calls = _storefront_calls(sandbox)
    assert client.get(f"/{FLORA}/about").status_code == 200
    assert _storefront_calls(sandbox) == calls  # served from the stale copy, Sendy not asked


def test_replayed_pages_get_their_own_request_id_and_never_a_cookie(client) -> None:
    first = client.get(f"/{FLORA}/about", headers={"X-Request-ID": "first-request-1"})
    second = client.get(f"/{FLORA}/about", headers={"X-Request-ID": "second-request-2"})
    assert first.get_data() == second.get_data()
    assert first.headers["X-Request-ID"] == "first-request-1"
    assert second.headers["X-Request-ID"] == "second-request-2"
    assert "Set-Cookie" not in second.headers
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_private_pages_are_never_replayed(client) -> None:
    client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"}, headers={"Origin": "http://localhost"})
    other = client.application.test_client()
    assert "FLR-ROSE-12" in client.get(f"/{FLORA}/cart").get_data(as_text=True)
    assert "FLR-ROSE-12" not in other.get(f"/{FLORA}/cart").get_data(as_text=True)



# -- odd Accept-Encoding and made-up parameters ------------------------------------------------------
@pytest.mark.parametrize(("poison", "victim", "expected"), [
    ("gzip;q=abc", "", None),  # a malformed q: not an acceptable gzip
    ("gzip, br;q=x", "gzip", "gzip"),
    ("gzip;q=0", "gzip;q=0", None),  # q=0 means "not gzip"
    ("br", "gzip, deflate", "gzip"),
    ("gzip", "identity", None),
])
def test_accept_encoding_cannot_poison_the_page_cache(client, poison, victim, expected) -> None:
    first = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": poison})
    assert first.status_code == 200
    response = client.get(f"/{FLORA}/faq", headers={"Accept-Encoding": victim})
    assert response.headers.get("Content-Encoding") == expected
    body = response.get_data()
    html = gzip.decompress(body) if expected == "gzip" else body
    assert b"<html" in html


def test_only_real_variants_are_cached(app, client) -> None:
    pages = app.extensions["page_cache"].pages
    assert client.get(f"/{FLORA}/?category=nope").status_code == 404
    assert client.get(f"/{FLORA}/?category=").status_code == 404
    for query in ("fbclid=abc", "category=roses&category=roses", "utm_source=ig&x=1"):
        client.get(f"/{FLORA}/?{query}")
    assert not pages._cache  # nothing kept for made-up or repeated parameters
    assert client.get(f"/{FLORA}/").status_code == 200
    assert len(pages._cache) == 1

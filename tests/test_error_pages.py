"""Error pages: the store's own header or the platform's, a "Try again" that leads back to the very
same address and never off the site, an expired form offering the page it came from, and nothing
of the crash (or of a hostile query, Referer or store name) reflected into the page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, TIGRIS, make_app, tiny_store
from helpers.pages import SCRIPT, anchors, body_of, brand, browser_host, visible

from storefront.sendy.sandbox import Sandbox
from storefront.services import catalog

_TRY = re.compile(r'<a class="button primary" href="([^"]*)" rel="nofollow">')


def try_again(page: str) -> str | None:
    """The raw href of the error page's "Try again" link (entities decoded), None without one."""
    match = _TRY.search(page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def crashing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """A client on an app whose store home and product pages crash (the 500 page with "Try again")."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "browse", crash)
    return app.test_client()


# -- the header, "Try again" and "Back to" of each error page ----------------------------------------
def test_a_server_error_of_a_known_store_wears_its_header_and_offers_try_again(shared_client: FlaskClient,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: Any) -> None:
        raise RuntimeError("secret internals: /srv/app.py line 7")

    monkeypatch.setattr(catalog, "browse", crash)
    response = shared_client.get(f"/{FLORA}/en/?sort=price")
    page = body_of(response)
    assert response.status_code == 500
    assert brand(page) == "فلورا بغداد"  # the store's own header, in the URL's language
    assert '<html lang="en"' in page and "Something went wrong on our side" in page
    links = {visible(inner): attrs for attrs, inner in anchors(page)}
    assert f'href="/{FLORA}/en/?sort=price"' in links["Try again"]
    assert f'href="/{FLORA}/en/"' in links["Back to فلورا بغداد"]
    assert "secret internals" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert "Storefront" not in page


def test_store_unreachable_shows_the_platform_header_and_try_again(sandbox: Sandbox) -> None:
    sandbox.faults.add("storefront", "status", status=500)
    client = make_app(sandbox).test_client()
    response = client.get(f"/{TIGRIS}/?page=2")
    page = body_of(response)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert brand(page) == "متاجر العراق"
    links = {visible(inner): attrs for attrs, inner in anchors(page)}
    assert f'href="/{TIGRIS}/?page=2"' in links["أعد المحاولة"]
    assert 'href="/"' in links["الذهاب إلى الصفحة الرئيسية"]


def test_a_missing_product_has_the_store_header_and_no_try_again(shared_client: FlaskClient) -> None:
    response = shared_client.get(f"/{FLORA}/en/p/NO-SUCH-SKU")
    page = body_of(response)
    assert response.status_code == 404 and brand(page) == "فلورا بغداد"
    assert "Try again" not in page and "Back to" in page


def test_an_expired_form_offers_the_page_it_came_from(shared_app: Flask) -> None:
    client = shared_app.test_client()
    response = client.post(f"/{FLORA}/en/checkout", data={"action": "continue", "name": "Ali"},
                           headers={"Referer": f"http://localhost/{FLORA}/en/checkout?step=1"})
    assert response.status_code == 400 and "This page has expired" in body_of(response)
    links = {visible(inner): attrs for attrs, inner in anchors(body_of(response))}
    assert f'href="/{FLORA}/en/checkout?step=1"' in links["Try again"]
    elsewhere = client.post(f"/{FLORA}/en/checkout", data={"action": "continue"},
                            headers={"Referer": "https://evil.example/phish"})
    assert "Try again" not in body_of(elsewhere) and "evil.example" not in body_of(elsewhere)


# -- "Try again" never leaves the site, never reflects script ----------------------------------------
@pytest.mark.parametrize("query", [
    "q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "next=//evil.example/&x=javascript:alert(1)",
    "q=%0d%0aSet-Cookie:%20x=1",
    "q=" + "%D8%B2" * 2000,
    "q=%ff%fe%00",
])
def test_try_again_after_a_crash_keeps_a_hostile_query_on_this_page(crashing: FlaskClient, query: str) -> None:
    response = crashing.get(f"/{FLORA}/en/?{query}")
    page = body_of(response)
    assert response.status_code == 500
    href = try_again(page)
    assert href is not None and href.startswith(f"/{FLORA}/en/?")
    assert browser_host(href) == "localhost"
    assert "<script>" not in page and "Set-Cookie" not in str(response.headers)


@pytest.mark.parametrize("path", ["%09/%5Cevil.example", "%2F%2Fevil.example", "%5C%5Cevil.example",
                                  "%ff%fe", "a%0d%0aLocation:%20//evil.example"])
def test_try_again_on_a_crashing_product_page_with_a_hostile_sku(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                                 path: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "find", crash)
    response = app.test_client().get(f"/{FLORA}/en/p/{path}")
    if response.status_code == 308:  # werkzeug merges the slashes first
        assert browser_host(response.headers["Location"]) == "localhost"
        return
    assert response.status_code in (404, 500)  # a control character in the SKU: not a product
    href = try_again(body_of(response))
    assert href is None or (href.startswith(f"/{FLORA}/en/p/") and browser_host(href) == "localhost")


@pytest.mark.parametrize("referer", [
    "https://evil.example/phish",
    "http://localhost.evil.example/flora-baghdad/cart",
    "http://localhost@evil.example/flora-baghdad/cart",
    "http://evil.example@localhost//evil.example/",
    "http://localhost//evil.example/x",
    "http://localhost/\\evil.example/x",
    "http://localhost/\t/evil.example",
    "http://localhost/\t\\evil.example",
    "http://localhost/%09/evil.example",
    "javascript://localhost/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//localhost//evil.example",
    "http://LOCALHOST//evil.example",
    "http://localhost/" + SCRIPT,
])
def test_try_again_after_an_expired_form_never_follows_a_hostile_referer(client: FlaskClient, referer: str) -> None:
    response = client.post(f"/{FLORA}/en/checkout", data={"action": "continue"}, headers={"Referer": referer})
    page = body_of(response)
    assert response.status_code == 400
    href = try_again(page)
    assert href is None or browser_host(href) == "localhost"
    assert "evil.example" not in (href or "") or browser_host(href) == "localhost"
    assert "<script>" not in page and "javascript:" not in page.lower()


def test_try_again_on_a_custom_domain_is_the_domain_path(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(sandbox, PROPAGATE_EXCEPTIONS=False, STORE_DOMAINS='{"shop.example.com": "flora-baghdad"}')

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "browse", crash)
    client = app.test_client()
    response = client.get("/en/?sort=price", headers={"Host": "shop.example.com"})
    assert response.status_code == 500 and try_again(body_of(response)) == "/en/?sort=price"
    # a POST on the domain: the Referer of the domain itself only
    expired = client.post("/checkout", data={"action": "continue"}, headers={
        "Host": "shop.example.com", "Referer": "http://shop.example.com/cart"})
    assert try_again(body_of(expired)) == "/cart"
    other = client.post("/checkout", data={"action": "continue"}, headers={
        "Host": "shop.example.com", "Referer": "http://localhost/flora-baghdad/cart"})
    assert try_again(body_of(other)) is None


def test_a_hostile_store_name_on_the_error_page_is_text(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("xss-shop", name=SCRIPT))
    page = body_of(make_app(sandbox).test_client().get("/xss-shop/p/NOPE"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<bdi>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</bdi>' in page


@pytest.mark.parametrize(("sku", "link"), [("A%3FB", "/p/A%3FB"), ("A%23B", "/p/A%23B"), ("A%20B", "/p/A%20B"),
                                           ("%D9%88%D8%B1%D8%AF", "/p/%D9%88%D8%B1%D8%AF")])
def test_try_again_leads_back_to_the_very_same_address(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                       sku: str, link: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "find", crash)
    response = app.test_client().get(f"/{FLORA}/en/p/{sku}?variant=x%26y")
    assert response.status_code == 500
    assert try_again(body_of(response)) == f"/{FLORA}/en{link}?variant=x%26y"  # not /p/A?B, not a #fragment

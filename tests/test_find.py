"""Finding things (issue 22, part B): suggestions as the shopper types, the plain search page, the
category menu on every page, and listing filters (options, price, in stock) cacheable only for real values."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, HONEY, tiny_store
from helpers.pages import card_skus, html_of

from storefront.sendy.models import Option, Product
from storefront.sendy.sandbox import Sandbox
from storefront.services import caches
from storefront.services.filters import build_facets, parse_price
from storefront.services.suggest import MAX_PRODUCTS

LAYLA = "layla-boutique"
SIZE = "المقاس"


def _suggest(client: FlaskClient, slug: str, q: str) -> dict[str, Any]:
    response = client.get(f"/{slug}/search/suggest?q={quote(q)}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()  # type: ignore[no-any-return]


def _pages(app: Flask) -> int:
    return len(app.extensions["page_cache"].pages._cache)


# -- suggestions -----------------------------------------------------------------------------
def test_suggestions_fold_arabic_and_read_arabic_indic_digits(client: FlaskClient) -> None:
    found = _suggest(client, HONEY, "عسل ٥٠٠")  # ٥٠٠ is 500
    names = [p["name"] for p in found["products"]]
    assert "عسل جبلي طبيعي - 500 غم" in names and "عسل جبلي طبيعي - 1 كغم" not in names
    first = found["products"][0]
    assert first["url"].startswith(f"/{HONEY}/p/") and first["price"] and first["image"].startswith("/")
    assert found["more"] == f"/{HONEY}/?q=" + quote("عسل ٥٠٠").replace("%20", "+")
    # ta marbuta and hamza folded as on the results page: "باقه" finds "باقة", "الاعراس" finds "الأعراس"
    assert any("باقة" in p["name"] for p in _suggest(client, FLORA, "باقه")["products"])
    assert [c["name"] for c in _suggest(client, FLORA, "الاعراس")["categories"]] == ["الأعراس والمناسبات"]
    roses = _suggest(client, FLORA, "جوري")["categories"]
    assert roses == [{"name": "ورد جوري", "url": f"/{FLORA}/?category=cat-roses", "parent": "باقات الورد"}]


def test_suggestions_speak_the_page_language(client: FlaskClient) -> None:
    ar = _suggest(client, HONEY, "عسل")["products"][0]
    en = client.get(f"/{HONEY}/en/search/suggest?q={quote('عسل')}").get_json()["products"][0]
    assert ar["name"] == en["name"] and ar["price"] != en["price"] and "IQD" in en["price"]
    assert en["url"].startswith(f"/{HONEY}/en/p/")


def test_suggestions_are_bounded(client: FlaskClient, sandbox: Sandbox) -> None:
    products = [{"sku": f"W-{n}", "name": f"Wool scarf {n}", "price": 1000 + n} for n in range(40)]
    sandbox.add_store(tiny_store("wool", products=products))
    assert len(_suggest(client, "wool", "scarf")["products"]) == MAX_PRODUCTS
    assert _suggest(client, "wool", "")["products"] == []
    assert _suggest(client, "wool", "   ")["products"] == []
    long = _suggest(client, "wool", "scarf " * 2000)  # cut to 100 characters, still answers
    assert len(long["products"]) == MAX_PRODUCTS and len(long["more"]) < 400


def test_hostile_names_are_data_in_json_and_text_in_pages(client: FlaskClient, sandbox: Sandbox) -> None:
    evil = '<img src=x onerror="alert(1)">Scarf</script>'
    sandbox.add_store(tiny_store("evil", products=[{"sku": "E-1", "name": evil, "price": 1000}],
                                 categories=[{"id": "c<1>", "name": "<b>Cat</b>"}]))
    response = client.get("/evil/search/suggest?q=scarf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["products"][0]["name"] == evil  # data, for textContent
    home = html_of(client, "/evil/")
    assert "<img src=x" not in home and "<b>Cat</b>" not in home and "&lt;b&gt;Cat&lt;/b&gt;" in home


def test_suggestions_are_public_briefly_and_never_kept_by_the_page_cache(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"/{FLORA}/search/suggest?q=x")
    assert response.headers["Cache-Control"].startswith("public, max-age=60")
    before = _pages(app)
    for word in ("a", "b", "c", "ورد"):
        client.get(f"/{FLORA}/search/suggest?q={quote(word)}")
        client.get(f"/{FLORA}/search/suggest?q={quote(word)}&utm_source=x")
    assert _pages(app) == before


# -- the plain search page -------------------------------------------------------------------
def test_the_header_search_is_a_real_form_without_javascript(client: FlaskClient) -> None:
    home = html_of(client, f"/{FLORA}/")
    link = re.search(r'<a class="ico" href="([^"]+)" data-suggest="([^"]+)"', home)
    assert link and link.groups() == (f"/{FLORA}/search", f"/{FLORA}/search/suggest")
    assert 'id="q"' not in home  # no inline search box on the home: the header's replaces it
    page = html_of(client, link.group(1))
    form = re.search(r'<form class="search" role="search" method="get" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form and form.group(1) == f"/{FLORA}/"
    assert 'name="q"' in form.group(2) and 'placeholder="' in form.group(2) and '<label for="q">' in page
    assert f'href="/{FLORA}/?category=cat-roses"' in page  # the categories, to browse instead
    # submitted: the results (Arabic-Indic digits and folding as always), with the box to refine them
    results = client.get(f"/{FLORA}/search?q={quote('باقه ١٢')}", follow_redirects=True).get_data(as_text=True)
    assert card_skus(results) == ["FLR-ROSE-12"]
    assert 'value="باقه ١٢"' in results


# -- the category menu -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/en/", "/?category=cat-roses", "/p/FLR-ROSE-12", "/cart", "/about", "/faq",
                                  "/policies/shipping", "/search", "/p/NO-SUCH", "/?q=x"])
def test_the_category_menu_is_on_every_page(client: FlaskClient, path: str) -> None:
    page = client.get(f"/{FLORA}{path}").get_data(as_text=True)
    prefix = f"/{FLORA}/en/" if path.startswith("/en/") else f"/{FLORA}/"
    header = page.split("</header>", 1)[0]
    menu = re.search(rf'<a class="ico" href="({re.escape(prefix)}search)#cats">', header)
    assert menu, path
    categories = html_of(client, menu.group(1))  # a real page: no JavaScript needed
    listed = re.search(r'<nav aria-label="[^"]+"><ul class="cat-list">(.*?)</ul></nav>', categories, re.S)
    assert listed and 'id="cats"' in categories
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', listed.group(1))
    assert (f"{prefix}?category=cat-bouquets", "باقات الورد") in links and links[0][0] == prefix
    nested = re.search(r'باقات الورد</a><ul><li><a href="([^"]+)"', listed.group(1))  # roses under bouquets
    assert nested and unescape(nested.group(1)) == f"{prefix}?category=cat-roses"


# -- filters ---------------------------------------------------------------------------------
def _facet_arg(page: str, name: str) -> str:
    fieldset = re.search(rf'<fieldset><legend>{name}</legend>.*?name="(f\d)"', page, re.S)
    assert fieldset, name
    return fieldset.group(1)


def _has_value(sandbox: Sandbox, option: str, value: str) -> set[str]:
    products = sandbox.state.stores[LAYLA].public_view()["products"]
    return {p["sku"] for p in products
            if any(o["name"] == option and value in o["values"] for o in p.get("options") or ())}


def test_an_option_filter_narrows_the_listing(client: FlaskClient, sandbox: Sandbox) -> None:
    home = html_of(client, f"/{LAYLA}/")
    arg = _facet_arg(home, SIZE)
    assert f'name="{arg}" value="38"' in home
    narrowed = html_of(client, f"/{LAYLA}/?{arg}=38")
    expected = _has_value(sandbox, SIZE, "38")
    assert expected and set(card_skus(narrowed)) == expected and len(card_skus(home)) > len(expected)
    assert f'name="{arg}" value="38" checked' in narrowed  # shown chosen, and removable
    assert re.search(rf'<a href="/{LAYLA}/"><span class="visually-hidden">[^<]*</span><bdi>{SIZE}: 38</bdi>', narrowed)


def test_filters_are_cached_only_for_real_values(app: Flask, client: FlaskClient) -> None:
    arg = _facet_arg(html_of(client, f"/{LAYLA}/"), SIZE)
    before = _pages(app)
    for junk in (f"{arg}=999", f"{arg}=%3Cscript%3E", "f3=38", "stock=yes", f"{arg}=38&{arg}=40", "stock=1&stock=1"):
        assert client.get(f"/{LAYLA}/?{junk}").status_code == 404, junk
    assert _pages(app) == before
    assert client.get(f"/{LAYLA}/?{arg}=38").status_code == 200
    assert _pages(app) == before + 1
    assert client.get(f"/{LAYLA}/p/LYL-ABY-CREPE?{arg}=38").status_code == 404  # not an argument of that page
    for price in ("min=5000", "max=abc", "min=1&max=2"):  # free numbers: answered, never kept
        client.get(f"/{LAYLA}/?{price}", follow_redirects=True)
    assert _pages(app) == before + 1


def test_prices_typed_in_arabic_indic_digits_have_one_url(client: FlaskClient) -> None:
    typed = client.get(f"/{LAYLA}/?min={quote('٢٠٬٠٠٠')}&max=&{_facet_arg(html_of(client, f'/{LAYLA}/'), SIZE)}=")
    assert typed.status_code == 302 and typed.headers["Location"] == f"/{LAYLA}/?min=20000"
    assert client.get(f"/{LAYLA}/?min=abc&stock=1").headers["Location"] == f"/{LAYLA}/?stock=1"
    assert client.get(f"/{LAYLA}/?min=90000&max=30000").headers["Location"] == f"/{LAYLA}/?min=30000&max=90000"


def test_price_and_stock_filters_narrow(client: FlaskClient, sandbox: Sandbox) -> None:
    products = sandbox.state.stores[LAYLA].public_view()["products"]
    everything = card_skus(html_of(client, f"/{LAYLA}/"))
    cheap = card_skus(html_of(client, f"/{LAYLA}/?max=30000"))
    assert cheap and set(cheap) < set(everything)
    assert all(p["price"] <= 30000 for p in products if p["sku"] in cheap)
    plain = next(p["sku"] for p in products if not p.get("variants"))
    assert sandbox.set_stock(LAYLA, plain, 0)
    client.application.extensions["page_cache"].pages.clear()
    with client.application.test_request_context():
        caches.forget_store(LAYLA)
    in_stock = card_skus(html_of(client, f"/{LAYLA}/?stock=1"))
    assert plain in card_skus(html_of(client, f"/{LAYLA}/")) and plain not in in_stock
    cards = re.findall(r'<li class="card">.*?</li>', html_of(client, f"/{LAYLA}/"), re.S)
    sold_out = {card_skus(c)[0] for c in cards if '<span class="tag">' in c}  # marked out of stock
    assert plain in sold_out and set(in_stock) == set(everything) - sold_out


def test_filters_combine_with_sort_pages_and_categories(client: FlaskClient, sandbox: Sandbox) -> None:
    def shirt(n: int) -> dict[str, Any]:
        sizes = ["S", "M"] if n % 2 else ["L"]
        return {"sku": f"S-{n}", "name": f"Shirt {n}", "price": 1000 * (n + 1), "categoryId": "c1",
                "options": [{"name": "Size", "values": sizes}],
                "variants": [{"sku": f"S-{n}-{v}", "optionValues": [v], "price": 1000 * (n + 1)} for v in sizes]}

    products = [shirt(n) for n in range(60)]
    sandbox.add_store(tiny_store("shirts", products=products, categories=[{"id": "c1", "name": "Shirts"}]))
    first = html_of(client, "/shirts/?f1=M&sort=price-desc")
    assert card_skus(first)[:3] == ["S-59", "S-57", "S-55"]
    assert re.search(r'<h2 class="count">30 products', first)
    assert 'href="/shirts/?sort=price-desc&amp;page=2&amp;f1=M"' in first
    second = html_of(client, "/shirts/?sort=price-desc&page=2&f1=M")
    assert card_skus(second) == ["S-11", "S-9", "S-7", "S-5", "S-3", "S-1"]
    assert card_skus(html_of(client, "/shirts/?category=c1&f1=L&max=5000")) == ["S-0", "S-2", "S-4"]
    searched = client.get(f"/shirts/?q=shirt&f1=L&max={quote('٥٠٠٠')}", follow_redirects=True).get_data(as_text=True)
    assert card_skus(searched) == ["S-0", "S-2", "S-4"]


def test_prices_as_shoppers_type_them_and_facet_values_in_order() -> None:
    assert [parse_price(t) for t in ("٢٥٬٠٠٠", "25,000", " 25000 ", "۲۵۰۰۰", "abc", "-5", "1e5", "", "9" * 10)] == \
        [25000, 25000, 25000, 25000, None, None, None, None, None]
    shirt = Product("1", "A", "A", 1000, options=(Option("Size ", ("L", "40", "S", "38")),))
    dress = Product("2", "B", "B", 2000, options=(Option("size", ("M", "38")),))
    single = Product("3", "C", "C", 3000, options=(Option("Colour", ("Red",)),))
    (facet,) = build_facets([shirt, dress, single])  # "Colour" is one product's: no facet
    assert facet.arg == "f1" and facet.name == "Size" and facet.values == ("38", "40", "L", "S", "M")
    assert facet.having["38"] == {0, 1} and facet.stocked["M"] == {1}

"""Big catalogs: pages of a listing, sorting, nested categories, the search index, sitemaps,
and the rule that made-up query values are 404s, never new cached pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.pages import card_skus, html_of

from storefront import create_app
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.sandbox.generated import big_store
from storefront.sendy.wire import parse_store
from storefront.services import caches, catalog
from storefront.services.catalog import PER_PAGE
from storefront.services.index import StoreIndex
from storefront.services.search import fold

BIG = "souq"
HOST = "http://localhost"
SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _tiny(slug: str = "tiny") -> dict[str, Any]:
    """A hand-made store whose order, prices, stock and texts the tests below rely on."""
    def p(sku: str, name: str, price: int, cat: str | None, *, desc: str = "", stock: bool = True) -> dict[str, Any]:
        return {"sku": sku, "name": name, "price": price, "categoryId": cat, "description": desc, "inStock": stock}

    return {"slug": slug, "name": "Tiny", "language": "en", "categories": [
        {"id": "wear", "name": "Wear"}, {"id": "shoes", "name": "Shoes", "parentId": "wear"},
        {"id": "boots", "name": "Boots", "parentId": "shoes"}, {"id": "home", "name": "Home"},
        {"id": "loop-a", "name": "Loop A", "parentId": "loop-b"},
        {"id": "loop-b", "name": "Loop B", "parentId": "loop-a"},
        {"id": "orphan", "name": "Orphan", "parentId": "nowhere"}],
        "products": [
            p("T-1", "Red scarf", 3000, "wear", desc="Soft wool"),
            p("T-2", "Trail boots", 9000, "boots", stock=False),
            p("T-3", "Cushion", 1000, "home", desc="Goes well with a red scarf"),
            p("T-4", "Running shoes 345", 7000, "shoes"),
            p("T-5", "Red lamp", 5000, "home", stock=False),
            p("T-6", "Blue scarf", 2000, "wear", desc="Scarves for winter: warm red lining")]}


@pytest.fixture(scope="module")
def shop() -> Iterator[tuple[FlaskClient, Flask, Sandbox]]:
    """A storefront with a generated 1,000-product store and a small hand-made one."""
    sandbox = Sandbox()
    sandbox.add_store(big_store(1000, 20, slug=BIG))
    sandbox.add_store(_tiny())
    app = create_app({"TESTING": True, "SANDBOX": sandbox, "SENDY_BACKOFF": 0.0})
    yield app.test_client(), app, sandbox
    app.extensions["sendy"].close()


@pytest.fixture
def site(shop: tuple[FlaskClient, Flask, Sandbox]) -> FlaskClient:
    return shop[0]


def _canonical(body: str) -> str:
    return unescape(re.search(r'<link rel="canonical" href="([^"]+)">', body).group(1))  # type: ignore[union-attr]


# -- pages of a listing ----------------------------------------------------------------------
def test_listings_come_in_pages_of_24(site: FlaskClient) -> None:
    first, second, last = (html_of(site, f"/{BIG}/{q}") for q in ("", "?page=2", "?page=42"))
    assert len(card_skus(first)) == len(card_skus(second)) == PER_PAGE == 24
    assert len(card_skus(last)) == 1000 - 41 * 24 and not set(card_skus(first)) & set(card_skus(second))
    assert f'<a rel="next" href="/{BIG}/?page=2">' in first and 'rel="prev"' not in first
    assert f'<a rel="prev" href="/{BIG}/">' in second and f'<a rel="next" href="/{BIG}/?page=3">' in second
    assert f'<a href="/{BIG}/?page=42">' in first and "rel=\"next\"" not in last
    assert 'data-more hidden' in first and "data-more" not in last  # "load more" is for JavaScript only
    assert '<h2 class="count">1000 منتج</h2>' in first and "1000 منتج · الصفحة 2 من 42" in second


def test_each_page_is_its_own_canonical_url(site: FlaskClient) -> None:
    assert _canonical(html_of(site, f"/{BIG}/?page=3")) == f"{HOST}/{BIG}/?page=3"
    assert _canonical(html_of(site, f"/{BIG}/en/?category=c1&page=2")) == f"{HOST}/{BIG}/en/?category=c1&page=2"
    body = html_of(site, f"/{BIG}/?page=3&sort=price-asc")
    assert _canonical(body) == f"{HOST}/{BIG}/?page=3"  # a sorted copy points at the store's own order
    assert f'hreflang="en" href="{HOST}/{BIG}/en/?page=3"' in body
    assert f"/{BIG}/language/en?next=/{BIG}/en/?page%3D3" in body  # the language switch keeps the page
    assert "<title>سوق بغداد الكبير · الصفحة 3</title>" in body


@pytest.mark.parametrize("query", ["page=43", "page=0", "page=-1", "page=01", "page=x", "page=", "page=2&page=3",
                                   "page=9999999", "sort=cheap", "sort=", "category=nope", "category=c1&page=99"])
def test_made_up_listing_values_are_404(site: FlaskClient, query: str) -> None:
    html_of(site, f"/{BIG}/?{query}", 404)


def test_page_one_has_one_url(site: FlaskClient) -> None:
    response = site.get(f"/{BIG}/en/?category=c1&page=1")
    assert response.status_code == 301 and response.headers["Location"] == f"/{BIG}/en/?category=c1"


@pytest.mark.parametrize("url", ["/faq?page=2", "/about?sort=price-asc", "/p/GEN-00001?category=c1",
                                 "/p/GEN-00001?page=2", "/?variant=GEN-00010-S", "/sitemap.xml?page=2",
                                 "/policies/shipping?category=c1"])
def test_cacheable_arguments_on_pages_that_do_not_read_them_are_404(site: FlaskClient, url: str) -> None:
    html_of(site, f"/{BIG}{url}", 404)


@pytest.mark.slow
def test_no_made_up_url_grows_the_page_cache(shop: tuple[FlaskClient, Flask, Sandbox]) -> None:
    client, app, _ = shop
    pages = app.extensions["page_cache"].pages
    html_of(client, f"/{BIG}/?page=2")
    before = len(pages._cache)
    for n in range(30):
        client.get(f"/{BIG}/?page={1000 + n}")
        client.get(f"/{BIG}/?sort=s{n}")
        client.get(f"/{BIG}/p/GEN-00010?variant=V{n}")
        client.get(f"/{BIG}/faq?page={n}")
        client.get(f"/{BIG}/?q=w{n}&page=2")
    assert len(pages._cache) == before


# -- sorting ---------------------------------------------------------------------------------
def test_sorting_by_price_keeps_out_of_stock_products_last(site: FlaskClient) -> None:
    assert card_skus(html_of(site, "/tiny/")) == ["T-1", "T-3", "T-4", "T-6", "T-2", "T-5"]
    assert card_skus(html_of(site, "/tiny/?sort=price-asc")) == ["T-3", "T-6", "T-1", "T-4", "T-5", "T-2"]
    assert card_skus(html_of(site, "/tiny/?sort=price-desc")) == ["T-4", "T-1", "T-6", "T-3", "T-2", "T-5"]
    body = html_of(site, "/tiny/?sort=price-desc&category=wear")
    assert '<a href="/tiny/?sort=price-desc" aria-current="page">' not in body
    assert '<a href="/tiny/?category=wear&amp;sort=price-asc">' in body  # the other orders, same category
    assert '<input type="hidden" name="sort" value="price-desc">' in body


@pytest.mark.slow
def test_a_big_store_sorts_every_page(shop: tuple[FlaskClient, Flask, Sandbox]) -> None:
    client, app, sandbox = shop
    store = parse_store(sandbox.state.stores[BIG].public_view())
    by_sku = {p.sku: p for p in store.products}
    seen: list[str] = []
    for page in range(1, 43):
        seen += card_skus(html_of(client, f"/{BIG}/?sort=price-asc" + (f"&page={page}" if page > 1 else "")))
    keys = [(not by_sku[s].in_stock, by_sku[s].price) for s in seen]
    assert len(seen) == 1000 == len(set(seen)) and keys == sorted(keys)


# -- categories ------------------------------------------------------------------------------
def test_sub_categories_are_nested_under_their_parents(site: FlaskClient) -> None:
    home = html_of(site, "/tiny/")
    rows = re.findall(r'<div class="chips">(.*?)</div>', home, re.S)
    # A loop of parents is cut at its first category; a parent that does not exist makes a top-level one.
    assert [re.findall(r">([^<]+)</a>", row) for row in rows] == [["All", "Wear", "Home", "Loop A", "Orphan"]]
    assert "Loop B" in html_of(site, "/tiny/?category=loop-a")
    boots = html_of(site, "/tiny/?category=boots")
    rows = [re.findall(r'<a href="[^"]*"( aria-current="\w+")?>([^<]+)</a>', row)
            for row in re.findall(r'<div class="chips">(.*?)</div>', boots, re.S)]
    # the chosen branch comes first in its row, so a phone shows it without scrolling the chips
    assert rows == [[(' aria-current="true"', "Wear"), ("", "All"), ("", "Home"), ("", "Loop A"), ("", "Orphan")],
                    [(' aria-current="true"', "Shoes")], [(' aria-current="page"', "Boots")]]
    assert '<div class="cat-head">\n <h2>Boots</h2>\n <a href="/tiny/">All products</a>' in boots
    assert card_skus(boots) == ["T-2"]
    assert card_skus(html_of(site, "/tiny/?category=wear")) == ["T-1", "T-4", "T-6", "T-2"]  # and everything under it


def test_the_category_heading_names_the_page(site: FlaskClient) -> None:
    body = html_of(site, "/tiny/?category=shoes&page=1".replace("&page=1", ""))
    assert "<title>Shoes · Tiny</title>" in body


# -- search ----------------------------------------------------------------------------------
def test_names_rank_above_descriptions(site: FlaskClient) -> None:
    assert card_skus(html_of(site, "/tiny/?q=red")) == ["T-1", "T-3", "T-6", "T-5"]  # T-5 is out of stock: last
    assert card_skus(html_of(site, "/tiny/?q=scarf")) == ["T-1", "T-6", "T-3"]  # "Scarves" holds "scarf"
    assert card_skus(html_of(site, "/tiny/?q=red+scarf")) == ["T-1", "T-3", "T-6"]


def test_arabic_indic_digits_are_folded(site: FlaskClient) -> None:
    assert card_skus(html_of(site, "/tiny/", )) and \
        card_skus(html_of(site, "/tiny/?q=%D9%A3%D9%A4%D9%A5")) == ["T-4"]  # ٣٤٥
    assert fold("٣٤٥ ۳۴۵ أإآ ة ى") == "345 345 ااا ه ي"


def test_search_results_come_in_pages(site: FlaskClient) -> None:
    first = html_of(site, f"/{BIG}/?q=%D8%AD%D8%B0%D8%A7%D8%A1")  # حذاء
    count = int(re.search(r'<h2 class="count">([\d,]+)', first).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert count > PER_PAGE and len(card_skus(first)) == PER_PAGE
    assert f'<a rel="next" href="/{BIG}/?q=%D8%AD%D8%B0%D8%A7%D8%A1&amp;page=2">' in first
    assert _canonical(first) == f"{HOST}/{BIG}/"  # a search points search engines at the store
    html_of(site, f"/{BIG}/?q=%D8%AD%D8%B0%D8%A7%D8%A1&page={count // PER_PAGE + 2}", 404)


def test_the_index_finds_what_a_scan_finds() -> None:
    store = parse_store(big_store(600, 20, slug="scan"))
    index = StoreIndex.build(store)
    for query in ("حذاء", "رجالي أسود", "ورديه", "GEN-0004", "42", "الاطفال", "ساعه فاخر"):
        words = re.findall(r"\w+", fold(query))
        texts = [re.findall(r"\w+", fold(" ".join([p.name, p.sku, p.description, *(v.sku for v in p.variants),
                                                    *(x for o in p.options for x in o.values)])))
                 for p in store.products]
        scanned = {i for i, have in enumerate(texts) if all(any(w in h for h in have) for w in words)}
        assert set(index.searched(query, None, "")) == scanned, query


# -- the per-process index -------------------------------------------------------------------
def test_a_store_is_indexed_once_per_change(shop: tuple[FlaskClient, Flask, Sandbox], monkeypatch) -> None:
    client, app, sandbox = shop
    built: list[str] = []
    real = StoreIndex.build.__func__  # type: ignore[attr-defined]
    counted = classmethod(lambda cls, store: built.append(store.slug) or real(cls, store))
    monkeypatch.setattr(StoreIndex, "build", counted)
    monkeypatch.setattr(catalog, "LOCAL_TTL", 0)  # re-check the shared cache on every request
    with app.app_context():
        caches.forget_store("tiny")
    for _ in range(3):
        html_of(client, "/tiny/?q=red")
    assert built == ["tiny"]
    sandbox.state.stores["tiny"].storefront["name"] = "Tiny shop"
    with app.app_context():
        caches.forget_store("tiny")
    assert "Tiny shop" in html_of(client, "/tiny/?q=red") and built == ["tiny", "tiny"]


# -- sitemaps --------------------------------------------------------------------------------
def test_a_sitemap_index_lists_parts_within_the_protocol_limits(site: FlaskClient, monkeypatch) -> None:
    from storefront.web import seo

    monkeypatch.setattr(seo, "SITEMAP_PRODUCTS", 400)
    index = ET.fromstring(site.get(f"/{BIG}/sitemap.xml").get_data())  # noqa: S314 - our own output
    parts = [e.text for e in index.findall("sm:sitemap/sm:loc", SM)]
    assert parts == [f"{HOST}/{BIG}/sitemap-pages.xml", *(f"{HOST}/{BIG}/sitemap-products-{n}.xml" for n in (1, 2, 3))]
    locs: list[str] = []
    for part in parts:
        response = site.get(part.removeprefix(HOST))  # type: ignore[union-attr]
        body = response.get_data()
        assert response.mimetype == "application/xml" and len(body) < 50 * 1024 * 1024
        found = [e.text or "" for e in ET.fromstring(body).findall("sm:url/sm:loc", SM)]  # noqa: S314
        assert len(found) <= 50_000
        locs += found
    products = [loc for loc in locs if "/p/" in loc]
    assert len(products) == 3 * 1000 == 3 * len(set(loc.rsplit("/", 1)[1] for loc in products))  # ar, en, ckb
    assert f"{HOST}/{BIG}/?category=c1-2" in locs and f"{HOST}/{BIG}/en/?category=c1-2" in locs
    html_of(site, f"/{BIG}/sitemap-products-4.xml", 404)
    html_of(site, f"/{BIG}/sitemap-products-0.xml", 404)
    html_of(site, f"/{BIG}/sitemap-nope.xml", 404)


def test_robots_points_at_the_sitemap_index(site: FlaskClient) -> None:
    assert f"Sitemap: {HOST}/{BIG}/sitemap.xml" in html_of(site, f"/{BIG}/robots.txt")

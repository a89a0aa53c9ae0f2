"""What search engines and link previews read: titles, descriptions, canonical and hreflang
links, OpenGraph and Twitter tags, JSON-LD structured data, and the store's sitemap."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers.app import FLORA, TIGRIS

from storefront import create_app
from storefront.sendy.sandbox import Sandbox

HOST = "http://localhost"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
FLORA_TITLE = "فلورا بغداد | باقات ورد وهدايا مع توصيل في بغداد"
FLORA_DESCRIPTION = ("باقات ورد طبيعي وبوكسات هدايا ونباتات منزلية من الكرادة، توصيل في نفس اليوم داخل بغداد "
                     "والدفع عند الاستلام.")
TIGRIS_TITLE = "Tigris Tech | Phone accessories in Basra, delivered across Iraq"
POLICIES = ("shipping", "returns", "privacy", "terms")
FLORA_SKUS = ["FLR-ROSE-12", "FLR-ROSE-RED1", "FLR-ROSE-WHT-15", "FLR-TULIP-10", "FLR-SUNF-07", "FLR-MIX-SPR",
              "FLR-LILY-WHT", "FLR-BOX-ROSE", "FLR-BOX-CHOC", "FLR-ORCH-WHT", "FLR-PEACE-LILY", "FLR-BRIDE-01",
              "FLR-CAR-DECOR", "FLR-BALLOON-HB"]


@dataclass
class Head:
    """The SEO-relevant parts of a page's <head>."""

    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # name or property -> content
    canonical: str | None = None
    alternates: dict[str, str] = field(default_factory=dict)  # hreflang -> href
    jsonld: list[dict[str, Any]] = field(default_factory=list)

    def ld(self, type_: str) -> dict[str, Any]:
        """The one JSON-LD object of this @type."""
        [found] = [x for x in self.jsonld if x.get("@type") == type_]
        return found


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self._in: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("name" in a or "property" in a):
            key = a.get("name") or a["property"]
            assert key not in self.head.meta, f"duplicate <meta {key}>"
            self.head.meta[key] = a.get("content", "")
        elif tag == "link" and a.get("rel") == "canonical":
            assert self.head.canonical is None, "two canonical links"
            self.head.canonical = a["href"]
        elif tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.head.alternates[a["hreflang"]] = a["href"]
        elif tag == "title" or (tag == "script" and a.get("type") == "application/ld+json"):
            self._in, self._buffer = tag, []

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in == "title":
            self.head.title = "".join(self._buffer).strip()
        elif tag == self._in == "script":
            self.head.jsonld.append(json.loads("".join(self._buffer)))
        if tag == self._in:
            self._in = None


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    """One storefront for the whole module: every test here only reads pages."""
    app = create_app({"TESTING": True, "SANDBOX": Sandbox(), "SENDY_BACKOFF": 0.0})
    yield app.test_client()
    app.extensions["sendy"].close()


def head(client: FlaskClient, url: str, status: int = 200) -> Head:
    """Fetch a page and read its head."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    parser = _HeadParser()
    parser.feed(response.get_data(as_text=True))
    return parser.head


def _absolute(url: str) -> bool:
    return re.match(r"^https?://[^/\s]+/", url) is not None


# -- home ----------------------------------------------------------------------------------
def test_home_of_an_arabic_store(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/")
    assert h.title == FLORA_TITLE
    assert h.meta["description"] == FLORA_DESCRIPTION
    assert h.canonical == f"{HOST}/{FLORA}/"
    assert h.alternates == {"ar-IQ": f"{HOST}/{FLORA}/", "en": f"{HOST}/{FLORA}/en/", "ckb": f"{HOST}/{FLORA}/ckb/",
                            "x-default": f"{HOST}/{FLORA}/"}
    assert (h.meta["og:title"], h.meta["og:url"], h.meta["og:locale"]) == (FLORA_TITLE, h.canonical, "ar_IQ")
    assert h.meta["og:type"] == "website" and h.meta["og:site_name"] == "فلورا بغداد"
    assert re.fullmatch(rf"{HOST}/img/{FLORA}/[\w-]{{16}}/og\.jpg", h.meta["og:image"])  # our 1200x630 crop
    assert (h.meta["og:image:width"], h.meta["og:image:height"]) == ("1200", "630")
    assert h.meta["twitter:card"] == "summary_large_image"
    assert h.meta["twitter:title"] == FLORA_TITLE
    store = h.ld("Store")
    assert store["@context"] == "https://schema.org"
    assert (store["name"], store["url"], store["currenciesAccepted"]) == ("فلورا بغداد", h.canonical, "IQD")
    assert store["telephone"] == "+9647701234567"
    assert re.fullmatch(rf"{HOST}/img/{FLORA}/[\w-]{{16}}/480\.jpg", store["logo"])
    assert store["sameAs"] == ["https://www.instagram.com/flora.baghdad", "https://www.facebook.com/flora.baghdad",
                               "https://www.tiktok.com/@flora.baghdad", "https://www.snapchat.com/add/flora.baghdad"]


def test_english_page_of_an_arabic_store(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/en/")
    assert h.canonical == f"{HOST}/{FLORA}/en/"
    assert h.alternates["x-default"] == f"{HOST}/{FLORA}/"  # the store's own language
    assert h.meta["og:locale"] == "en" and h.meta["og:url"] == h.canonical
    assert h.ld("Store")["url"] == h.canonical


def test_english_first_store(client: FlaskClient) -> None:
    h = head(client, f"/{TIGRIS}/")
    assert h.title == TIGRIS_TITLE
    assert h.meta["description"].startswith("Cases, chargers, cables, power banks and earbuds from Basra.")
    en, ar = f"{HOST}/{TIGRIS}/", f"{HOST}/{TIGRIS}/ar/"
    assert h.alternates == {"ar-IQ": ar, "en": en, "ckb": f"{HOST}/{TIGRIS}/ckb/", "x-default": en}
    ar = head(client, f"/{TIGRIS}/ar/")
    assert ar.canonical == f"{HOST}/{TIGRIS}/ar/" and ar.meta["og:locale"] == "ar_IQ"
    assert ar.alternates == h.alternates


def test_search_results_point_search_engines_at_the_store(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/?q=%D9%88%D8%B1%D8%AF")
    assert h.canonical == f"{HOST}/{FLORA}/"
    assert all("?" not in url for url in h.alternates.values())


# -- every page ----------------------------------------------------------------------------
PAGES = ["/", "/p/FLR-ROSE-12", "/faq", *(f"/policies/{kind}" for kind in POLICIES), "/about"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("prefix", "tag"), [("", "ar-IQ"), ("/en", "en"), ("/ckb", "ckb")])
def test_every_page_has_complete_head_tags(client: FlaskClient, page: str, prefix: str, tag: str) -> None:
    url = f"{HOST}/{FLORA}{prefix}{page}"
    h = head(client, url.removeprefix(HOST))
    assert h.title and "فلورا بغداد" in h.title
    assert 0 < len(h.meta["description"]) <= 161
    assert h.canonical == url
    assert h.alternates == {"ar-IQ": f"{HOST}/{FLORA}{page}", "en": f"{HOST}/{FLORA}/en{page}",
                            "ckb": f"{HOST}/{FLORA}/ckb{page}", "x-default": f"{HOST}/{FLORA}{page}"}
    assert h.alternates[tag] == url
    assert h.meta["og:title"] and h.meta["og:url"] == url
    assert _absolute(h.meta["og:image"]) and h.meta["twitter:card"] == "summary_large_image"
    assert _absolute(h.meta["twitter:image"])
    assert h.jsonld, "every store page carries structured data"
    for data in h.jsonld:
        assert data["@context"] == "https://schema.org"


def test_error_pages_are_not_indexed(client: FlaskClient) -> None:
    response = client.get(f"/{FLORA}/p/NOPE")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<meta name="robots" content="noindex">' in body
    assert 'rel="canonical"' not in body and "application/ld+json" not in body


# -- products ------------------------------------------------------------------------------
def test_product_structured_data(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/p/FLR-ROSE-12")
    url = f"{HOST}/{FLORA}/p/FLR-ROSE-12"
    assert h.title == "باقة 12 وردة جوري حمراء · فلورا بغداد"
    assert h.meta["og:type"] == "product"
    assert re.fullmatch(rf"{HOST}/img/{FLORA}/[\w-]{{16}}/og\.jpg", h.meta["og:image"])
    assert (h.meta["product:price:amount"], h.meta["product:price:currency"]) == ("35000", "IQD")
    product = h.ld("Product")
    assert (product["name"], product["sku"], product["url"]) == ("باقة 12 وردة جوري حمراء", "FLR-ROSE-12", url)
    assert [re.sub(r"/[\w-]{16}/", "/KEY/", u) for u in product["image"]] == [f"{HOST}/img/{FLORA}/KEY/1440.jpg"]
    assert product["brand"]["name"] == "فلورا بغداد"
    assert product["description"].startswith("اثنتا عشرة وردة جوري حمراء")
    offer = product["offers"]
    assert offer["@type"] == "Offer"
    assert str(offer["price"]) == "35000" and offer["priceCurrency"] == "IQD"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == url
    crumbs = h.ld("BreadcrumbList")["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "فلورا بغداد", f"{HOST}/{FLORA}/"),
        (2, "ورد جوري", f"{HOST}/{FLORA}/?category=cat-roses"),
        (3, "باقة 12 وردة جوري حمراء", url),
    ]


def test_product_structured_data_in_english(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/en/p/FLR-ROSE-12")
    assert h.ld("Product")["url"] == f"{HOST}/{FLORA}/en/p/FLR-ROSE-12"
    crumbs = h.ld("BreadcrumbList")["itemListElement"]
    assert [c["item"] for c in crumbs] == [f"{HOST}/{FLORA}/en/", f"{HOST}/{FLORA}/en/?category=cat-roses",
                                           f"{HOST}/{FLORA}/en/p/FLR-ROSE-12"]


@pytest.mark.parametrize(("url", "availability"), [
    (f"/{FLORA}/p/FLR-TULIP-10", "OutOfStock"),
    (f"/{TIGRIS}/p/TGR-GLASS-PRIV", "OutOfStock"),
    (f"/{TIGRIS}/ar/p/TGR-PB-20K", "InStock"),
])
def test_availability(client: FlaskClient, url: str, availability: str) -> None:
    assert head(client, url).ld("Product")["offers"]["availability"] == f"https://schema.org/{availability}"


def test_product_description_meta_is_short_plain_text(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/p/FLR-ROSE-RED1")  # its description holds a <script> tag
    assert len(h.meta["description"]) <= 161
    assert h.meta["description"].startswith("وردة حمراء <script>")  # as text, inside an escaped attribute
    assert h.ld("Product")["description"].startswith("وردة حمراء <script>alert('x')</script>")


# -- FAQ -----------------------------------------------------------------------------------
def test_faq_page_structured_data(client: FlaskClient) -> None:
    h = head(client, f"/{FLORA}/faq")
    faq = h.ld("FAQPage")
    questions = faq["mainEntity"]
    assert len(questions) == 6
    assert questions[0]["@type"] == "Question"
    assert questions[0]["name"] == "هل توصلون في نفس اليوم داخل بغداد؟"
    assert questions[0]["acceptedAnswer"]["@type"] == "Answer"
    assert questions[0]["acceptedAnswer"]["text"].startswith("نعم. الطلبات المؤكدة قبل الساعة الثالثة")
    crumbs = h.ld("BreadcrumbList")["itemListElement"]
    assert [c["item"] for c in crumbs] == [f"{HOST}/{FLORA}/", f"{HOST}/{FLORA}/faq"]


def test_store_without_images_uses_a_small_card(tmp_path: Path) -> None:
    bare = [{"published": True, "storefront": {"slug": "bare-shop", "name": "Bare Shop", "language": "en",
                                               "description": "Plain boxes.", "products": [
                                                   {"sku": "B-1", "name": "Box", "price": 1000}]}}]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare), encoding="utf-8")
    app = create_app({"TESTING": True, "SANDBOX_DATA": str(path)})
    client = app.test_client()
    h = head(client, "/bare-shop/")
    assert (h.title, h.meta["description"]) == ("Bare Shop", "Plain boxes.")
    assert h.meta["twitter:card"] == "summary" and "og:image" not in h.meta
    assert "sameAs" not in h.ld("Store") and "logo" not in h.ld("Store")
    product = head(client, "/bare-shop/p/B-1").ld("Product")
    assert "image" not in product and product["offers"]["price"] in ("1000", 1000)
    app.extensions["sendy"].close()


# -- sitemap -------------------------------------------------------------------------------
def _xml(client: FlaskClient, path: str, tag: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own output
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}" + tag
    return root


def _sitemap(client: FlaskClient, slug: str) -> dict[str, dict[str, str]]:
    """Each <loc> of a store's sitemaps (the index, then each of its parts) with its hreflang alternates."""
    index = _xml(client, f"/{slug}/sitemap.xml", "sitemapindex")
    parts = [loc.removeprefix(HOST) for loc in
             (s.findtext("sm:loc", namespaces=SITEMAP_NS) or "" for s in index.findall("sm:sitemap", SITEMAP_NS))]
    assert parts[0] == f"/{slug}/sitemap-pages.xml" and all(p.startswith(f"/{slug}/sitemap-") for p in parts)
    entries: dict[str, dict[str, str]] = {}
    for url in (u for part in parts for u in _xml(client, part, "urlset").findall("sm:url", SITEMAP_NS)):
        loc = url.findtext("sm:loc", namespaces=SITEMAP_NS)
        assert loc and loc not in entries
        links = url.findall("xhtml:link", SITEMAP_NS)
        assert all(link.get("rel") == "alternate" for link in links)
        entries[loc] = {link.get("hreflang", ""): link.get("href", "") for link in links}
    return entries


def test_sitemap_lists_every_page_in_both_languages(client: FlaskClient) -> None:
    entries = _sitemap(client, FLORA)
    categories = ["cat-bouquets", "cat-roses", "cat-boxes", "cat-plants", "cat-occasions", "cat-extras"]
    pages = ["/", "/about", "/faq", *(f"/policies/{k}" for k in POLICIES), *(f"/?category={c}" for c in categories),
             *(f"/p/{sku}" for sku in FLORA_SKUS)]
    expected = {f"{HOST}/{FLORA}{prefix}{page}" for page in pages for prefix in ("", "/en", "/ckb")}
    assert set(entries) == expected
    for page in pages:
        ar, en, ckb = f"{HOST}/{FLORA}{page}", f"{HOST}/{FLORA}/en{page}", f"{HOST}/{FLORA}/ckb{page}"
        assert entries[ar] == entries[en] == entries[ckb] == {"ar-IQ": ar, "en": en, "ckb": ckb, "x-default": ar}
    assert not any("FLR-EVENT-CUSTOM" in loc or "/cart" in loc or "/checkout" in loc for loc in entries)


def test_sitemap_of_an_english_first_store(client: FlaskClient) -> None:
    entries = _sitemap(client, TIGRIS)
    en, ar, ckb = (f"{HOST}/{TIGRIS}{p}/p/TGR-PB-20K" for p in ("", "/ar", "/ckb"))
    assert entries[en] == entries[ar] == entries[ckb] == {"ar-IQ": ar, "en": en, "ckb": ckb, "x-default": en}
    assert not any("TGR-BULK-PACK" in loc for loc in entries)  # unpriced
    assert len(entries) == 3 * (1 + 1 + 1 + 4 + 6 + 14)  # home, about, FAQ, policies, categories, products


def test_every_sitemap_url_is_a_canonical_page(client: FlaskClient) -> None:
    for loc, alternates in _sitemap(client, FLORA).items():
        h = head(client, loc.removeprefix(HOST))
        assert h.canonical == loc
        assert h.alternates == alternates


def test_sitemap_is_linked_from_robots(client: FlaskClient) -> None:
    body = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {HOST}/{FLORA}/sitemap.xml" in unescape(body)

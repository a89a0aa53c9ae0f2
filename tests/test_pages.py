"""Browsing a store as a shopper sees it: every page in both languages, prices, search,
languages, errors, hostile merchant text, the cache headers of shareable pages, and the footer
(contacts, social links, policies)."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.numbers import format_currency
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, HIDDEN, HONEY, TIGRIS, make_app, tiny_store
from helpers.pages import SCRIPT, anchors, body_of, card_skus, visible
from werkzeug.test import TestResponse

from storefront import create_app
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import SOCIAL_NETWORKS

ARABIC = re.compile(r"[\u0600-\u06FF]")
AR_HTML = '<html lang="ar-IQ" dir="rtl">'
EN_HTML = '<html lang="en" dir="ltr">'
POLICIES = ("shipping", "returns", "privacy", "terms")
#: (store, URL prefix, page language, <html> tag, a product on sale)
VARIANTS = [
    (FLORA, "", "ar", AR_HTML, "FLR-ROSE-12"),
    (FLORA, "/en", "en", EN_HTML, "FLR-ROSE-12"),
    (TIGRIS, "", "en", EN_HTML, "TGR-CASE-IP15PM"),
    (TIGRIS, "/ar", "ar", AR_HTML, "TGR-CASE-IP15PM"),
]
PAGES = ["/", "/p/{sku}", "/faq", *(f"/policies/{kind}" for kind in POLICIES), "/about"]


# -- helpers -------------------------------------------------------------------------------
class Page(HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: tuple[dict[str, str], list[str]] | None = None
        self.feed(body)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        self.tags.append((tag, found))
        if tag == "script":
            self._script = (found, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def links(self) -> list[str]:
        """The href of every link."""
        return [a["href"] for tag, a in self.tags if tag == "a" and "href" in a]


def get(client: FlaskClient, url: str, status: int = 200, **kwargs: Any) -> TestResponse:
    """GET a page, check its status, and that no traceback ever reaches the shopper."""
    response = client.get(url, **kwargs)
    body = response.get_data(as_text=True)
    assert response.status_code == status, (url, response.status_code, body[:500])
    assert "Traceback" not in body and 'File "' not in body
    return response


def text(body: str, tag: str) -> list[str]:
    """The visible text of every <tag> element (markup stripped, entities decoded)."""
    inner = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", x)).strip() for x in inner]


def assert_inert(body: str) -> None:
    """No markup a merchant could have smuggled in: no handlers, no script URLs, no extra scripts."""
    page = Page(body)
    for tag, attrs in page.tags:
        assert tag not in ("iframe", "object", "embed", "b", "base"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            squeezed = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value)).lower()
            if name in ("href", "src", "action", "content", "formaction", "srcset", "poster"):
                assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    for attrs, content in page.scripts:
        if attrs.get("type") == "application/ld+json":
            json.loads(content)
        else:
            assert re.fullmatch(r"/static/js/(site|product)\.js(\?v=\w+)?", attrs.get("src", "")), attrs
            assert not content.strip()


def location(response: TestResponse) -> str:
    """The redirect target as a local path with its query."""
    parts = urlsplit(response.headers["Location"])
    assert parts.netloc in ("", "localhost"), response.headers["Location"]
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def site() -> Iterator[FlaskClient]:
    """One storefront for this module's read-only page views (no faults, no cookies set)."""
    app = create_app({"TESTING": True, "SANDBOX": Sandbox(), "SENDY_BACKOFF": 0.0})
    yield app.test_client()
    app.extensions["sendy"].close()


# -- every page, both languages ------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("slug", "prefix", "lang", "html_tag", "sku"), VARIANTS)
def test_every_page_in_both_languages(
    site: FlaskClient, slug: str, prefix: str, lang: str, html_tag: str, sku: str, page: str
) -> None:
    response = get(site, f"/{slug}{prefix}{page.format(sku=sku)}")
    body = response.get_data(as_text=True)
    assert html_tag in body
    assert response.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf_token"' not in body  # shareable pages carry nothing per-shopper
    store_name = {FLORA: "فلورا بغداد", TIGRIS: "Tigris Tech"}[slug]
    assert store_name in body
    assert "javascript:" not in body  # flora's seeded "website" link is javascript:alert(1)
    assert_inert(body)
    if lang == "ar":
        assert ARABIC.search("".join(text(body, "footer")))  # the page's own words are Arabic too


def test_arabic_store_speaks_arabic_and_its_english_page_english(site: FlaskClient) -> None:
    ar = get(site, f"/{FLORA}/").get_data(as_text=True)
    en = get(site, f"/{FLORA}/en/").get_data(as_text=True)
    assert "عرض النتائج" in text(ar, "button")  # the filters' (the home has no search box: the header's search)
    assert "Show results" in text(en, "button")
    assert any(t.startswith("السلة") for t in text(ar, "a"))
    assert any(t.startswith("Cart") for t in text(en, "a"))
    assert "باقة 12 وردة جوري حمراء" in en  # merchant text is shown as written


# -- products and prices -------------------------------------------------------------------
AR_35000 = "\u200f35,000\xa0د.ع.\u200f"  # Babel 2.18, ar_IQ
EN_35000 = "IQD\xa035,000"  # Babel 2.18, en, plus CLDR's currencySpacing (Babel omits it)


def test_iqd_prices_are_formatted_by_babel_and_pinned(site: FlaskClient) -> None:
    assert format_currency(35000, "IQD", locale="ar_IQ") == AR_35000
    assert format_currency(35000, "IQD", locale="en") == EN_35000.replace("\xa0", "")
    ar = get(site, f"/{FLORA}/p/FLR-ROSE-12").get_data(as_text=True)
    en = get(site, f"/{FLORA}/en/p/FLR-ROSE-12").get_data(as_text=True)
    assert f'<span class="now">{AR_35000}</span>' in ar
    assert f'<span class="now">{EN_35000}</span>' in en
    assert EN_35000 not in ar and AR_35000 not in en


def test_compare_at_price_is_struck_through(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/en/p/FLR-ROSE-12").get_data(as_text=True)
    assert text(body, "del") == ["Was IQD\xa040,000"]
    plain = get(site, f"/{FLORA}/en/p/FLR-ROSE-RED1").get_data(as_text=True)
    own = plain.split('<div class="buy">')[1].split("</article>")[0]  # not the related products below
    assert "<del" not in own


def test_home_lists_every_priced_product(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/").get_data(as_text=True)
    skus = card_skus(body)
    assert len(skus) == 14 and "FLR-EVENT-CUSTOM" not in skus  # the unpriced one is not sold
    assert "تنسيق ورد للمناسبات حسب الطلب" not in body
    assert "باقة 12 وردة جوري حمراء" in text(body, "span")
    assert body.count("<del>") == 3  # FLR-ROSE-12, FLR-MIX-SPR, FLR-BOX-CHOC
    assert text(body, "h1") == ["فلورا بغداد"]


def test_product_page(site: FlaskClient) -> None:
    body = get(site, f"/{TIGRIS}/p/TGR-CASE-IP15PM").get_data(as_text=True)
    assert text(body, "h1") == ["Silicone Case for iPhone 15 Pro Max"]
    assert '<bdi dir="ltr">TGR-CASE-IP15PM</bdi>' in body
    assert "Soft-touch silicone with a microfibre lining." in body
    assert 'action="/tigris-tech/cart/add"' in body and "In stock" in body
    crumbs = text(body, "li")[:3]
    assert crumbs == ["Tigris Tech", "iPhone Cases", "Silicone Case for iPhone 15 Pro Max"]


def _whatsapp_buttons(body: str) -> list[str]:
    """The wa.me links to the store of the page's own WhatsApp buttons: not the chat links of every page
    (the header's ``wa-ico`` and the footer's ``foot-wa``) or of the seller line near a product's buy button
    (``wa-link``), nor a share link (``wa.me/?text=``, to no one)."""
    return [a["href"] for t, a in Page(body).tags
            if t == "a" and a.get("href", "").startswith("https://wa.me/") and urlsplit(a["href"]).path != "/"
            and not {"wa-ico", "foot-wa", "wa-link"} & set(a.get("class", "").split())]


def test_out_of_stock_product_offers_whatsapp_instead_of_the_cart(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/en/p/FLR-TULIP-10").get_data(as_text=True)
    assert "Out of stock" in body
    assert "/cart/add" not in body
    ask = _whatsapp_buttons(body)
    assert len(ask) == 1 and ask[0].startswith("https://wa.me/9647801234567?text=")
    assert "FLR-TULIP-10" in parse_qs(urlsplit(ask[0]).query)["text"][0]


def test_product_description_keeps_its_line_breaks(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/p/FLR-ROSE-12").get_data(as_text=True)
    assert "مغلّفة بورق كوري أسود.<br>مناسبة لأعياد الميلاد" in body


# -- category filter and search ------------------------------------------------------------
def test_category_filter_includes_sub_categories(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/?category=cat-bouquets").get_data(as_text=True)
    skus = card_skus(body)
    assert {"FLR-ROSE-12", "FLR-ROSE-RED1", "FLR-SUNF-07", "FLR-TULIP-10"} <= set(skus)  # roses are bouquets
    assert "FLR-BOX-ROSE" not in skus and "FLR-PEACE-LILY" not in skus
    assert '<a href="/flora-baghdad/?category=cat-bouquets" aria-current="page">' in body
    boxes = card_skus(get(site, f"/{FLORA}/en/?category=cat-boxes").get_data(as_text=True))
    assert sorted(boxes) == ["FLR-BOX-CHOC", "FLR-BOX-ROSE"]


def test_unknown_category_is_not_found(site: FlaskClient) -> None:
    """Made-up categories are 404s, never a new cacheable page (and a real one still works)."""
    get(site, f"/{FLORA}/?category=nope", status=404)
    get(site, f"/{FLORA}/?category=", status=404)
    assert len(card_skus(get(site, f"/{FLORA}/").get_data(as_text=True))) == 14


def test_search_by_name_sku_and_description(site: FlaskClient) -> None:
    chargers = card_skus(get(site, f"/{TIGRIS}/?q=CHARGER").get_data(as_text=True))
    assert "TGR-CHG-20W" in chargers and "TGR-CASE-IP15" not in chargers
    assert card_skus(get(site, f"/{TIGRIS}/?q=tgr-pb-20k").get_data(as_text=True)) == ["TGR-PB-20K"]
    both = card_skus(get(site, f"/{TIGRIS}/?q=power+bank").get_data(as_text=True))
    assert set(both) == {"TGR-PB-10K", "TGR-PB-20K"}


def test_search_within_a_category(site: FlaskClient) -> None:
    body = get(site, f"/{TIGRIS}/?category=cat-charging&q=cable").get_data(as_text=True)
    assert set(card_skus(body)) == {"TGR-CBL-CC1M", "TGR-CBL-CL2M"}
    assert '<input type="hidden" name="category" value="cat-charging">' in body


def test_search_with_no_results_says_so(site: FlaskClient) -> None:
    body = get(site, f"/{TIGRIS}/?q=zzzz").get_data(as_text=True)
    assert card_skus(body) == []
    assert "No products match" in body
    assert "/tigris-tech/" in Page(body).links()


@pytest.mark.parametrize("query", ["اوركيد", "أوركيد", "إوركيد", "آوركيد"])
def test_arabic_search_ignores_hamza(site: FlaskClient, query: str) -> None:
    assert card_skus(get(site, f"/{FLORA}/", query_string={"q": query}).get_data(as_text=True)) == ["FLR-ORCH-WHT"]


@pytest.mark.parametrize("query", ["وردة حمراء مفردة", "ورده حمراء مفرده"])
def test_arabic_search_ignores_ta_marbuta(site: FlaskClient, query: str) -> None:
    assert "FLR-ROSE-RED1" in card_skus(get(site, f"/{FLORA}/", query_string={"q": query}).get_data(as_text=True))


def test_search_text_is_shown_back_escaped(site: FlaskClient) -> None:
    body = get(site, f"/{TIGRIS}/", query_string={"q": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert_inert(body)


# -- one URL per language ------------------------------------------------------------------
@pytest.mark.parametrize(("url", "target"), [
    (f"/{FLORA}/ar/", f"/{FLORA}/"),
    (f"/{FLORA}/ar/p/FLR-ROSE-12", f"/{FLORA}/p/FLR-ROSE-12"),
    (f"/{FLORA}/ar/?category=cat-roses&q=%D9%88%D8%B1%D8%AF",
     f"/{FLORA}/?category=cat-roses&q=%D9%88%D8%B1%D8%AF"),
    (f"/{FLORA}/ar/policies/returns", f"/{FLORA}/policies/returns"),
    (f"/{TIGRIS}/en/faq", f"/{TIGRIS}/faq"),
    (f"/{TIGRIS}/en/about", f"/{TIGRIS}/about"),
])
def test_redundant_language_prefix_redirects_permanently(site: FlaskClient, url: str, target: str) -> None:
    response = get(site, url, status=301)
    assert location(response) == target


def test_unsupported_language_prefix_is_404(site: FlaskClient) -> None:
    get(site, f"/{FLORA}/fr/", status=404)


def test_language_switcher_links_to_the_same_page_in_the_other_language(site: FlaskClient) -> None:
    def others(page: Page) -> list[str]:  # the switcher's links but the current language's own
        return [a["href"] for t, a in page.tags
                if t == "a" and "lang" in a.get("class", "") and "aria-current" not in a]

    ar = Page(get(site, f"/{FLORA}/p/FLR-ROSE-12").get_data(as_text=True))
    assert others(ar) == [f"/{FLORA}/language/en?next=/{FLORA}/en/p/FLR-ROSE-12",
                          f"/{FLORA}/language/ckb?next=/{FLORA}/ckb/p/FLR-ROSE-12"]
    en = Page(get(site, f"/{FLORA}/en/about").get_data(as_text=True))
    assert others(en)[0] == f"/{FLORA}/language/ar?next=/{FLORA}/about"
    tigris = Page(get(site, f"/{TIGRIS}/ar/faq").get_data(as_text=True))
    assert others(tigris)[0] == f"/{TIGRIS}/language/en?next=/{TIGRIS}/faq"


def test_language_switch_sets_the_cookie_and_goes_back(client: FlaskClient) -> None:
    response = get(client, f"/{FLORA}/language/en?next=/{FLORA}/en/p/FLR-ROSE-12", status=302)
    assert location(response) == f"/{FLORA}/en/p/FLR-ROSE-12"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("sf_lang=en;") and "Path=/" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("sf_lang").value == "en"  # type: ignore[union-attr]
    assert EN_HTML in get(client, "/").get_data(as_text=True)  # the platform's pages follow it
    assert "We couldn't find that page" in get(client, "/no-such-store/", status=404).get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/flora-baghdad/", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example", "", "///evil.example",
])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = get(client, f"/{FLORA}/language/en", status=302, query_string={"next": target})
    assert "evil" not in response.headers["Location"]
    assert location(response).startswith(f"/{FLORA}/")


def test_language_switch_for_an_unknown_store_is_404(client: FlaskClient) -> None:
    response = get(client, "/no-such-store/language/en?next=/", status=404)
    assert "Set-Cookie" not in response.headers


# -- FAQ, policies, about ------------------------------------------------------------------
def test_faq_is_readable_without_javascript(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/faq").get_data(as_text=True)
    main = body.split('<main id="main"', 1)[1]  # (the header's language switcher is a <details> too)
    assert main.count("<details") == 6 and main.count("<details open>") == 1
    assert text(main, "summary")[0] == "هل توصلون في نفس اليوم داخل بغداد؟"
    assert "ننصح بالطلب قبل يوم على الأقل" in body


@pytest.mark.parametrize("kind", POLICIES)
def test_each_policy_has_its_page(site: FlaskClient, kind: str) -> None:
    body = get(site, f"/{TIGRIS}/policies/{kind}").get_data(as_text=True)
    [heading] = text(body, "h1")
    assert heading and heading in text(body, "title")[0]
    assert f'href="/tigris-tech/policies/{kind}"' in body  # linked from the footer


def test_policy_paragraphs(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/policies/shipping").get_data(as_text=True)
    assert text(body, "h1") == ["سياسة التوصيل"]
    assert body.count("<p>") >= 3  # blank lines in the merchant's text make paragraphs


def test_about_has_whatsapp_and_only_http_social_links(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/about").get_data(as_text=True)
    links = Page(body).links()
    whatsapp = _whatsapp_buttons(body)
    assert len(whatsapp) == 1 and urlsplit(whatsapp[0]).path == "/9647801234567"
    assert "فلورا بغداد" in parse_qs(urlsplit(whatsapp[0]).query)["text"][0]
    assert "tel:+9647701234567" in links and "mailto:orders@flora.example" in links
    social = [a for t, a in Page(body).tags if t == "a" and "me" in a.get("rel", "").split()]
    assert [a["href"] for a in social] == [
        "https://www.instagram.com/flora.baghdad", "https://www.facebook.com/flora.baghdad",
        "https://www.tiktok.com/@flora.baghdad", "https://www.snapchat.com/add/flora.baghdad"]
    assert all("noopener" in a["rel"] for a in social)
    assert "javascript:" not in body


def test_about_in_english(site: FlaskClient) -> None:
    body = get(site, f"/{TIGRIS}/about").get_data(as_text=True)
    assert "Chat on WhatsApp" in body
    assert "https://t.me/tigristech" in Page(body).links()


# -- the platform's pages ------------------------------------------------------------------
def test_demo_index_links_the_published_stores(site: FlaskClient) -> None:
    response = get(site, "/")
    body = response.get_data(as_text=True)
    links = Page(body).links()
    for slug in (FLORA, TIGRIS, HONEY):
        assert f"/{slug}/" in links
    assert f"/{HIDDEN}/" not in links and "عطور النخيل" not in body
    assert "Set-Cookie" not in response.headers


def test_demo_index_follows_the_browser_language(client: FlaskClient) -> None:
    assert AR_HTML in get(client, "/").get_data(as_text=True)
    assert EN_HTML in get(client, "/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)


def test_robots_txt(site: FlaskClient) -> None:
    response = get(site, "/robots.txt")
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "User-agent: *" in body
    # The cart and the checkout form may be crawled (a crawler has no cart: it sees the empty,
    # noindex cart); what lies below them, the code page and the orders may not.
    disallowed = set(re.findall(r"^Disallow: (\S+)$", body, re.M))
    assert {"/*/cart/", "/*/checkout/", "/*/orders/"} <= disallowed
    sitemaps = re.findall(r"^Sitemap: (\S+)$", body, re.M)
    assert sitemaps == [f"http://localhost/{s}/sitemap.xml"
                        for s in (FLORA, TIGRIS, HONEY, "layla-boutique", "rafidain-shoes", "slemani-honey")]


def test_sitemap_is_xml(site: FlaskClient) -> None:
    response = get(site, f"/{FLORA}/sitemap.xml")
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="UTF-8"?>')


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/no-such-store/", f"/{HIDDEN}/", f"/{HIDDEN}/p/CS-OUD-50", f"/{FLORA}/p/NOPE", f"/{FLORA}/en/p/NOPE",
    f"/{FLORA}/policies/refunds", f"/{TIGRIS}/policies/nope", "/no-such-store/sitemap.xml",
])
def test_not_found_is_friendly(site: FlaskClient, url: str) -> None:
    response = get(site, url, status=404)
    body = response.get_data(as_text=True)
    assert len(text(body, "h1")) == 1 and text(body, "h1")[0]
    assert '<meta name="robots" content="noindex">' in body
    control = response.headers.get("Cache-Control", "")
    assert "public" not in control or control == "public, max-age=60"  # a CDN keeps a 404 a minute at most
    assert "Set-Cookie" not in response.headers
    assert_inert(body)


def test_not_found_on_an_arabic_store_is_in_arabic(site: FlaskClient) -> None:
    body = get(site, f"/{FLORA}/p/NOPE", status=404).get_data(as_text=True)
    assert AR_HTML in body
    [heading] = text(body, "h1")
    assert ARABIC.search(heading) and "find" not in heading
    assert f"/{FLORA}/" in Page(body).links()  # back to the store
    english = get(site, f"/{FLORA}/en/p/NOPE", status=404).get_data(as_text=True)
    assert EN_HTML in english and text(english, "h1") == ["We couldn't find that page"]
    tigris = get(site, f"/{TIGRIS}/policies/nope", status=404).get_data(as_text=True)
    assert EN_HTML in tigris and text(tigris, "h1") == ["We couldn't find that page"]


def test_unknown_store_404_in_the_default_language(site: FlaskClient) -> None:
    body = get(site, "/no-such-store/", status=404).get_data(as_text=True)
    assert AR_HTML in body and ARABIC.search(text(body, "h1")[0])
    assert "/" in Page(body).links()


def test_store_without_faqs_has_no_faq_page(tmp_path: Path) -> None:
    bare = {"published": True, "storefront": {"slug": "bare-shop", "name": "Bare", "language": "en",
                                              "products": [{"sku": "B-1", "name": "Box", "price": 1000}]}}
    with app_with([bare], tmp_path) as app:
        client = app.test_client()
        get(client, "/bare-shop/faq", status=404)
        get(client, "/bare-shop/policies/shipping", status=404)
        about = get(client, "/bare-shop/about").get_data(as_text=True)
        assert "wa.me" not in about and 'rel="noopener me"' not in about
        home = get(client, "/bare-shop/").get_data(as_text=True)
        assert "/bare-shop/faq" not in home and "/bare-shop/policies/" not in home


@pytest.mark.parametrize("fault", ["status", "timeout", "connect", "malformed"])
def test_sendy_down_and_nothing_cached_is_503(client: FlaskClient, sandbox: Sandbox, fault: str) -> None:
    sandbox.faults.add("storefront", fault)
    response = get(client, f"/{FLORA}/p/FLR-ROSE-12", status=503)
    body = response.get_data(as_text=True)
    assert len(text(body, "h1")) == 1
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "Set-Cookie" not in response.headers
    assert "Sendy" not in body and "Internal error" not in body


@pytest.mark.parametrize("status", [401, 403, 429])
def test_sendy_refusing_the_storefront_is_never_a_server_error(client: FlaskClient, sandbox: Sandbox,
                                                               status: int) -> None:
    """Contract §1: a non-2xx for a storefront means "no such store" (or, for 429, try later)."""
    sandbox.faults.add("storefront", "status", status=status)
    response = client.get(f"/{FLORA}/")
    assert response.status_code in (404, 503)
    assert "Traceback" not in response.get_data(as_text=True)


# -- hostile merchant text -----------------------------------------------------------------
def test_seeded_script_in_a_description_is_escaped(site: FlaskClient) -> None:
    for url in (f"/{FLORA}/p/FLR-ROSE-RED1", f"/{FLORA}/en/p/FLR-ROSE-RED1"):
        body = get(site, url).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in body
        assert "<script>alert" not in body and "<b>bold</b>" not in body
        assert_inert(body)


XSS = '<script>alert("{0}")</script><img src=x onerror=alert("{0}")>'
HOSTILE_TEXT = {
    "published": True,
    "storefront": {
        "slug": "evil-text", "name": "Evil " + XSS.format("name"), "language": "en",
        "description": XSS.format("description") + "\n\n</p><a href=javascript:alert(1)>click</a>",
        "seo": {"title": "</title>" + XSS.format("seo-title"), "description": '">' + XSS.format("seo-desc"),
                "keywords": [XSS.format("kw")]},
        "contactEmail": 'x@example.com"><script>alert("email")</script>',
        "contactPhone": '9647701234567"><script>alert("phone")</script>',
        "whatsappPhone": '9647801234567" onclick="alert(1)',
        "faqs": [{"question": XSS.format("question") + "?", "answer": "</details>" + XSS.format("answer")}],
        "policies": [{"type": kind, "title": XSS.format(f"{kind}-title"), "content": "</article>" + XSS.format(kind)}
                     for kind in POLICIES],
        "categories": [{"id": '"><script>alert("cat")</script>', "name": "<b>" + XSS.format("category") + "</b>"}],
        "products": [{"id": "p1", "sku": "EVIL-1", "name": XSS.format("product"),
                      "description": "</script>" + XSS.format("product-description"), "price": 1000,
                      "compareAtPrice": 2000, "categoryId": '"><script>alert("cat")</script>', "inStock": False}],
    },
}
HOSTILE_LINKS = {
    "published": True,
    "storefront": {
        "slug": "evil-links", "name": "Evil Links", "language": "ar",
        "logoUrl": "javascript:alert('logo')", "coverImageUrl": " JavaScript:alert('cover')",
        "seo": {"ogImageUrl": "data:text/html,<script>alert('og')</script>"},
        "socialLinks": {"instagram": "javascript:alert('ig')", "facebook": "  javascript:alert('fb')",
                        "tiktok": "data:text/html,<script>alert(1)</script>", "telegram": "vbscript:msgbox(1)",
                        "website": 'https://evil.example/"onmouseover="alert(1)'},
        "faqs": [{"question": "Q?", "answer": "A."}],
        "policies": [{"type": "terms", "title": "Terms", "content": "Be nice."}],
        "products": [{"id": "p1", "sku": "IMG-1", "name": "Images", "price": 1000,
                      "imageUrls": ["javascript:alert('img')", "//evil.example/x.png",
                                    "data:image/svg+xml,<svg onload=alert(1)>", "/static/ok.png"]}],
    },
}


@contextmanager
def app_with(stores: list[dict[str, Any]], folder: Path) -> Iterator[Flask]:
    """The storefront on the demo seed plus extra stores, loaded through SANDBOX_DATA."""
    path = folder / "extra-stores.json"
    path.write_text(json.dumps(stores), encoding="utf-8")
    app = create_app({"TESTING": True, "SANDBOX_DATA": str(path), "SENDY_BACKOFF": 0.0})
    yield app
    app.extensions["sendy"].close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """A storefront whose extra stores were written by an attacker."""
    with app_with([HOSTILE_TEXT, HOSTILE_LINKS], tmp_path_factory.mktemp("hostile")) as app:
        yield app.test_client()


HOSTILE_PAGES = ["/", "/ar/", "/p/EVIL-1", "/ar/p/EVIL-1", "/faq", "/ar/faq", "/about", "/ar/about",
                 *(f"/policies/{kind}" for kind in POLICIES), "/?q=evil", "/p/NOPE"]


@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_hostile_store_text_stays_text(hostile: FlaskClient, page: str) -> None:
    response = hostile.get(f"/evil-text{page}")
    assert response.status_code == (404 if "NOPE" in page else 200)
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert_inert(body)
    visible = html.unescape(body)
    assert '<script>alert("name")</script>' in visible  # the shopper sees the merchant's text as text


def test_hostile_store_text_is_kept_as_data_in_structured_data(hostile: FlaskClient) -> None:
    body = get(hostile, "/evil-text/p/EVIL-1").get_data(as_text=True)
    ld = [json.loads(content) for attrs, content in Page(body).scripts if attrs.get("type") == "application/ld+json"]
    product = next(x for x in ld if x["@type"] == "Product")
    assert product["name"] == XSS.format("product")
    assert product["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_hostile_store_sitemap_is_well_formed(hostile: FlaskClient) -> None:
    ET.fromstring(get(hostile, "/evil-text/sitemap.xml").get_data())  # noqa: S314 - our own output


def test_hostile_links_and_image_urls_are_dropped(hostile: FlaskClient) -> None:
    problems: list[str] = []
    for page in ["/", "/en/", "/p/IMG-1", "/en/p/IMG-1", "/faq", "/about", "/en/about", "/policies/terms"]:
        body = get(hostile, f"/evil-links{page}").get_data(as_text=True)
        parsed = Page(body)
        for tag, attrs in parsed.tags:
            for name, value in attrs.items():
                squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if name.startswith("on") or (name in ("href", "src", "content") and (
                        squeezed.startswith(("javascript:", "data:", "vbscript:", "//")))):
                    problems.append(f"{page}: <{tag} {name}={value!r}>")
        for attrs, content in parsed.scripts:
            if attrs.get("type") == "application/ld+json":
                problems += [f"{page}: JSON-LD {p}" for p in _non_web_urls(json.loads(content))]
    assert not problems, "\n".join(sorted(set(problems)))


def _non_web_urls(data: Any, key: str = "") -> list[str]:
    """URLs in structured data that are not absolute http(s) URLs."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _non_web_urls(v, k)]
    if isinstance(data, list):
        return [p for v in data for p in _non_web_urls(v, key)]
    if key in ("url", "logo", "image", "item", "sameAs") and isinstance(data, str):
        return [] if re.match(r"^https?://", data) else [f"{key}={data!r}"]
    return []


# -- what can be cached, and by whom -------------------------------------------------------
def test_catalog_pages_stay_shareable_for_a_shopper_with_a_cart(client: FlaskClient) -> None:
    added = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12", "quantity": "1"},
                        headers={"Origin": "http://localhost"})
    assert added.status_code == 303
    cart = get(client, f"/{FLORA}/cart")
    assert cart.headers["Cache-Control"] == "private, no-store"
    pages = ("/", "/p/FLR-ROSE-12", "/en/faq", "/about", "/sitemap.xml")
    for url in (f"/{FLORA}{page}" for page in pages):
        response = get(client, url)
        assert response.headers["Cache-Control"].startswith("public"), url
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
        assert 'name="csrf_token"' not in response.get_data(as_text=True), url


def test_cart_page_is_private(client: FlaskClient) -> None:
    for url in (f"/{FLORA}/cart", f"/{TIGRIS}/ar/cart"):
        assert get(client, url).headers["Cache-Control"] == "private, no-store"



# -- the footer's social links from merchant data ----------------------------------------------------
def test_hostile_social_links_are_dropped_or_escaped(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("social-shop", socialLinks={
        "instagram": "https://instagram.com/" + SCRIPT, "facebook": "javascript:alert(1)",
        "tiktok": "data:text/html,<script>alert(1)</script>", "snapchat": ["https://x.example"],
        "telegram": " //evil.example/t", "website": "https://</script><script>alert(2)</script>",
        "evilnet": "https://evil.example", "__proto__": "https://evil.example",
        **{f"net{i}": "https://spam.example" for i in range(5000)},
    }))
    page = body_of(make_app(sandbox).test_client().get("/social-shop/"))
    foot = page[page.index('<footer class="foot">'):]
    hrefs = re.findall(r'<a href="([^"]*)" rel="noopener" target="_blank">', foot)
    assert [html.unescape(h) for h in hrefs] == ["https://instagram.com/" + SCRIPT,
                                                 "https://</script><script>alert(2)</script>"]
    assert "<script>alert" not in page and "javascript:" not in page and "data:text" not in page
    assert "evil.example" not in page and "spam.example" not in page
    assert set(re.findall(r"#i-([\w-]+)\"/>", foot)) <= {"instagram", "website", "phone", "wa"}
    ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld and all("</script" not in block and "<script" not in block for block in ld)


def test_social_links_that_are_not_a_mapping_are_ignored(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("list-shop", socialLinks=[{"network": "instagram", "url": "https://i.example"}] * 500))
    sandbox.add_store(tiny_store("str-shop", socialLinks="https://i.example"))
    client = make_app(sandbox).test_client()
    for slug in ("list-shop", "str-shop"):
        response = client.get(f"/{slug}/")
        assert response.status_code == 200 and "foot-social" not in body_of(response)


def footer(page: str) -> str:
    return page[page.index('<footer class="foot">'):]


# -- the store footer --------------------------------------------------------------------------------
def test_footer_has_contact_social_links_and_policies(shared_client: FlaskClient) -> None:
    page = body_of(shared_client.get(f"/{FLORA}/en/"))
    foot = footer(page)
    links = anchors(foot)
    hrefs = [re.search(r'href="([^"]*)"', attrs).group(1) for attrs, _ in links]
    social = {visible(inner): attrs for attrs, inner in links if "_blank" in attrs}
    assert set(social) == {"Instagram", "Facebook", "TikTok", "Snapchat"}  # the javascript: website is dropped
    assert 'href="https://www.instagram.com/flora.baghdad"' in social["Instagram"]
    assert all('rel="noopener"' in attrs for attrs in social.values())
    sprite = re.search(r'<use href="(/static/icons\.svg\?v=\w+)#i-instagram"/>', foot)
    assert sprite, "the footer's icons come from the cached sprite file (not the first view's bytes)"
    for network in ("facebook", "tiktok", "snapchat", "phone"):
        assert f'<use href="{sprite.group(1)}#i-{network}"/>' in foot
    wa = next(h for h in hrefs if h.startswith("https://wa.me/"))
    assert wa.startswith("https://wa.me/9647801234567?text=")
    assert "tel:+9647701234567" in hrefs and '<bdi dir="ltr">+964 770 123 4567</bdi>' in foot
    assert f"/{FLORA}/en/about" in hrefs and f"/{FLORA}/en/policies/shipping" in hrefs
    assert "Cash on delivery across Iraq." in foot and "Powered by Iraqi Shops" in foot
    assert "javascript:" not in page


def test_the_sprite_has_an_icon_for_every_network(shared_client: FlaskClient) -> None:
    with shared_client.get("/static/icons.svg") as response:
        sprite = body_of(response)
    for name in (*SOCIAL_NETWORKS, "phone"):
        assert f'<symbol id="i-{name}" viewBox="0 0 24 24">' in sprite, name


def test_footer_of_a_store_without_contacts(shared_client: FlaskClient) -> None:
    bare = Sandbox(demo=False)
    bare.add_store({"slug": "bare-shop", "name": "Bare & <Co>", "language": "en",
                    "products": [{"sku": "B-1", "name": "Box", "price": 1000}]})
    page = body_of(make_app(bare).test_client().get("/bare-shop/"))
    foot = footer(page)
    assert "wa.me" not in foot and "tel:" not in foot and "foot-social" not in foot
    assert "Bare &amp; &lt;Co&gt;" in foot and "<Co>" not in page

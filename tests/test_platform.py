"""The platform's own pages and name: PLATFORM_NAME in every language (and refused when it is
garbage), and the index of store cards, whatever names, niches and logos the stores hold."""

from __future__ import annotations

import html
import re

import pytest
from flask import g
from flask.testing import FlaskClient
from helpers.app import FLORA, HIDDEN, HONEY, TIGRIS, make_app, tiny_store
from helpers.pages import AR, EN, SCRIPT, anchors, body_of, brand, browser_host, visible

from storefront.config import ConfigError, load_settings
from storefront.sendy.sandbox import Sandbox


# -- PLATFORM_NAME -----------------------------------------------------------------------------------
def test_platform_name_defaults_to_a_translated_brand(shared_client: FlaskClient) -> None:
    ar, en = body_of(shared_client.get("/", headers=AR)), body_of(shared_client.get("/", headers=EN))
    assert brand(ar) == "متاجر العراق" and "<title>متاجر العراق</title>" in ar
    assert brand(en) == "Iraqi Shops" and "<title>Iraqi Shops</title>" in en
    for page in (ar, en, body_of(shared_client.get("/no-such-store/")),
                 body_of(shared_client.get("/no-such-store/en/"))):
        assert "Storefront" not in page


def test_platform_name_per_language_and_for_all(sandbox: Sandbox) -> None:
    app = make_app(sandbox, PLATFORM_NAME="ar=أسواق بغداد; en=Baghdad Bazaar")
    client = app.test_client()
    assert brand(body_of(client.get("/", headers=AR))) == "أسواق بغداد"
    assert brand(body_of(client.get("/no-such-store/en/"))) == "Baghdad Bazaar"
    with app.test_request_context("/"):
        g.lang = "en"
        assert app.jinja_env.globals["platform_name"]() == "Baghdad Bazaar"
    only_ar = make_app(sandbox, PLATFORM_NAME="ar=أسواق بغداد").test_client()
    assert brand(body_of(only_ar.get("/", headers=EN))) == "Iraqi Shops"  # no English name: the default
    one = make_app(sandbox, PLATFORM_NAME="Souq.iq").test_client()
    assert brand(body_of(one.get("/", headers=AR))) == brand(body_of(one.get("/", headers=EN))) == "Souq.iq"
    rest = make_app(sandbox, PLATFORM_NAME="ar=سوق;*=Souq").test_client()
    assert brand(body_of(rest.get("/", headers=EN))) == "Souq"


@pytest.mark.parametrize("value", [
    "a;b", "xx=Shops", "ar=", "ar=One;ar=Two", "ar=Two\nlines", "ar=<b>Shops</b>", "en=x=y", "ar: Shops;en: Shops",
    "S" * 61,
])
def test_garbage_platform_name_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="PLATFORM_NAME"):
        load_settings({"PLATFORM_NAME": value})


def test_platform_name_settings() -> None:
    assert load_settings({}).platform_names == {}
    assert load_settings({"PLATFORM_NAME": "  Souq Iraq "}).platform_names == {"*": "Souq Iraq"}
    assert load_settings({"PLATFORM_NAME": "ar=سوق العراق;EN=Souq Iraq;"}).platform_names == {
        "ar": "سوق العراق", "en": "Souq Iraq"}


# -- PLATFORM_NAME, hostile or Kurdish ---------------------------------------------------------------
def test_a_platform_name_with_quotes_ampersands_and_braces_is_text_everywhere(sandbox: Sandbox) -> None:
    name = "Tom & Jerry's \"Souq\" 100% {{7*7}}"
    client = make_app(sandbox, PLATFORM_NAME=name).test_client()
    escaped = "Tom &amp; Jerry&#39;s &#34;Souq&#34; 100% {{7*7}}"
    for path in ("/", f"/{FLORA}/en/", "/no-such-store/"):
        page = body_of(client.get(path, headers=EN))
        assert escaped in page, path  # escaped, and {{7*7}} not evaluated
        assert "Jerry's \"Souq\"" not in page


@pytest.mark.parametrize("value", ["ckb=<img src=x>", "ckb=a;ckb=b", "ku=Kurd", "ckb=Name\u2028x", "*=", "=Name",
                                   "ar=x;;en=" + "y" * 61])
def test_hostile_platform_names_for_kurdish_stop_start_up(value: str) -> None:
    with pytest.raises(Exception, match="PLATFORM_NAME"):
        load_settings({"PLATFORM_NAME": value})


def test_the_kurdish_platform_name_is_used_on_kurdish_pages(sandbox: Sandbox) -> None:
    client = make_app(sandbox, PLATFORM_NAME="CKB=بازاڕ; *=Souq").test_client()
    assert "Powered by" not in body_of(client.get(f"/{FLORA}/ckb/")) and \
        "بازاڕ" in body_of(client.get(f"/{FLORA}/ckb/"))
    assert "Souq" in body_of(client.get(f"/{FLORA}/en/"))



# -- the platform index ------------------------------------------------------------------------------
def test_index_is_a_page_of_store_cards(shared_client: FlaskClient) -> None:
    page = body_of(shared_client.get("/", headers=EN))
    cards = {re.search(r'href="([^"]+)"', attrs).group(1): visible(inner)
             for attrs, inner in anchors(page) if 'class="brand store"' in attrs}
    assert set(cards) >= {f"/{FLORA}/", f"/{TIGRIS}/", f"/{HONEY}/"} and f"/{HIDDEN}/" not in cards
    assert "فلورا بغداد" in cards[f"/{FLORA}/"] and "Visit store" in cards[f"/{FLORA}/"]
    assert "ورد وهدايا" in cards[f"/{FLORA}/"]  # its niche, in its own language
    assert '<div lang="ar-IQ"><span><bdi>فلورا بغداد</bdi>' in page
    assert f'src="/img/{FLORA}/' in page  # the logo through our image endpoint, not the original


# -- the index: hostile store names, niches and logos ------------------------------------------------
def test_hostile_store_cards_on_the_index_are_text_and_stay_on_site(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("xss-card", name=SCRIPT, niche=SCRIPT, logoUrl="https://cdn.example/a.png\"" + SCRIPT))
    sandbox.add_store(tiny_store("js-logo", logoUrl="javascript:alert(1)"))
    sandbox.add_store(tiny_store("proto-logo", logoUrl="//evil.example/x.png"))
    sandbox.add_store(tiny_store("bs-logo", logoUrl="/\\evil.example/x.png"))
    sandbox.add_store(tiny_store("svg-logo", logoUrl='/static/"onerror="alert(1).svg'))
    sandbox.add_store(tiny_store("data-logo", logoUrl="data:image/svg+xml,<svg onload=alert(1)>"))
    page = body_of(make_app(sandbox).test_client().get("/", headers=EN))
    assert "<script>" not in page and "javascript:" not in page and "data:image" not in page
    assert 'onerror="alert' not in page
    for src in re.findall(r'(?:src|srcset)="([^"]*)"', page):
        assert browser_host(html.unescape(src)) == "localhost", src
    card = re.search(r'href="/js-logo/">(.*?)</a>', page, re.S).group(1)
    assert '<span class="avatar" aria-hidden="true">S</span>' in card


def test_a_huge_niche_shows_its_first_line_only(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("long-niche", niche="Honey\n" + "spam " * 20000))
    page = body_of(make_app(sandbox).test_client().get("/", headers=EN))
    assert "<bdi>Honey</bdi>" in page and "spam" not in page


def test_a_store_without_a_name_is_not_a_card_called_none(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("nameless", name=None))
    client = make_app(sandbox).test_client()
    page = body_of(client.get("/", headers=EN))
    card = re.search(r'href="/nameless/">(.*?)</a>', page, re.S)
    assert card is None or "<bdi>None</bdi>" not in card.group(1)

"""The merchant's brand (issue 22, items 12-14): colours from Sendy's branding or the logo, made readable
to WCAG AA; layout presets by niche; the colour in every cached copy of a page; merchant text
isolated on English pages; Kurdish money in Arabic's order."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from helpers.app import FLORA, HONEY, TIGRIS, make_app, tiny_store
from helpers.checkout import add_to_cart
from helpers.pages import html_of, iqd, text

from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import parse_store
from storefront.services import brand, caches
from storefront.services.brand import contrast, luminance, preset_for

LAYLA = "layla-boutique"
SLEMANI = "slemani-honey"
STYLE = re.compile(r"<style>:root\{--brand:(#[0-9a-f]{6})(?:;--brand-ink:(#[0-9a-f]{6}))?(?:;--link:(#[0-9a-f]{6}))?\}"
                   r"</style>")


def colours(page: str) -> tuple[str, str, str] | None:
    """(--brand, --brand-ink, --link) of a page's inline style, with site.css's defaults (white ink, the
    brand as link colour) where it leaves one out; None: the house colours of site.css."""
    found = STYLE.findall(page)
    assert len(found) <= 1 and page.count("<style>") == len(found)
    if not found:
        return None
    background, ink, link = found[0]
    return background, ink or "#ffffff", link or background


def theme_color(page: str) -> str:
    found = re.search(r'<meta name="theme-color" content="([^"]+)">', page)
    assert found
    return found.group(1)


# -- the WCAG arithmetic --------------------------------------------------------------------------
def test_relative_luminance_and_contrast_follow_wcag() -> None:
    assert luminance("#000000") == 0 and luminance("#ffffff") == pytest.approx(1)
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffffff", "#000000") == contrast("#000000", "#ffffff")
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey passing AA on white
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # and the first that fails
    assert contrast("#0f766e", "#ffffff") == pytest.approx(5.47, abs=0.01)


@pytest.mark.parametrize("colour", [f"#{r:02x}{g:02x}{b:02x}" for r in range(0, 256, 51)
                                    for g in range(0, 256, 51) for b in range(0, 256, 51)])
def test_every_colour_gives_an_aa_button_and_an_aa_link(colour: str) -> None:
    theme = brand.theme(colour)
    for value in (theme.brand, theme.ink, theme.link):
        assert re.fullmatch(r"#[0-9a-f]{6}", value)
    assert contrast(theme.brand, theme.ink) >= 4.5
    assert theme.ink in (brand.WHITE, brand.NEAR_BLACK)
    for page in (brand.PAGE, brand.WARM_PAGE, brand.WHITE):
        assert contrast(theme.link, page) >= 4.5


def test_a_colour_that_passes_is_kept_and_one_that_does_not_is_darkened() -> None:
    assert brand.theme("#1d4ed8").brand == "#1d4ed8"
    amber = brand.theme("#f59e0b")  # light: dark ink on the button, a darker amber for links
    assert (amber.brand, amber.ink) == ("#f59e0b", brand.NEAR_BLACK)
    assert amber.link != "#f59e0b" and contrast(amber.link, brand.PAGE) >= 4.5
    assert contrast("#f59e0b", brand.PAGE) < 4.5
    mid = brand.theme("#ef4444")  # neither white nor near-black reaches 4.5 on it: darkened for white
    assert contrast("#ef4444", "#ffffff") < 4.5 and contrast("#ef4444", brand.NEAR_BLACK) < 4.5
    assert mid.brand != "#ef4444" and mid.ink == brand.WHITE and contrast(mid.brand, mid.ink) >= 4.5


def test_branding_then_logo_then_house_teal() -> None:
    assert brand.theme("#1d4ed8", "#f59f00").source == "branding"
    assert (brand.theme("", "#f59f00").source, brand.theme("", "#f59f00").brand) == ("logo", "#f59f00")
    assert brand.theme("#12345", "nonsense").source == "house"
    house = brand.theme()
    assert (house.brand, house.ink, house.link, house.source) == ("#0f766e", "#ffffff", "#0f766e", "house")


def test_site_css_house_colours_are_the_house_theme() -> None:
    css = (Path(__file__).resolve().parent.parent / "static" / "css" / "site.css").read_text()
    root = css.split("}", 1)[0]
    house = brand.theme()
    assert f"--brand: {house.brand};" in root and "--brand-ink: #fff;" in root and "--link: var(--brand);" in root
    assert house.link == house.brand and house.ink == "#ffffff"  # so a page's style may leave them out
    assert "#0f766e" not in css.split("}", 1)[1]  # no teal hard-coded below :root
    for other in ("product", "flow", "search"):  # nor in the stylesheets only some pages load
        assert "#0f766e" not in (Path(__file__).resolve().parent.parent / "static" / "css" / f"{other}.css").read_text()


# -- Sendy's branding, as sent ----------------------------------------------------------------------
@pytest.mark.parametrize("branding", [
    None, "red", [], {}, {"primaryColor": None}, {"primaryColor": "#abc"}, {"primaryColor": "#12345g"},
    {"primaryColor": "#1234567"}, {"primaryColor": "blue"}, {"primaryColor": 0x1D4ED8},
    {"primaryColor": "#fff;}</style><script>alert(1)</script>"}, {"primaryColor": "rgb(0,0,0)"},
    {"primaryColor": "#1d4ed8 !important"}, {"primaryColor": ["#1d4ed8"]},
])
def test_malformed_branding_is_ignored(branding: object, caplog: pytest.LogCaptureFixture) -> None:
    store = parse_store({"slug": "s", "name": "S", "products": [], "branding": branding})
    assert (store.primary_color, store.accent_color) == ("", "")


def test_branding_colours_are_read_lowercase_and_a_malformed_one_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        store = parse_store({"slug": "s", "name": "S", "products": [], "niche": " أحذية ",
                             "branding": {"primaryColor": " #1D4ED8 ", "accentColor": "gold"}})
    assert (store.primary_color, store.accent_color, store.niche) == ("#1d4ed8", "", "أحذية")
    assert "branding.accentColor" in caplog.text


# -- layout presets by niche ---------------------------------------------------------------------------
@pytest.mark.parametrize(("niche", "preset"), [
    ("أزياء نسائية", "portrait"), ("أحذية", "portrait"), ("عبايات وفساتين", "portrait"),
    ("Women's fashion", "portrait"), ("Shoes & sneakers", "portrait"), ("جلوبەرگی ژنان", "portrait"),
    ("عسل ومكسرات وحلويات كردية", "warm"), ("هەنگوین و شیرینیی کوردی", "warm"), ("Honey and dates", "warm"),
    ("القهوة العربية", "warm"),
    ("Phone & gadget accessories", "dense"), ("اكسسوارات موبايل", "dense"), ("إلكترونيات", "dense"),
    ("ورد وهدايا", ""), ("عطور وبخور", ""), ("", ""), ("Horseshoes", ""), ("x" * 10_000, ""),
])
def test_the_niche_chooses_a_layout_preset(niche: str, preset: str) -> None:
    assert preset_for(niche) == preset


# -- rendered pages ---------------------------------------------------------------------------------
def test_two_demo_stores_render_two_brands_each_aa(client) -> None:
    seen = {}
    for slug in (FLORA, TIGRIS, LAYLA, SLEMANI):
        for path in ("/", "/en/", "/ar/", "/cart"):
            response = client.get(f"/{slug}{path}", follow_redirects=True)
            page = text(response)
            found = colours(page)
            assert found, f"{slug}{path} has no brand colours"
            background, ink, link = found
            assert contrast(background, ink) >= 4.5 and contrast(link, brand.PAGE) >= 4.5
            assert contrast(link, "#ffffff") >= 4.5
            assert theme_color(page) == background
            # the page's CSP allows that one inline style by its hash, and no other inline style
            digest = base64.b64encode(hashlib.sha256(STYLE.search(page).group(0)[7:-8].encode()).digest()).decode()
            csp = response.headers["Content-Security-Policy"].split("; ")
            style_src = next(p for p in csp if p.startswith("style-src"))
            assert style_src == f"style-src 'self' 'sha256-{digest}'"
            seen.setdefault(slug, set()).add(found)
    assert all(len(found) == 1 for found in seen.values())  # one brand per store, on every page
    assert len({next(iter(found))[0] for found in seen.values()}) == 4  # four stores, four brands
    assert next(iter(seen[FLORA]))[0] == "#9d174d" and next(iter(seen[TIGRIS]))[0] == "#1d4ed8"
    assert next(iter(seen[SLEMANI]))[1] == brand.NEAR_BLACK  # amber: dark text on its buttons


def test_the_niche_preset_is_on_the_page(client) -> None:
    assert 'data-preset="portrait"' in html_of(client, f"/{LAYLA}/")
    assert 'data-preset="dense"' in html_of(client, f"/{TIGRIS}/")
    assert 'data-preset="warm"' in html_of(client, f"/{SLEMANI}/")
    assert "data-preset" not in html_of(client, f"/{FLORA}/")


def test_hostile_branding_never_reaches_the_page(sandbox: Sandbox, client) -> None:
    script = "#fff;}</style><script>alert(1)</script>"
    sandbox.add_store(tiny_store("hostile", branding={"primaryColor": script, "accentColor": "#zzzzzz"},
                                 niche="<b>shoes</b>\"'"))
    page = html_of(client, "/hostile/")
    assert colours(page) is None and "<style>" not in page and "alert(1)" not in page
    assert theme_color(page) == "#0f766e"
    assert 'data-preset="portrait"' in page


def test_without_branding_or_logo_the_house_teal(sandbox: Sandbox, client) -> None:
    sandbox.add_store(tiny_store("plain"))
    page = html_of(client, "/plain/")
    assert colours(page) is None and theme_color(page) == "#0f766e"


def test_a_branding_change_shows_once_the_store_is_forgotten(app: Flask, sandbox: Sandbox, client) -> None:
    assert colours(html_of(client, f"/{TIGRIS}/"))[0] == "#1d4ed8"
    store = sandbox.state.stores[TIGRIS]
    store.storefront = {**store.storefront, "branding": {"primaryColor": "#166534"}}
    assert colours(html_of(client, f"/{TIGRIS}/"))[0] == "#1d4ed8"  # the store's minute is not up: cached
    with app.app_context():
        caches.forget_store(TIGRIS)
    for path in ("/", "/ar/", f"/p/{sandbox.state.stores[TIGRIS].storefront['products'][0]['sku']}"):
        page = html_of(client, f"/{TIGRIS}{path}")
        assert colours(page)[0] == "#166534" and theme_color(page) == "#166534", path


# -- the logo's colour: known later, never waited for ------------------------------------------------------
@pytest.fixture
def image_app(tmp_path: Path, sandbox: Sandbox) -> Iterator[Flask]:
    app = make_app(sandbox, IMAGE_CACHE_DIR=str(tmp_path / "images"), IMAGE_MAKE_WAIT=30.0)
    yield app
    app.extensions["sendy"].close()


def test_without_branding_the_logo_colour_once_known(image_app: Flask) -> None:
    client = image_app.test_client()
    first = html_of(client, f"/{HONEY}/")  # erbil-honey: no branding, a PNG logo never made yet
    assert colours(first) is None and theme_color(first) == "#0f766e"  # the page did not wait for the logo
    logo = re.search(r'<link rel="icon" href="([^"]+)">', first).group(1)
    assert logo.startswith(f"/img/{HONEY}/")
    made = client.get(logo)  # the header's logo, as a browser asks for it: made, its facts kept
    assert made.status_code == 200 and made.mimetype.startswith("image/")
    assert colours(html_of(client, f"/{HONEY}/")) is None  # the rendered page is cached until forgotten
    with image_app.app_context():
        caches.forget_store(HONEY)
    later = html_of(client, f"/{HONEY}/")
    background, ink, link = colours(later)
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    assert r > g > b  # the logo's amber, not the teal
    assert contrast(background, ink) >= 4.5 and contrast(link, brand.PAGE) >= 4.5
    assert theme_color(later) == background


def test_a_cdn_keeps_the_teal_page_a_minute_until_the_logo_colour_is_known(tmp_path: Path, sandbox: Sandbox) -> None:
    app = make_app(sandbox, IMAGE_CACHE_DIR=str(tmp_path / "images"), IMAGE_MAKE_WAIT=30.0, SANDBOX_WEBHOOKS=False,
                   CDN_PURGE="varnish+http://127.0.0.1:9",
                   SENDY_WEBHOOK_SECRETS=json.dumps({HONEY: "s" * 32, FLORA: "s" * 32}))
    client = app.test_client()
    first = client.get(f"/{HONEY}/")  # no branding, its logo never made: the teal for now
    assert "s-maxage" not in first.headers["Cache-Control"] and "max-age=60" in first.headers["Cache-Control"]
    branded = client.get(f"/{FLORA}/")  # its branding colour: final at once
    assert "s-maxage=86400" in branded.headers["Cache-Control"]
    logo = re.search(r'<link rel="icon" href="([^"]+)">', first.get_data(as_text=True)).group(1)
    assert client.get(logo).status_code == 200  # made: its colour known
    with app.app_context():
        caches.forget_store(HONEY)
    later = client.get(f"/{HONEY}/")
    assert colours(later.get_data(as_text=True)) is not None  # the logo's colour
    assert "s-maxage=86400" in later.headers["Cache-Control"]  # final: kept a day, purged on changes
    app.extensions["sendy"].close()


# -- merchant text on English pages; money in three languages ---------------------------------------------
def test_option_names_and_values_are_isolated_on_english_pages(client) -> None:
    add_to_cart(client, f"/{LAYLA}", "LYL-ABY-52-BLK")
    cart = html_of(client, f"/{LAYLA}/en/cart")
    assert "<span><bdi>المقاس</bdi>: <bdi>52</bdi></span><span><bdi>اللون</bdi>: <bdi>أسود</bdi></span>" in cart
    checkout = html_of(client, f"/{LAYLA}/en/checkout")
    assert re.search(r"<bdi>عباية كريب سادة</bdi>&nbsp;×&nbsp;1 <bdi class=\"muted opt\">52 / أسود</bdi>", checkout)


@pytest.mark.parametrize(("lang", "expected"), [
    ("ar", "\u200f55,000\xa0د.ع.\u200f"), ("ckb", "\u200f55,000\xa0د.ع.\u200f"), ("en", "IQD\xa055,000"),
])
def test_money_reads_amount_then_dinars_in_arabic_and_kurdish(client, lang: str, expected: str) -> None:
    assert iqd(55_000, lang) == expected
    path = {"ar": "/ar/p/SLM-HNY-COMB", "ckb": "/p/SLM-HNY-COMB", "en": "/en/p/SLM-HNY-COMB"}[lang]
    assert expected in html_of(client, f"/{SLEMANI}{path}")


def test_the_inline_style_says_only_what_differs_from_site_css() -> None:
    assert brand.theme("#1d4ed8").css() == ":root{--brand:#1d4ed8}"
    amber = brand.theme("#f59e0b")
    assert amber.css() == f":root{{--brand:#f59e0b;--brand-ink:{brand.NEAR_BLACK};--link:{amber.link}}}"


def test_merchant_names_in_messages_are_isolated_when_the_store_writes_the_other_way(client) -> None:
    add_to_cart(client, f"/{LAYLA}/en", "LYL-ABY-52-BLK")
    page = html_of(client, f"/{LAYLA}/en/cart")
    assert "Added to your cart: \u2068عباية كريب سادة — 52 / أسود\u2069" in page  # one right-to-left unit
    add_to_cart(client, f"/{HONEY}/en", "EHN-HNY-COMB")  # a store taking orders over WhatsApp
    order = re.search(r'<a class="button wa" href="(https://wa\.me/[^"]+)"', html_of(client, f"/{HONEY}/en/cart"))
    assert order and "%E2%81%A8" in order.group(1) and "%E2%81%A9" in order.group(1)  # FSI … PDI in its text
    add_to_cart(client, f"/{LAYLA}", "LYL-ABY-52-BLK")
    arabic = html_of(client, f"/{LAYLA}/cart")
    assert "\u2068" not in arabic and "عباية كريب سادة — 52 / أسود" in arabic  # same direction: as written

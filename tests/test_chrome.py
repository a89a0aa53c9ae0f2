"""The platform's chrome: its configurable name, the error pages, the demo index and the store footer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from helpers.app import FLORA, HIDDEN, HONEY, TIGRIS, make_app
from helpers.pages import AR, EN, anchors, body_of, brand, visible

from storefront.config import ConfigError, load_settings
from storefront.sendy.client import SOCIAL_NETWORKS
from storefront.sendy.sandbox import Sandbox
from storefront.services import catalog


def footer(page: str) -> str:
    return page[page.index('<footer class="foot">'):]


# -- PLATFORM_NAME ------------------------------------------------------------------------------
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


# -- error pages --------------------------------------------------------------------------------
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


# -- the platform index -------------------------------------------------------------------------
def test_index_is_a_page_of_store_cards(shared_client: FlaskClient) -> None:
    page = body_of(shared_client.get("/", headers=EN))
    cards = {re.search(r'href="([^"]+)"', attrs).group(1): visible(inner)
             for attrs, inner in anchors(page) if 'class="brand store"' in attrs}
    assert set(cards) >= {f"/{FLORA}/", f"/{TIGRIS}/", f"/{HONEY}/"} and f"/{HIDDEN}/" not in cards
    assert "فلورا بغداد" in cards[f"/{FLORA}/"] and "Visit store" in cards[f"/{FLORA}/"]
    assert "ورد وهدايا" in cards[f"/{FLORA}/"]  # its niche, in its own language
    assert '<div lang="ar-IQ"><span><bdi>فلورا بغداد</bdi>' in page
    assert f'src="/img/{FLORA}/' in page  # the logo through our image endpoint, not the original


# -- the store footer ---------------------------------------------------------------------------
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

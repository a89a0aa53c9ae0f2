"""Odd data from the merchant's store in Sendy: a broken product, price, category, FAQ, policy or
social link drops only itself, with a warning; merchant text in WhatsApp messages stays plain text,
URL-encoded once."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import PHONE, make_app
from helpers.checkout import add_to_cart, enter_code, place_order, start_checkout
from helpers.pages import card_skus, tr

from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import MAX_PRICE, parse_store

GOOD_A = {"id": "pa", "sku": "GOOD-A", "name": "Good candle", "price": 5000}


GOOD_B = {"id": "pb", "sku": "GOOD-B", "name": "Good soap", "price": 2500, "compareAtPrice": 3000}


#: Products the sandbox delivers as they are; each must vanish alone (and be logged).
POISONED = {
    "huge-price": {"sku": "BAD", "name": "Gold", "price": 10**28},
    "above-the-bound": {"sku": "BAD", "name": "Gold", "price": MAX_PRICE + 1},
    "huge-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": 10**28},
    "superscript-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": "²"},
    "endless-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": "9" * 5000},
    "negative-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": -1},
    "boolean-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": True},
    "fraction-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": 1500.5},
    "text-compare": {"sku": "BAD", "name": "Gold", "price": 1000, "compareAtPrice": "soon"},
    "name-is-an-object": {"sku": "BAD", "name": {"ar": "ذهب", "en": "Gold"}, "price": 1000},
    "name-is-a-list": {"sku": "BAD", "name": ["Gold"], "price": 1000},
}


#: Everything else a storefront holds, broken once each beside a good one.
BROKEN_EXTRAS = {
    "categories": [{"id": "c-good", "name": "Candles"}, {"id": "c-bad", "name": {"en": "Soaps"}}],
    "faqs": [{"question": "Do you deliver?", "answer": "Yes."}, {"question": ["Why?"], "answer": "Because."}],
    "policies": [{"type": "shipping", "title": "Shipping", "content": "Two days."},
                 {"type": "returns", "title": "Returns", "content": {"text": "never"}}],
    "socialLinks": {"instagram": "https://instagram.com/odd", "facebook": {"url": "https://facebook.com/odd"},
                    "tiktok": "javascript:alert(1)"},
}


CANDLES = 'Candles "Night" & co'


CANDLE = 'Candle "Night" & co'


WAX = 'Wax <b>"Noir"</b> & Sons'


WA_PHONE = "9647801112233"


def _store(slug: str, products: list[Any], **fields: Any) -> dict[str, Any]:
    storefront = {"slug": slug, "name": f"Odd {slug}", "language": "en", "products": products, **fields}
    return {"published": True, "storefront": storefront}


def _candle_store(slug: str, **entry: Any) -> dict[str, Any]:
    products = [{"id": "c1", "sku": "CANDLE-1", "name": CANDLE, "price": 7000},
                {"id": "c2", "sku": "CANDLE-OUT", "name": WAX, "price": 9000, "inStock": False}]
    store = _store(slug, products, name=CANDLES, whatsappPhone=WA_PHONE)
    return {**store, **entry}


ODD_STORES = [
    *(_store(f"poison-{case}", [GOOD_A, product, GOOD_B]) for case, product in POISONED.items()),
    _store("broken-extras", [GOOD_A], **BROKEN_EXTRAS),
    _candle_store("candle-co"),  # no API key: orders go through WhatsApp
    _candle_store("candle-keyed", apiKey="candle01.sk_sandbox_candle_secret", scopes=["orders:write"]),
]


@pytest.fixture(scope="module")
def odd_data(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo seed plus the odd stores, as a SANDBOX_DATA file."""
    path = tmp_path_factory.mktemp("odd") / "odd-stores.json"
    path.write_text(json.dumps(ODD_STORES, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def odd_sandbox(odd_data: str) -> Sandbox:
    """A fresh sandbox holding the odd stores."""
    return Sandbox(odd_data)


@pytest.fixture
def odd_app(odd_sandbox: Sandbox) -> Iterator[Flask]:
    """The storefront on the odd sandbox."""
    app = make_app(odd_sandbox)
    yield app
    app.extensions["sendy"].close()


@pytest.fixture
def odd_client(odd_app: Flask) -> FlaskClient:
    """A browser-like client of the odd storefront."""
    return odd_app.test_client()


def _skipped(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "storefront.sendy" and r.levelno == logging.WARNING and "skipped" in r.getMessage()]


class _Unreadable(Mapping[str, Any]):
    """A JSON object that fails when read: any item the parser did not foresee."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("unforeseen")

    def __iter__(self) -> Iterator[str]:
        return iter(["sku"])

    def __len__(self) -> int:
        return 1


class _Links(dict[str, Any]):
    """Social links whose facebook entry fails when read."""

    def get(self, key: str, default: Any = None) -> Any:
        if key == "facebook":
            raise RuntimeError("unforeseen")
        return super().get(key, default)


# -- broken items drop alone -------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(POISONED))
def test_one_poisoned_product_leaves_the_store_up(odd_client: FlaskClient, caplog: pytest.LogCaptureFixture,
                                                  case: str) -> None:
    base = f"/poison-{case}"
    with caplog.at_level(logging.WARNING, logger="storefront.sendy"):
        home = odd_client.get(f"{base}/")

    assert home.status_code == 200
    body = home.get_data(as_text=True)
    assert card_skus(body) == ["GOOD-A", "GOOD-B"]
    assert "Good candle" in body and "Good soap" in body and "Gold" not in body
    assert odd_client.get(f"{base}/p/BAD").status_code == 404
    assert odd_client.get(f"{base}/p/GOOD-B").status_code == 200
    assert odd_client.get(f"{base}/?q=Gold").status_code == 200
    logged = [m for m in _skipped(caplog) if "'BAD'" in m]
    assert len(logged) == 1 and logged[0].startswith(f"store poison-{case}: skipped product #1 sku='BAD': ")


def test_broken_categories_faqs_policies_and_links_drop_alone(odd_client: FlaskClient,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    base = "/broken-extras"
    with caplog.at_level(logging.WARNING, logger="storefront.sendy"):
        assert odd_client.get(f"{base}/").status_code == 200

    faq = odd_client.get(f"{base}/faq")
    assert faq.status_code == 200 and "Do you deliver?" in faq.get_data(as_text=True)
    assert odd_client.get(f"{base}/policies/shipping").status_code == 200
    assert odd_client.get(f"{base}/policies/returns").status_code == 404
    about = odd_client.get(f"{base}/about").get_data(as_text=True)
    assert "https://instagram.com/odd" in about and "facebook.com/odd" not in about and "javascript:" not in about
    assert sorted(m.removeprefix("store broken-extras: skipped ") for m in _skipped(caplog)) == [
        "FAQ #1: no question",
        "category #1 id='c-bad': no id or no name",
        "policy #1 type='returns': no content",
        "social link facebook: not an http(s) URL",
        "social link tiktok: not an http(s) URL",
    ]


def test_an_unforeseen_failure_drops_only_that_item(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="storefront.sendy"):
        store = parse_store({
            "slug": "odd", "name": "Odd",
            "products": [GOOD_A, _Unreadable(), GOOD_B],
            "categories": [_Unreadable(), {"id": "c1", "name": "One"}],
            "faqs": [{"question": "Q?", "answer": "A."}, _Unreadable()],
            "policies": [_Unreadable(), {"type": "terms", "title": "Terms", "content": "Be nice."}],
            "socialLinks": _Links(instagram="https://instagram.com/odd", facebook="https://facebook.com/odd"),
        })

    assert [p.sku for p in store.products] == ["GOOD-A", "GOOD-B"]
    assert [c.id for c in store.categories] == ["c1"]
    assert [f.question for f in store.faqs] == ["Q?"]
    assert [p.type for p in store.policies] == ["terms"]
    assert [link.network for link in store.social_links] == ["instagram"]
    assert sorted(_skipped(caplog)) == [
        "store odd: skipped FAQ #1: unreadable (RuntimeError)",
        "store odd: skipped category #0: unreadable (RuntimeError)",
        "store odd: skipped policy #0: unreadable (RuntimeError)",
        "store odd: skipped product #1: unreadable (RuntimeError)",
        "store odd: skipped social link facebook: unreadable (RuntimeError)",
    ]


@pytest.mark.parametrize("price", [
    10**28, MAX_PRICE + 1, -1, 12.5, True, False, "free", "²", "①", "١٢٣", "9" * 5000, "-5", " ",
    float("inf"), float("nan"), 1e28, [], {}, [1000]])
def test_prices_that_are_not_sane_whole_dinars_hide_the_product(price: Any) -> None:
    store = parse_store({"slug": "odd", "name": "Odd", "products": [
        GOOD_A, {"sku": "BAD", "name": "Bad", "price": price}, {"sku": "BAD2", "name": "Bad 2", "price": 1000,
                                                                  "compareAtPrice": price}]})
    assert [p.sku for p in store.products] == ["GOOD-A"]


@pytest.mark.parametrize(("price", "parsed"), [(0, 0), (MAX_PRICE, MAX_PRICE), ("2500", 2500), (3000.0, 3000),
                                               (" 75 ", 75)])
def test_sane_prices_are_kept(price: Any, parsed: int) -> None:
    store = parse_store({"slug": "odd", "name": "Odd", "products": [
        {"sku": "OK", "name": "Ok", "price": price, "compareAtPrice": None, "imageUrls": "https://x.example/a.png"}]})
    assert [(p.sku, p.price, p.compare_at_price, p.image_urls) for p in store.products] == [("OK", parsed, None, ())]


def _whatsapp_text(body: str) -> str:
    """The prefilled message of the page's single WhatsApp button, decoded as WhatsApp will
    (the header's "chat" icon of every page is ``class="ico wa-ico"``, not a button of the page's own)."""
    hrefs = re.findall(r'class="button wa" href="(https://wa\.me/[^"]*)"', body)
    assert len(hrefs) == 1, hrefs
    parts = urlsplit(html.unescape(hrefs[0]))  # the href is HTML-escaped once, as it must be
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", f"/{WA_PHONE}")
    return parse_qs(parts.query, strict_parsing=True)["text"][0]


# -- WhatsApp messages are plain text ----------------------------------------------------------------
@pytest.mark.parametrize(("prefix", "lang"), [("", "en"), ("/ar", "ar")])
def test_whatsapp_hello_is_plain_text(odd_app: Flask, odd_client: FlaskClient, prefix: str, lang: str) -> None:
    page = odd_client.get(f"/candle-co{prefix}/about")
    assert page.status_code == 200
    assert _whatsapp_text(page.get_data(as_text=True)) == tr(odd_app, lang, "Hello %(store)s", store=CANDLES)
    assert _whatsapp_text(page.get_data(as_text=True)).endswith('Candles "Night" & co')


@pytest.mark.parametrize(("prefix", "lang"), [("", "en"), ("/ar", "ar")])
def test_whatsapp_restock_question_is_plain_text(odd_app: Flask, odd_client: FlaskClient, prefix: str,
                                                 lang: str) -> None:
    page = odd_client.get(f"/candle-co{prefix}/p/CANDLE-OUT")
    assert page.status_code == 200
    name = WAX if lang == "en" else f"\u2068{WAX}\u2069"  # an English store's name isolated in Arabic (issue 22)
    expected = tr(odd_app, lang, "Hello, is %(name)s (%(sku)s) coming back in stock?", name=name, sku="CANDLE-OUT")
    assert _whatsapp_text(page.get_data(as_text=True)) == expected
    if lang == "en":
        assert expected == 'Hello, is Wax <b>"Noir"</b> & Sons (CANDLE-OUT) coming back in stock?'


def test_whatsapp_order_of_the_cart_is_plain_text(odd_client: FlaskClient) -> None:
    add_to_cart(odd_client, "/candle-co", "CANDLE-1", "2")
    page = odd_client.get("/candle-co/checkout")
    assert page.status_code == 200
    assert _whatsapp_text(page.get_data(as_text=True)) == "\n".join((
        'Hello Candles "Night" & co, I would like to order:',
        '2 × Candle "Night" & co — IQD\u00a014,000',
        "http://localhost/candle-co/p/CANDLE-1",
        "Subtotal: IQD\u00a014,000 (plus delivery)"))
    assert _whatsapp_text(odd_client.get("/candle-co/cart").get_data(as_text=True)) == \
        _whatsapp_text(page.get_data(as_text=True))  # the cart's own main button sends the same


def test_whatsapp_about_a_placed_order_is_plain_text(odd_client: FlaskClient, odd_sandbox: Sandbox) -> None:
    page = place_order(odd_client, odd_sandbox, "/candle-keyed", "CANDLE-1")
    assert page.status_code == 200
    public_id = odd_sandbox.orders[0]["response"]["publicId"]
    body = page.get_data(as_text=True)
    status_link = html.unescape(re.search(r'id="status-link" type="url" value="([^"]+)"', body).group(1))
    assert _whatsapp_text(body) == f'Hello Candles "Night" & co, about my order {public_id}\n{status_link}'


def test_whatsapp_about_an_unconfirmed_order_is_plain_text(odd_client: FlaskClient, odd_sandbox: Sandbox) -> None:
    start_checkout(odd_client, "/candle-keyed", "CANDLE-1")
    code = odd_sandbox.last_otp(PHONE)
    assert code
    odd_sandbox.faults.add("order", "timeout_after", times=1)

    page = enter_code(odd_client, "/candle-keyed", code)

    assert page.status_code == 400
    body = page.get_data(as_text=True)
    refs = re.findall(r'<bdi dir="ltr">([0-9A-Z]{8})</bdi>', body)
    assert len(refs) == 1
    assert _whatsapp_text(body) == f'Hello Candles "Night" & co, did you receive my order {refs[0]}?'

"""The product page's second design pass (issue 22, part C), server side (JavaScript off: the test client).

Option prices before choosing ("+5,000" on a chip), a sold-out variant opened by link, the JSON answer
the mini-cart reads (and the refusals it gets), the trust lines near the buy button (only what the
store's own data makes true), no SKU in the first screen, and no floating WhatsApp button.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import tiny_store
from helpers.checkout import cart_items
from helpers.pages import html_of, iqd, tr

from storefront.sendy.sandbox import Sandbox

LAYLA = "layla-boutique"  # free delivery from 150,000; 4,000 to Baghdad, 6,000 elsewhere; a returns policy
HONEY = "erbil-honey"  # one flat rate of 5,000 everywhere
SLEMANI = "slemani-honey"  # a weight-based rule only: no fee can be promised
FLORA = "flora-baghdad"  # no shipping rules
BAG = "LYL-BAG-LTH"  # colour × wrapping; gift wrapping costs 5,000 more; beige sold out
ABAYA = "LYL-ABY-CREPE"  # size × colour; 54/black sold out
ORIGIN = {"Origin": "http://localhost"}
JSON = {**ORIGIN, "Accept": "application/json"}
PREFIX = {"ar": "", "en": "/en", "ckb": "/ckb"}


def _chips(body: str, option: int) -> dict[str, str]:
    """Value → the visible text of its chip (tags stripped), for one option's radios."""
    found = {}
    for m in re.finditer(rf'<input type="radio" name="o{option}" [^>]*value="([^"]*)"[^>]*><label [^>]*>(.*?)</label>',
                         body):
        found[unescape(m.group(1))] = unescape(re.sub(r"<[^>]+>", "", m.group(2)))
    return found


def _buy_box(body: str) -> str:
    return body.split('<div class="buy">', 1)[1].split('<section class="related">', 1)[0]


# -- option prices ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_a_dearer_option_shows_how_much_more_before_it_is_chosen(client: FlaskClient, lang: str) -> None:
    body = html_of(client, f"/{LAYLA}{PREFIX[lang]}/p/{BAG}")
    wrapping = _chips(body, 1)
    assert wrapping["تغليف هدية مع بطاقة"].startswith(f"تغليف هدية مع بطاقة +{iqd(5000, lang)}")
    assert "+" not in wrapping["بدون تغليف"]  # the cheapest costs nothing more
    assert all("+" not in chip for chip in _chips(body, 0).values())  # every colour costs the same


def test_option_prices_follow_the_variants_prices(client: FlaskClient, sandbox: Sandbox) -> None:
    sandbox.set_price(LAYLA, "LYL-BAG-BRN-PLAIN", 47000)
    sandbox.set_price(LAYLA, "LYL-BAG-BRN-GIFT", 52000)
    colours = _chips(html_of(client, f"/{LAYLA}/en/p/{BAG}"), 0)
    assert f"+{iqd(12000, 'en')}" in colours["بني"]  # brown's cheapest (47,000) over the lowest (35,000)
    assert "+" not in colours["أسود"]


def test_sold_out_values_are_marked(client: FlaskClient) -> None:
    body = html_of(client, f"/{LAYLA}/en/p/{BAG}")
    assert re.search(r'value="بيج"><label for="o0-3" class="so"', body)
    assert "(sold out)" in _chips(body, 0)["بيج"]


# -- a sold-out variant by link --------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_sold_out_variant_opened_by_link_is_marked_and_cannot_be_added(app: Flask, client: FlaskClient,
                                                                         lang: str) -> None:
    body = html_of(client, f"/{LAYLA}{PREFIX[lang]}/p/{ABAYA}?variant=LYL-ABY-54-BLK")
    buy = _buy_box(body)
    assert '<p class="stock out"' in buy
    assert tr(app, lang, "This choice is sold out. Please choose another.") in buy
    assert re.search(r'<button type="submit" class="primary" disabled>', buy)
    assert re.search(r'value="54" checked><label for="o0-2" class="so"', buy)  # narrowed to black: 54 is sold out
    # an in-stock variant's link keeps "add" enabled
    other = _buy_box(html_of(client, f"/{LAYLA}{PREFIX[lang]}/p/{ABAYA}?variant=LYL-ABY-56-NVY"))
    assert '<button type="submit" class="primary">' in other and "stock in" in other
    # and the server refuses the sold-out one whatever the page says
    response = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, "o0": "54", "o1": "أسود"}, headers=ORIGIN)
    assert response.status_code == 303 and cart_items(app, client, LAYLA) == {}


# -- the mini-cart's JSON answer -------------------------------------------------------------------
def test_adding_with_json_answers_the_line_the_subtotal_and_the_count(app: Flask, client: FlaskClient) -> None:
    client.post(f"/{LAYLA}/cart/add", data={"sku": "LYL-HJB-CHF", "o0": "أسود"}, headers=ORIGIN)  # 5,000 already in
    response = client.post(f"/{LAYLA}/en/cart/add", data={"sku": ABAYA, "o0": "56", "o1": "كحلي", "quantity": "٢"},
                           headers=JSON)
    assert response.status_code == 200 and response.is_json
    data: dict[str, Any] = response.get_json()
    assert data["count"] == 3
    assert data["subtotal"] == iqd(5000 + 2 * 45000, "en")
    line = data["line"]
    assert (line["sku"], line["name"], line["quantity"], line["price"]) == ("LYL-ABY-56-NVY", "عباية كريب سادة", 2,
                                                                             iqd(45000, "en"))
    assert line["options"] == [["المقاس", "56"], ["اللون", "كحلي"]]
    assert line["image"].startswith("/")  # a resized photo of ours
    assert cart_items(app, client, LAYLA) == {"LYL-HJB-BLK": 1, "LYL-ABY-56-NVY": 2}
    arabic = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, "o0": "56", "o1": "كحلي"}, headers=JSON).get_json()
    assert arabic["subtotal"] == iqd(5000 + 3 * 45000, "ar")  # formatted in the page's language


def test_a_cross_site_json_add_is_refused(app: Flask, client: FlaskClient) -> None:
    """The add form sits on cacheable pages (no per-shopper token): the same-origin check is its CSRF guard."""
    response = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, "o0": "56", "o1": "كحلي"},
                           headers={"Origin": "https://evil.example", "Accept": "application/json"})
    assert response.status_code == 403
    response = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, "o0": "56", "o1": "كحلي"},
                           headers={"Referer": "https://evil.example/x", "Accept": "application/json"})
    assert response.status_code == 403
    assert cart_items(app, client, LAYLA) == {}


def test_a_sold_out_json_add_sends_the_shopper_back_to_choose(app: Flask, client: FlaskClient) -> None:
    data = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, "o0": "54", "o1": "أسود"}, headers=JSON).get_json()
    target = urlsplit(data["go"])
    assert target.path == f"/{LAYLA}/p/{ABAYA}" and parse_qs(target.query)["choose"] == ["1"]
    assert "line" not in data and cart_items(app, client, LAYLA) == {}


@pytest.mark.parametrize(("chosen", "anchor"), [({}, "pick-0"), ({"o0": "56"}, "pick-1"), ({"o1": "كحلي"}, "pick-0")])
def test_a_missing_choice_opens_the_page_at_that_option(app: Flask, client: FlaskClient, chosen: dict[str, str],
                                                        anchor: str) -> None:
    response = client.post(f"/{LAYLA}/cart/add", data={"sku": ABAYA, **chosen}, headers=ORIGIN)
    target = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and target.fragment == anchor
    body = html_of(client, response.headers["Location"])
    index = anchor[-1]
    fieldset = re.search(rf'<fieldset [^>]*id="{anchor}"[^>]*>', body)
    assert fieldset and 'tabindex="-1"' in fieldset.group(0) and f'aria-describedby="o{index}-err"' in fieldset.group(0)
    option = "المقاس" if index == "0" else "اللون"
    message = tr(app, "ar", "Please choose: %(option)s", option=option)
    assert f'<p class="err" id="o{index}-err" role="alert">{message}' in body
    assert cart_items(app, client, LAYLA) == {}


# -- trust near the buy button ---------------------------------------------------------------------
def _trust(body: str) -> list[str]:
    block = body.split('<ul class="trust">', 1)[1].split("</ul>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_trust_lines_say_what_the_stores_rules_make_true(app: Flask, client: FlaskClient) -> None:
    layla = _trust(html_of(client, f"/{LAYLA}/en/p/{ABAYA}"))
    assert layla[0] == tr(app, "en", "Pay cash when your order arrives.")
    assert tr(app, "en", "Delivery from %(price)s", price=iqd(4000, "en")) in layla  # Baghdad's 4,000, others 6,000
    assert tr(app, "en", "Free delivery on orders over %(price)s", price=iqd(150000, "en")) in layla
    assert tr(app, "en", "Returns policy") in layla
    assert any(line.startswith("Sold by بوتيك ليلى") and line.endswith("Ask on WhatsApp") for line in layla)
    sku = re.search(r'/p/([^"?]+)"', html_of(client, f"/{HONEY}/en/")).group(1)  # type: ignore[union-attr]
    honey = _trust(html_of(client, f"/{HONEY}/en/p/{sku}"))
    assert tr(app, "en", "Delivery: %(fee)s", fee=iqd(5000, "en")) in honey
    assert not any("Free delivery" in line or "from" in line for line in honey)


@pytest.mark.parametrize("slug", [FLORA, SLEMANI])
def test_no_delivery_line_when_the_rules_promise_nothing(client: FlaskClient, slug: str) -> None:
    home = html_of(client, f"/{slug}/en/")
    sku = re.search(r'/p/([^"?]+)"', home).group(1)  # type: ignore[union-attr]
    lines = _trust(html_of(client, f"/{slug}/en/p/{sku}"))
    assert not any("elivery" in line for line in lines), lines


def test_no_returns_link_without_a_returns_policy_and_no_whatsapp_without_a_number(app: Flask, client: FlaskClient,
                                                                                    sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("plain", policies=[{"type": "privacy", "title": "Privacy", "body": "x"}]))
    body = html_of(client, "/plain/p/B-1")
    lines = _trust(body)
    assert lines == [tr(app, "en", "Pay cash when your order arrives."), "Sold by Shop plain"]
    assert "/plain/policies/returns" not in body and "wa.me/?" in body  # only the share link (no store number)


# -- the first screen ------------------------------------------------------------------------------
def test_the_sku_is_not_in_the_first_screen(client: FlaskClient) -> None:
    body = _buy_box(html_of(client, f"/{LAYLA}/en/p/{ABAYA}?variant=LYL-ABY-56-NVY"))
    sku_at = body.index('<p class="sku muted">')
    assert body.index("<form") < body.index('<ul class="trust">') < body.index('class="desc"') < sku_at
    assert "LYL-ABY-56-NVY" in body[sku_at:sku_at + 200]  # still there, at the end, for the shopper who asks


@pytest.mark.parametrize("path", ["/", f"/p/{ABAYA}", "/cart", "/about", "/?category=cat-abayas"])
def test_no_floating_whatsapp_button_and_whatsapp_in_the_header(client: FlaskClient, path: str) -> None:
    body = html_of(client, f"/{LAYLA}{path}")
    assert "wa-float" not in body
    header = body.split("</header>", 1)[0]
    assert re.search(r'<a class="ico wa-ico" href="https://wa\.me/9647809876543\?text=', header)

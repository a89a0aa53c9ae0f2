"""Variants: parsing hostile options and variants, the product page's pickers, ?variant= links,
structured data, the cart, and orders that carry the variant's SKU (JavaScript off: the test client)."""

from __future__ import annotations

import json
import logging
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import PHONE
from helpers.checkout import ORDER_PATH, add_to_cart, cart_items, enter_code, fill_checkout
from helpers.pages import flashes, html_of, text, tr

from storefront.sendy.models import Product
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import MAX_VARIANTS, parse_store
from storefront.services import caches

LAYLA = "layla-boutique"  # Arabic-first clothing boutique (demo seed)
SHOES = "rafidain-shoes"  # Arabic-first shoe shop (demo seed)
ORIGIN = {"Origin": "http://localhost"}
ABAYA = "LYL-ABY-CREPE"  # size × colour; 54/black and 60/brown sold out; 52/brown does not exist


# -- parsing ---------------------------------------------------------------------------------
def _store(*products: dict[str, Any]) -> dict[str, Any]:
    return {"slug": "s", "name": "S", "products": list(products)}


def _variant(sku: str, *values: Any, price: Any = 1000, **more: Any) -> dict[str, Any]:
    return {"sku": sku, "optionValues": list(values), "price": price, **more}


def _shirt(*variants: dict[str, Any], options: Any = None, **more: Any) -> dict[str, Any]:
    options = options if options is not None else [{"name": "Size", "values": ["S", "M", "L"]},
                                                     {"name": "Colour", "values": ["Black", "White"]}]
    return {"sku": "SHIRT", "name": "Shirt", "price": 900, "options": options, "variants": list(variants), **more}


def _only(payload: dict[str, Any]) -> Product:
    [product] = parse_store(payload).products
    return product


def test_options_and_variants_are_parsed_in_the_merchants_order() -> None:
    product = _only(_store(_shirt(_variant("S-B", "S", "Black", price=1500, compareAtPrice=2000, imageUrl="/i/b.jpg"),
                                  _variant("M-W", "M", "White", price=1200, inStock=False))))
    assert [(o.name, o.values) for o in product.options] == [("Size", ("S", "M", "L")), ("Colour", ("Black", "White"))]
    first, second = product.variants
    assert (first.sku, first.values, first.price, first.compare_at_price, first.image_url) == (
        "S-B", ("S", "Black"), 1500, 2000, "/i/b.jpg")
    assert (second.in_stock, second.on_sale) == (False, False)
    # The product stands for its variants: their lowest price, in stock when any of them is.
    assert (product.price, product.price_varies, product.in_stock, product.compare_at_price) == (1200, True, True, None)
    assert product.variant_for(("M", "White")) is second and product.variant("S-B") is first


def test_same_priced_variants_keep_one_price_and_its_compare_at_price() -> None:
    product = _only(_store(_shirt(_variant("A", "S", "Black", price=1000, compareAtPrice=1500),
                                  _variant("B", "M", "Black", price=1000, compareAtPrice=1500))))
    assert (product.price, product.price_varies, product.compare_at_price, product.on_sale) == (1000, False, 1500, True)


def test_a_product_off_sale_sells_no_variant() -> None:
    product = _only(_store(_shirt(_variant("A", "S", "Black"), inStock=False)))
    assert not product.in_stock and not product.variants[0].in_stock


@pytest.mark.parametrize(("bad", "reason"), [
    ({"optionValues": ["S", "Black"], "price": 1}, "no sku"),
    (_variant("X" * 65, "S", "Black"), "no sku, or a sku over 64"),
    (_variant("X", "S"), "one value per option"),
    (_variant("X", "S", "Black", "Extra"), "one value per option"),
    ({"sku": "X", "optionValues": "S Black", "price": 1}, "one value per option"),
    (_variant("X", "XXL", "Black"), "has no such value"),
    (_variant("X", "S", 7), "has no such value"),
    (_variant("X", "M", "Black", price=-5), "price is not a whole IQD amount"),
    (_variant("X", "M", "Black", price="lots"), "price is not a whole IQD amount"),
    (_variant("A", "M", "White"), "repeats the sku of another variant"),
    (_variant("X", "S", "Black"), "repeats the option values"),
    ("not a variant", "no sku"),
    (None, "no sku"),
])
def test_a_broken_variant_is_skipped_and_logged(bad: Any, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "storefront.sendy"):
        product = _only(_store(_shirt(_variant("A", "S", "Black"), bad, _variant("C", "L", "White"))))
    assert [v.sku for v in product.variants] == ["A", "C"]
    assert any("variant #1" in r.getMessage() and reason in r.getMessage() for r in caplog.records), caplog.text


def test_a_variant_without_a_price_is_not_sold() -> None:
    product = _only(_store(_shirt(_variant("A", "S", "Black"), _variant("B", "M", "Black", price=None))))
    assert [v.sku for v in product.variants] == ["A"]


@pytest.mark.parametrize("variants", [
    [_variant("A", "S", "Black", price=None)],  # nothing for sale
    [_variant("A", "Q", "Black"), {"sku": ""}],  # nothing usable
    "lots",  # not a list
])
def test_a_product_with_no_variant_to_sell_is_not_shown(variants: Any, caplog: pytest.LogCaptureFixture) -> None:
    payload = _store(_shirt(), {"sku": "OK", "name": "Fine", "price": 5})
    payload["products"][0]["variants"] = variants
    with caplog.at_level(logging.WARNING, "storefront.sendy"):
        assert [p.sku for p in parse_store(payload).products] == ["OK"]
    assert "SHIRT" in caplog.text


def test_broken_options_are_skipped_and_the_variants_follow_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    options = [{"name": "Size", "values": ["S", "M", " ", "S", 3]}, {"name": "", "values": ["x"]},
               {"name": "Size", "values": ["Q"]}, "junk", {"name": "Colour", "values": ["Black"]}]
    with caplog.at_level(logging.WARNING, "storefront.sendy"):
        product = _only(_store(_shirt(_variant("A", "M", "x", "Q", "j", "Black"), options=options)))
    assert [(o.name, o.values) for o in product.options] == [("Size", ("S", "M")), ("Colour", ("Black",))]
    assert product.variants[0].values == ("M", "Black")
    assert "option #1" in caplog.text and "repeats 'Size'" in caplog.text and "option #3" in caplog.text


def test_variants_of_a_product_whose_options_all_broke_are_not_guessed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "storefront.sendy"):
        assert parse_store(_store(_shirt(_variant("A", "S"), options=[{"name": "Size"}]))).products == ()
    assert "no usable option" in caplog.text


def test_skus_name_one_thing_in_a_store(caplog: pytest.LogCaptureFixture) -> None:
    payload = _store({"sku": "PLAIN", "name": "Plain", "price": 5},
                     _shirt(_variant("PLAIN", "S", "Black"), _variant("A", "M", "Black")),
                     {"sku": "OTHER", "name": "Other", "price": 9, "options": [{"name": "Size", "values": ["S"]}],
                      "variants": [_variant("A", "S")]},
                     {"sku": "PLAIN", "name": "Again", "price": 7})
    with caplog.at_level(logging.WARNING, "storefront.sendy"):
        store = parse_store(payload)
    assert [p.sku for p in store.products] == ["PLAIN", "SHIRT"]
    assert [v.sku for v in store.products[1].variants] == ["A"]
    assert "its sku is taken" in caplog.text and "repeats the sku of another product" in caplog.text


def test_an_absurd_number_of_variants_is_capped() -> None:
    tens, units = [str(n) for n in range(60)], [str(n) for n in range(10)]
    product = _only(_store(_shirt(*(_variant(f"V{t}-{u}", t, u) for t in tens for u in units),
                                  options=[{"name": "Tens", "values": tens}, {"name": "Units", "values": units}])))
    assert len(product.variants) == MAX_VARIANTS < 600


# -- the sandbox -----------------------------------------------------------------------------
def test_the_demo_seed_has_a_boutique_and_a_shoe_shop_with_variants(sandbox: Sandbox) -> None:
    for slug in (LAYLA, SHOES):
        store = parse_store(sandbox.state.stores[slug].public_view())
        assert store.language == "ar" and store.name
        with_variants = [p for p in store.products if p.variants]
        assert len(with_variants) >= 8
        assert {o.name for p in with_variants for o in p.options} & {"المقاس", "القياس", "اللون"}


def test_the_sandbox_sells_a_variant_by_its_sku_at_its_price(sandbox: Sandbox) -> None:
    store = sandbox.state.stores[LAYLA]
    sold = store.product("LYL-DRSD-XXL")
    assert sold is not None and (sold["price"], sold["variantOf"]) == (35000, "LYL-DRS-DAY")
    assert sold["name"] == "فستان قطن يومي بأكمام طويلة — XXL"
    from storefront.sendy.sandbox.validation import _items

    assert _items(store, [{"sku": "LYL-DRSD-XXL", "quantity": 1}]) == []
    [error] = _items(store, [{"sku": "LYL-DRS-DAY", "quantity": 1}])
    assert error["field"] == "items" and "has variants" in error["message"]


def test_the_seed_refuses_a_sku_used_twice(tmp_path) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([{"published": True, "storefront": {"slug": "x", "name": "X", "products": [
        {"sku": "A", "price": 1, "variants": [{"sku": "A", "price": 2}]}]}}]))
    with pytest.raises(ValueError, match="SKU 'A' is used twice"):
        Sandbox(str(extra))


# -- the product page ------------------------------------------------------------------------
def _radios(body: str) -> list[dict[str, str]]:
    """Every radio of the pickers: name, value, checked/disabled flags, and its chip's classes."""
    found = []
    for m in re.finditer(r'<input type="radio" ([^>]*)><label for="([^"]+)"([^>]*)>', body):
        attrs, label = m.group(1), m.group(3)
        found.append({"name": re.search(r'name="([^"]+)"', attrs).group(1),  # type: ignore[union-attr]
                      "value": unescape(re.search(r'value="([^"]*)"', attrs).group(1)),  # type: ignore[union-attr]
                      "checked": " checked" in attrs, "disabled": " disabled" in attrs,
                      "class": (re.search(r'class="([^"]*)"', label) or re.search("()", "")).group(1)})  # type: ignore[union-attr]
    return found


def _ld(body: str, kind: str) -> dict[str, Any]:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S):
        data = json.loads(block)
        if data.get("@type") == kind:
            return data
    raise AssertionError(f"no {kind} structured data")


def test_one_picker_per_option_with_radios_that_work_without_javascript(client: FlaskClient) -> None:
    body = html_of(client, f"/{LAYLA}/p/{ABAYA}")
    assert re.findall(r"<legend[^>]*>([^<]+)</legend>", body) == ["المقاس", "اللون"]
    radios = _radios(body)
    assert [(r["name"], r["value"]) for r in radios] == [
        *(("o0", s) for s in ("52", "54", "56", "58", "60")), *(("o1", c) for c in ("أسود", "كحلي", "بني"))]
    assert not any(r["checked"] or r["disabled"] for r in radios)  # each size exists in some colour
    assert 'name="sku" value="LYL-ABY-CREPE"' in body and 'action="/layla-boutique/cart/add"' in body
    assert re.findall(r'class="sw sw-(\w+)"', body) == ["k", "n", "br"]  # colour swatches, not for sizes
    variants = json.loads(unescape(re.search(r'data-variants="([^"]+)"', body).group(1)))  # type: ignore[union-attr]
    assert ["LYL-ABY-54-BLK", ["54", "أسود"], "\u200f45,000\xa0د.ع.\u200f", "", 0, 0] in variants
    assert len(variants) == 14


def test_sold_out_values_are_marked_and_missing_ones_disabled(client: FlaskClient) -> None:
    body = html_of(client, f"/{SHOES}/p/RFD-FTB")  # only size 42 left
    radios = {r["value"]: r for r in _radios(body)}
    assert radios["42"]["class"] == "" and all(radios[s]["class"] == "so" for s in ("39", "40", "41", "43", "44"))
    assert body.count("(نفدت الكمية)</span>") == 6  # a hidden "(sold out)" in every chip, shown on the sold-out ones
    assert len(re.findall(r'data-so hidden> \(', body)) == 1


def test_a_single_value_option_is_chosen_for_the_shopper(client: FlaskClient) -> None:
    radios = _radios(html_of(client, f"/{LAYLA}/p/LYL-JLB-MOR"))
    assert [r["value"] for r in radios if r["checked"]] == ["مقاس موحد"]


def test_a_variant_link_opens_with_that_variant_chosen(client: FlaskClient) -> None:
    body = html_of(client, f"/{LAYLA}/p/LYL-DRS-EVE?variant=LYL-DRS-M-NVY")
    assert [r["value"] for r in _radios(body) if r["checked"]] == ["M", "كحلي"]
    assert '<bdi dir="ltr">LYL-DRS-M-NVY</bdi>' in body
    assert 'src="/static/img/demo/layla-boutique/lyl-drs-eve-navy.svg"' in body.split('class="gallery"')[1][:400]
    assert '<link rel="canonical" href="http://localhost/layla-boutique/p/LYL-DRS-EVE">' in body
    buy = body.split('class="buy"')[1].split("</form>")[0]
    assert "\u200f85,000\xa0د.ع.\u200f</span> <del>" in buy and "100,000" in buy  # the variant's compare-at price


def test_unknown_variants_are_404_and_variant_skus_lead_to_their_product(client: FlaskClient) -> None:
    html_of(client, f"/{LAYLA}/p/{ABAYA}?variant=NOPE", 404)
    html_of(client, f"/{LAYLA}/p/{ABAYA}?variant=LYL-DRS-M-NVY", 404)  # another product's variant
    html_of(client, f"/{LAYLA}/p/LYL-SHL-WOL?variant=LYL-SHL-WOL", 404)  # no variants at all
    html_of(client, f"/{LAYLA}/p/{ABAYA}?variant=", 404)
    response = client.get(f"/{LAYLA}/p/LYL-ABY-56-NVY")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{LAYLA}/p/{ABAYA}?variant=LYL-ABY-56-NVY"


def test_cards_say_from_when_variants_differ_in_price(client: FlaskClient) -> None:
    body = html_of(client, f"/{LAYLA}/en/?category=cat-dresses")
    card = body.split("/p/LYL-DRS-DAY")[1].split("</li>")[0]
    assert 'From <span class="now">IQD\xa032,000</span>' in card
    same = body.split("/p/LYL-JLB-MOR")[1].split("</li>")[0]
    assert "From" not in same and '<span class="now">IQD\xa038,000</span>' in same


def test_variant_structured_data_is_a_product_group(client: FlaskClient) -> None:
    body = html_of(client, f"/{LAYLA}/p/{ABAYA}")
    group = _ld(body, "ProductGroup")
    url = f"http://localhost/{LAYLA}/p/{ABAYA}"
    assert (group["productGroupID"], group["url"], group["name"]) == (ABAYA, url, "عباية كريب سادة")
    assert group["variesBy"] == ["https://schema.org/size", "https://schema.org/color"]
    assert len(group["hasVariant"]) == 14
    sold_out = next(v for v in group["hasVariant"] if v["sku"] == "LYL-ABY-54-BLK")
    assert (sold_out["size"], sold_out["color"], sold_out["inProductGroupWithID"]) == ("54", "أسود", ABAYA)
    assert sold_out["url"] == f"{url}?variant=LYL-ABY-54-BLK" == sold_out["offers"]["url"]
    assert sold_out["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert sold_out["offers"]["price"] == "45000" and sold_out["image"].endswith("/lyl-aby-crepe.svg")
    assert "Product" not in [json.loads(b).get("@type") for b in re.findall(r'ld\+json">(.*?)</script>', body)]


# -- the cart and orders (JavaScript off) ----------------------------------------------------
def _add(client: FlaskClient, sku: str, slug: str = LAYLA, quantity: str = "1", **chosen: str):
    return client.post(f"/{slug}/cart/add", data={"sku": sku, "quantity": quantity, **chosen}, headers=ORIGIN)


def _order(client: FlaskClient, sandbox: Sandbox, slug: str = LAYLA) -> dict[str, Any]:
    """Delivery details, the code, "place order": what Sendy received."""
    assert fill_checkout(client, f"/{slug}").status_code == 303
    code = sandbox.last_otp(PHONE)
    assert code
    placed = enter_code(client, f"/{slug}", code)
    assert placed.status_code == 303, text(placed)
    [order] = [o for o in sandbox.orders if o["store"] == slug]
    return order


def test_ordering_a_variant_chosen_by_its_options(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    response = _add(client, ABAYA, quantity="2", o0="56", o1="كحلي")
    assert response.status_code == 303 and response.headers["Location"] == f"/{LAYLA}/cart"
    cart_page = client.get(f"/{LAYLA}/cart")
    added = tr(app, "ar", "Added to your cart: %(name)s", name="عباية كريب سادة — 56 / كحلي")
    assert ("success", added) in flashes(cart_page)
    page = text(cart_page)
    assert "<bdi>المقاس</bdi>: <bdi>56</bdi>" in page and "<bdi>اللون</bdi>: <bdi>كحلي</bdi>" in page
    assert f'href="/{LAYLA}/p/{ABAYA}?variant=LYL-ABY-56-NVY"' in page
    assert "lyl-aby-crepe-navy.svg" in page  # the variant's photo
    assert cart_items(app, client, LAYLA) == {"LYL-ABY-56-NVY": 2}
    order = _order(client, sandbox)
    assert order["request"]["items"] == [{"sku": "LYL-ABY-56-NVY", "quantity": 2}]
    assert order["request"]["orderValue"] == 90000 == order["response"]["orderValue"]
    assert cart_items(app, client, LAYLA) == {}


def test_ordering_a_variant_opened_from_a_shared_link(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    body = html_of(client, f"/{SHOES}/p/RFD-KID-LED?variant=RFD-KID-32")
    chosen = {r["name"]: r["value"] for r in _radios(body) if r["checked"]}
    assert chosen == {"o0": "32"}
    assert "\u200f25,000\xa0د.ع.\u200f" in body.split('class="buy"')[1][:600]  # that size's own price
    _add(client, "RFD-KID-LED", slug=SHOES, **chosen)  # the form as the browser sends it
    order = _order(client, sandbox, SHOES)
    assert order["request"]["items"] == [{"sku": "RFD-KID-32", "quantity": 1}]
    assert order["response"]["orderValue"] == 25000


def test_a_sold_out_variant_cannot_be_added(app: Flask, client: FlaskClient) -> None:
    response = _add(client, ABAYA, o0="54", o1="أسود")
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/{LAYLA}/p/{ABAYA}" and target.fragment == "choose"
    assert parse_qs(target.query) == {"choose": ["1"], "o0": ["54"], "o1": ["أسود"]}
    body = html_of(client, response.headers["Location"])
    assert tr(app, "ar", "This choice is sold out. Please choose another.") in body
    assert [r["value"] for r in _radios(body) if r["checked"]] == ["54", "أسود"]
    assert '<p class="stock out"' in body
    assert cart_items(app, client, LAYLA) == {}
    # ... nor by its own SKU, posted by hand
    page = client.get(add_to_cart(client, f"/{LAYLA}", "LYL-ABY-54-BLK").headers["Location"])
    assert cart_items(app, client, LAYLA) == {}
    assert f"/{LAYLA}/p/{ABAYA}" in page.request.path


def test_a_missing_choice_is_named_and_what_was_chosen_kept(app: Flask, client: FlaskClient) -> None:
    response = _add(client, ABAYA, o1="بني")
    body = html_of(client, response.headers["Location"])
    size_error = tr(app, "ar", "Please choose: %(option)s", option="المقاس")
    assert f'<p class="err" id="o0-err" role="alert">{size_error}</p>' in body
    assert 'aria-describedby="o0-err"' in body
    assert [r["value"] for r in _radios(body) if r["checked"]] == ["بني"]
    assert cart_items(app, client, LAYLA) == {}


def test_a_combination_that_does_not_exist_is_refused(app: Flask, client: FlaskClient) -> None:
    body = html_of(client, _add(client, ABAYA, o0="52", o1="بني").headers["Location"])
    assert tr(app, "ar", "This combination is not available. Please choose another.") in body
    body = html_of(client, _add(client, ABAYA, o0="99", o1="بني").headers["Location"])  # made-up value
    size_error = tr(app, "ar", "Please choose: %(option)s", option="المقاس")
    assert f'<p class="err" id="o0-err" role="alert">{size_error}</p>' in body
    assert cart_items(app, client, LAYLA) == {}


def test_a_product_with_variants_is_never_added_by_its_own_sku(app: Flask, client: FlaskClient) -> None:
    assert urlsplit(_add(client, ABAYA).headers["Location"]).path == f"/{LAYLA}/p/{ABAYA}"
    assert cart_items(app, client, LAYLA) == {}


def test_cart_prices_are_re_read_per_variant(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    _add(client, "LYL-DRS-DAY", o0="XXL")
    _add(client, "LYL-DRS-DAY", o0="M")
    sandbox.state.stores[LAYLA].storefront["products"][3]["variants"][3]["price"] = 37000  # XXL costs more now

    with app.app_context():
        caches.forget_store(LAYLA)
    page = text(client.get(f"/{LAYLA}/cart"))
    assert "<strong>\u200f37,000\xa0د.ع.\u200f</strong>" in page
    assert "<strong>\u200f32,000\xa0د.ع.\u200f</strong>" in page
    sandbox.state.stores[LAYLA].storefront["products"][3]["variants"][3]["inStock"] = False
    with app.app_context():
        caches.forget_store(LAYLA)
    page = text(client.get(f"/{LAYLA}/cart"))
    assert tr(app, "ar", "Out of stock — it won't be included in your order.") in page
    order = _order(client, sandbox)
    assert order["request"]["items"] == [{"sku": "LYL-DRSD-M", "quantity": 1}]


def test_the_confirmation_names_the_options(client: FlaskClient, sandbox: Sandbox) -> None:
    _add(client, "RFD-HEEL-W", slug=SHOES, o0="38", o1="فضي")
    _order(client, sandbox, SHOES)
    [order] = sandbox.orders
    page = text(client.get(f"/{SHOES}/orders/{order['response']['publicId']}"))
    assert "<bdi>صندل نسائي بكعب متوسط</bdi>\xa0×\xa01 <bdi class=\"muted opt\">38 / فضي</bdi>" in page


def test_orders_only_post_the_variant_sku(client: FlaskClient, sandbox: Sandbox) -> None:
    _add(client, "LYL-HJB-CHF", o0="بيج")
    _add(client, "LYL-SHL-WOL")  # no variants: its own SKU
    order = _order(client, sandbox)
    assert order["request"]["items"] == [{"sku": "LYL-HJB-BEG", "quantity": 1}, {"sku": "LYL-SHL-WOL", "quantity": 1}]
    assert sum(1 for m, p in sandbox.requests if m == "POST" and p == ORDER_PATH) == 1


def test_links_to_a_variant_are_url_encoded(client: FlaskClient) -> None:
    _add(client, "RFD-SCK-6", slug=SHOES, o0="مشكّل")
    page = client.get(f"/{SHOES}/cart").get_data(as_text=True)
    assert f'href="/{SHOES}/p/RFD-SCK-6?variant={quote("RFD-SCK-MIX")}"' in page


# -- hostile merchant data -------------------------------------------------------------------
XSS = '"><script>alert(1)</script>'


@pytest.fixture
def hostile(sandbox: Sandbox, client: FlaskClient) -> FlaskClient:
    """A store whose options, values and variants hold markup, odd types and broken entries."""
    sandbox.add_store({"slug": "odd", "name": "Odd", "language": "en", "products": [
        {"sku": "EVIL", "name": "Evil", "price": 1000, "imageUrls": ["/static/favicon.svg"],
         "options": [{"name": XSS, "values": [XSS, "M", {"x": 1}]}, {"name": "Colour", "values": ["Black", None]},
                     {"name": "Colour", "values": ["Red"]}, ["junk"]],
         "variants": [_variant("EVIL-1", XSS, "Black", "Red", "j", imageUrl="javascript:alert(1)"),
                      _variant("EVIL-2", "M", "Black", "Red", "j", price=True),
                      _variant("EVIL-3", "M", "Black", "Red", "j", compareAtPrice=XSS),
                      {"sku": XSS, "optionValues": ["M", "Black", "x", "y"], "price": 5},
                      _variant("EVIL-1", "M", "Black", "Red", "j")]}]})
    return client


def test_hostile_options_and_values_stay_text(hostile: FlaskClient) -> None:
    body = html_of(hostile, "/odd/p/EVIL")
    assert "<script>alert(1)</script>" not in body and "javascript:" not in body
    radios = _radios(body)
    assert [(r["name"], r["value"]) for r in radios] == [("o0", XSS), ("o0", "M"), ("o1", "Black")]
    data = json.loads(unescape(re.search(r'data-variants="([^"]+)"', body).group(1)))  # type: ignore[union-attr]
    assert [v[0] for v in data] == ["EVIL-1", XSS] and data[0][5] == -1  # the unsafe photo was dropped
    assert _ld(body, "ProductGroup")["hasVariant"][0]["name"] == f"Evil — {XSS} / Black"


def test_a_hostile_value_can_be_chosen_and_ordered(app: Flask, hostile: FlaskClient) -> None:
    response = hostile.post("/odd/cart/add", data={"sku": "EVIL", "o0": XSS, "o1": "Black"}, headers=ORIGIN)
    assert response.headers["Location"] == "/odd/cart"
    assert cart_items(app, hostile, "odd") == {"EVIL-1": 1}
    assert "<script>alert(1)</script>" not in hostile.get("/odd/cart").get_data(as_text=True)

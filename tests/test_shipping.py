"""Delivery fees from the store's shipping rules (issue 23; contract §1 "Shipping rules", §4).

The rules as the client reads them (tolerantly), the fee as the contract evaluates it (and the
sandbox, our Sendy, evaluates it the same way), then what a shopper sees on the cart, the checkout
(without JavaScript: the "show areas" round trip), the code page and the confirmation, and what
Sendy receives. Demo stores: layla-boutique (free from 150,000 IQD, else 4,000 in Baghdad and 6,000
elsewhere), erbil-honey (a flat 5,000, orders on WhatsApp), slemani-honey (WeightBased only: unknown),
flora-baghdad (no rules: unknown).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import FLORA, HONEY, PHONE, make_app
from flask import Flask
from helpers.checkout import add_to_cart, enter_code, fill_checkout, place_order, start_checkout, url
from helpers.pages import iqd, text, tr

from storefront.sendy.models import ShippingRule
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.sandbox import shipping as sandbox_shipping
from storefront.sendy.wire import parse_store
from storefront.services import shipping

LAYLA = "layla-boutique"
DRESS, DRESS_2 = "LYL-DRS-S-BRG", "LYL-DRS-M-NVY"  # 85,000 IQD each
UNKNOWN = "The store confirms the delivery fee, if there is one."
EDGE = "edge-shop"
FREE_FROM = 150_000


# -- the rules as the client reads them ---------------------------------------------------------
def _store(rules: Any) -> Any:
    return parse_store({"slug": "s", "name": "S", "products": [], "shippingRules": rules})


def test_every_rule_type_is_read_with_its_bounds_and_governorates() -> None:
    store = _store([
        {"id": "a", "name": "Baghdad", "ruleType": "FlatRate", "cost": 4000, "provinceCodes": ["BG"]},
        {"id": "b", "ruleType": "FreeShipping", "minOrderValue": "150000"},
        {"id": "c", "ruleType": "OrderValueBased", "cost": 2000, "minOrderValue": 50000, "maxOrderValue": 99999},
        {"id": "d", "ruleType": "WeightBased", "cost": 1000, "isActive": True},
    ])
    assert store.shipping_rules == (
        ShippingRule("flat", 4000, provinces=frozenset({"BG"}), id="a", name="Baghdad"),
        ShippingRule("free", 0, 150_000, id="b"),
        ShippingRule("order_value", 2000, 50_000, 99_999, id="c"),
        ShippingRule("weight", 0, id="d"),
    )


def test_a_broken_rule_is_skipped_and_logged_an_unknown_type_ignored(caplog) -> None:
    caplog.set_level(logging.WARNING, "storefront.sendy")
    store = _store([
        {"id": "no-cost", "ruleType": "FlatRate"},
        {"id": "negative", "ruleType": "FlatRate", "cost": -5},
        {"id": "upside-down", "ruleType": "OrderValueBased", "cost": 1, "minOrderValue": 9, "maxOrderValue": 8},
        {"id": "one-code", "ruleType": "FlatRate", "cost": 1, "provinceCodes": "BG"},
        {"id": "no-codes", "ruleType": "FreeShipping", "provinceCodes": []},
        "FlatRate",
        {"id": "pickup", "ruleType": "LocalPickup", "cost": 0},
        {"id": "off", "ruleType": "FreeShipping", "isActive": False},
        {"id": "good", "ruleType": "FlatRate", "cost": 5000},
    ])
    assert [r.id for r in store.shipping_rules] == ["good"]
    skipped = [r.getMessage() for r in caplog.records if "skipped shipping rule" in r.getMessage()]
    assert len(skipped) == 6
    assert all(name in " ".join(skipped) for name in ("no-cost", "negative", "upside-down", "one-code", "no-codes"))
    assert "pickup" not in caplog.text and "'off'" not in caplog.text  # ignored, not broken


@pytest.mark.parametrize("rules", [None, "FlatRate", {"ruleType": "FlatRate"}, []])
def test_no_rules(rules: Any) -> None:
    assert _store(rules).shipping_rules == ()


# -- the fee, as the contract evaluates it (and the sandbox the same way) ----------------------
FLAT = {"ruleType": "FlatRate", "cost": 5000}
FREE_150K = {"ruleType": "FreeShipping", "minOrderValue": FREE_FROM}
BAND = {"ruleType": "OrderValueBased", "cost": 3000, "minOrderValue": 50_000, "maxOrderValue": 100_000}
CASES = [
    pytest.param([FLAT], 10_000, "BA", 5000, id="flat"),
    pytest.param([{"ruleType": "FreeShipping"}, FLAT], 1, "BA", 0, id="free-without-minimum"),
    pytest.param([FREE_150K, FLAT], FREE_FROM, "BA", 0, id="free-exactly-at-the-minimum"),
    pytest.param([FREE_150K, FLAT], FREE_FROM - 1, "BA", 5000, id="one-dinar-below-the-minimum"),
    pytest.param([FREE_150K], FREE_FROM - 1, "BA", None, id="free-not-reached-nothing-else"),
    pytest.param([BAND, FLAT], 50_000, "BA", 3000, id="order-value-at-its-minimum"),
    pytest.param([BAND, FLAT], 100_000, "BA", 3000, id="order-value-at-its-maximum"),
    pytest.param([BAND, FLAT], 49_999, "BA", 5000, id="order-value-one-below"),
    pytest.param([BAND, FLAT], 100_001, "BA", 5000, id="order-value-one-above"),
    pytest.param([BAND], 100_001, "BA", None, id="order-value-out-of-bounds-alone"),
    pytest.param([{**FLAT, "cost": 7000}, FLAT], 1, "BA", 5000, id="the-lowest-candidate"),
    pytest.param([{"ruleType": "WeightBased", "cost": 1000}], 10_000, "BA", None, id="weight-only-unknown"),
    pytest.param([{"ruleType": "WeightBased", "cost": 1000}, FLAT], 10_000, "BA", 5000, id="weight-and-flat"),
    pytest.param([], 10_000, "BA", None, id="no-rules"),
    pytest.param([{**FLAT, "provinceCodes": ["BG"]}], 10_000, "BA", None, id="limited-to-another-governorate"),
    pytest.param([{**FLAT, "cost": 4000, "provinceCodes": ["BG"]}, {**FLAT, "cost": 6000}], 10_000, "BG", 4000,
                 id="per-governorate-here"),
    pytest.param([{**FLAT, "cost": 4000, "provinceCodes": ["BG"]}, {**FLAT, "cost": 6000}], 10_000, "BA", 6000,
                 id="per-governorate-elsewhere"),
    pytest.param([{"ruleType": "FreeShipping", "provinceCodes": ["BG"]}, FLAT], 1, "BA", 5000,
                 id="free-only-elsewhere"),
    pytest.param([{"ruleType": "FlatRate"}, {"ruleType": "Teleport", "cost": 0}, FLAT], 1, "BA", 5000,
                 id="broken-and-unknown-left-out"),
]


@pytest.mark.parametrize(("rules", "value", "province", "expected"), CASES)
def test_the_fee_by_the_contract(rules: list[dict[str, Any]], value: int, province: str, expected: int | None) -> None:
    assert shipping.fee(_store(rules).shipping_rules, value, province) == expected
    assert sandbox_shipping.delivery_fee({"shippingRules": rules}, value, province) == expected  # our Sendy agrees


def test_what_is_missing_for_free_delivery() -> None:
    rules = _store([FREE_150K, FLAT, {"ruleType": "FreeShipping", "minOrderValue": 50_000,
                                       "provinceCodes": ["BG"]}]).shipping_rules
    assert shipping.to_free(rules, FREE_FROM - 1, None) == 1
    assert shipping.to_free(rules, FREE_FROM, None) is None
    assert shipping.to_free(rules, 40_000, None) == 110_000  # the Baghdad-only offer is not everyone's
    assert shipping.to_free(rules, 40_000, "BG") == 10_000
    assert shipping.to_free(_store([FLAT]).shipping_rules, 1, None) is None


# -- what a shopper sees -------------------------------------------------------------------------
def _summary(html: str) -> str:
    """The delivery part of a summary: the subtotal row to the nudge, tags removed."""
    match = re.search(r'<p class="row sub">.*?<p class="nudge"[^>]*>.*?</p>', html, re.S)
    assert match, "no delivery lines"
    return re.sub(r"<(?!p class|/p)[^>]+>", "", match.group(0))


def _line(html: str, line_id: str) -> tuple[bool, str]:
    """(shown, text) of one delivery line (fee, total, nudge, fee-note)."""
    match = re.search(rf'<p class="[^"]*" id="{line_id}"( hidden)?>(.*?)</p>', html, re.S)
    assert match, f"no #{line_id}"
    return not match.group(1), re.sub(r" +", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def test_the_cart_says_from_what_and_how_much_more_is_free(app, client, sandbox) -> None:
    base = url(LAYLA)
    add_to_cart(client, base, DRESS)

    html = text(client.get(f"{base}/cart"))

    assert _line(html, "fee") == (True, tr(app, "ar", "Delivery") + " " + tr(app, "ar", "From %(price)s",
                                                                          price=iqd(4000, "ar")))
    assert _line(html, "fee-note") == (True, tr(app, "ar", "%(low)s to %(high)s, depending on the governorate.",
                                                low=iqd(4000, "ar"), high=iqd(6000, "ar")))
    assert _line(html, "nudge") == (True, tr(app, "ar", "Add %(amount)s more for free delivery.",
                                             amount=iqd(FREE_FROM - 85_000, "ar")))
    assert _line(html, "total")[0] is False  # no total before the governorate is known
    assert tr(app, "ar", "Pay cash when your order arrives. The store confirms the delivery fee.") not in html

    add_to_cart(client, base, DRESS_2)
    html = text(client.get(f"{base}/cart"))

    assert _line(html, "fee") == (True, tr(app, "ar", "Delivery") + " " + tr(app, "ar", "Free"))
    assert _line(html, "total") == (True, tr(app, "ar", "Total to pay on delivery") + " " + iqd(170_000, "ar"))
    assert _line(html, "nudge")[0] is False and _line(html, "fee-note")[0] is False


def test_the_cart_knows_the_governorate_chosen_before(app, client, sandbox) -> None:
    base = url(LAYLA, "en")
    start_checkout(client, base, DRESS)  # Baghdad

    html = text(client.get(f"{base}/cart"))

    assert _line(html, "fee") == (True, "Delivery " + iqd(4000, "en"))
    assert _line(html, "total") == (True, "Total to pay on delivery " + iqd(89_000, "en"))
    assert re.search(r'class="bar-price"[^>]*>' + re.escape(iqd(89_000, "en")), html)  # the phone's bottom bar too


def test_the_governorate_changes_the_fee_without_javascript(app, client, sandbox) -> None:
    base = url(LAYLA)
    add_to_cart(client, base, DRESS)
    before = text(client.get(f"{base}/checkout"))
    assert _line(before, "total")[0] is False

    basra = text(fill_checkout(client, base, action="areas", province="BA", area=""))  # "Show areas"
    baghdad = text(fill_checkout(client, base, action="areas", province="BG", area=""))

    assert _line(basra, "fee") == (True, tr(app, "ar", "Delivery") + " " + iqd(6000, "ar"))
    assert _line(basra, "total") == (True, tr(app, "ar", "Total to pay on delivery") + " " + iqd(91_000, "ar"))
    assert _line(baghdad, "fee") == (True, tr(app, "ar", "Delivery") + " " + iqd(4000, "ar"))
    assert _line(baghdad, "total") == (True, tr(app, "ar", "Total to pay on delivery") + " " + iqd(89_000, "ar"))


def test_the_checkout_carries_each_governorates_fee_for_javascript(app, client, sandbox) -> None:
    base = url(LAYLA)
    add_to_cart(client, base, DRESS)

    html = client.get(f"{base}/checkout").get_data(as_text=True)

    table = json.loads(re.search(r'<script type="application/json" id="fees">(.*?)</script>', html).group(1))
    fee, total, nudge, note = table["t"][table["p"]["BG"]]
    assert (fee, total) == (iqd(4000, "ar"), iqd(89_000, "ar"))
    assert table["t"][table["p"]["BA"]][:2] == [iqd(6000, "ar"), iqd(91_000, "ar")]
    assert len(table["p"]) == 19 and len(table["t"]) == 3  # 18 governorates and none chosen; each text once
    assert 'id="fees"' not in client.get(f"{url(FLORA)}/checkout").get_data(as_text=True)  # no rules, no table


def test_sendy_receives_the_fee_and_the_code_page_shows_the_total(app, client, sandbox) -> None:
    base = url(LAYLA)
    start_checkout(client, base, DRESS)

    code_page = text(client.get(f"{base}/checkout/code"))
    assert tr(app, "ar", "Total to pay on delivery: %(total)s", total=f"<strong>{iqd(89_000, 'ar')}</strong>") \
        in code_page
    assert _line(code_page, "nudge")[0] is False  # no "add more" once the code is sent
    confirmation = text(client.get(enter_code(client, base, sandbox.last_otp(PHONE)).headers["Location"]))

    [order] = sandbox.orders
    assert (order["request"]["orderValue"], order["request"]["deliveryFee"]) == (85_000, 4000)
    assert (order["response"]["deliveryFee"], order["response"]["totalAmount"]) == (4000, 89_000)
    assert _line(confirmation, "total") == (True, tr(app, "ar", "Total to pay on delivery") + " " + iqd(89_000, "ar"))
    assert tr(app, "ar", "The store set the delivery fee of your order.") not in confirmation


def test_free_delivery_is_sent_as_zero_and_shown_as_free(app, client, sandbox) -> None:
    base = url(LAYLA, "en")
    add_to_cart(client, base, DRESS_2)
    confirmation = text(place_order(client, sandbox, base, DRESS))

    [order] = sandbox.orders
    assert (order["request"]["orderValue"], order["request"]["deliveryFee"]) == (170_000, 0)
    assert _line(confirmation, "fee") == (True, "Delivery Free")
    assert _line(confirmation, "total") == (True, "Total to pay on delivery " + iqd(170_000, "en"))
    status = text(client.get(re.search(r'href="([^"]*/track/[^"]+)"', confirmation).group(1)))
    assert "Free" in status and "Total to pay on delivery" in status and UNKNOWN not in status


def test_sendy_charging_another_fee_wins_and_is_logged(app, client, sandbox, caplog) -> None:
    base = url(LAYLA, "en")
    start_checkout(client, base, DRESS)  # the storefront quotes 4,000 to Baghdad from its copy of the store
    sandbox.state.stores[LAYLA].storefront["shippingRules"] = [FLAT | {"cost": 7000}]  # the merchant edits

    with caplog.at_level(logging.WARNING, "storefront.shipping"):
        confirmation = text(client.get(enter_code(client, base, sandbox.last_otp(PHONE)).headers["Location"]))

    [order] = sandbox.orders
    assert order["request"]["deliveryFee"] == 4000 and order["response"]["totalAmount"] == 92_000
    assert _line(confirmation, "fee") == (True, "Delivery " + iqd(7000, "en"))
    assert _line(confirmation, "total") == (True, "Total to pay on delivery " + iqd(92_000, "en"))
    assert "The store set the delivery fee of your order." in confirmation
    [line] = [r.getMessage() for r in caplog.records if r.name == "storefront.shipping"]
    assert "7000" in line and "4000" in line and order["response"]["publicId"] in line
    assert PHONE not in caplog.text and "زينب" not in caplog.text  # no personal data
    status = text(client.get(re.search(r'href="([^"]*/track/[^"]+)"', confirmation).group(1)))
    assert iqd(7000, "en") in status and iqd(92_000, "en") in status


def test_a_retry_after_a_lost_answer_repeats_the_fee_sent(app, client, sandbox) -> None:
    base = url(LAYLA)
    start_checkout(client, base, DRESS)
    code = sandbox.last_otp(PHONE)
    sent: list[Any] = []
    real = app.extensions["sendy"].place_order
    app.extensions["sendy"].place_order = lambda key, order: sent.append(order) or real(key, order)
    # no answer, and (as Sendy's search then says) no order: the retry sends again (an order Sendy
    # did make is adopted instead, tests/test_exactly_once.py)
    sandbox.faults.add("order", "timeout", times=1)
    enter_code(client, base, code)  # the answer is lost
    add_to_cart(client, base, DRESS_2)  # the cart would now be free

    assert "/orders/" in enter_code(client, base, code).headers["Location"]

    assert [(o.order_value, o.delivery_fee) for o in sent] == [(85_000, 4000), (85_000, 4000)]
    assert len(sandbox.orders) == 1


@pytest.mark.parametrize(("slug", "prefix"), [(FLORA, ""), ("slemani-honey", "/ar")])
def test_an_unknown_fee_is_said_honestly_and_not_sent(app, client, sandbox, slug, prefix) -> None:
    base = f"/{slug}{prefix}"
    sku = re.search(rf'href="/{slug}{prefix}/p/([^"?]+)"', text(client.get(f"{base}/"))).group(1)
    add_to_cart(client, base, sku)
    cart = text(client.get(f"{base}/cart"))
    confirmation = text(place_order(client, sandbox, base, sku))

    said = (UNKNOWN, "Pay cash when your order arrives. The store confirms the delivery fee.")
    assert any(tr(app, "ar", sentence) in cart for sentence in said)
    assert 'id="total"' not in cart or _line(cart, "total")[0] is False
    assert tr(app, "ar", UNKNOWN) in confirmation
    assert tr(app, "ar", "Total to pay on delivery") not in confirmation
    assert "deliveryFee" not in sandbox.orders[0]["request"]


def test_the_whatsapp_order_carries_the_fee_and_the_total(app, client, sandbox) -> None:
    base = url(HONEY, "en")
    sku = re.search(r'href="/erbil-honey/en/p/([^"?]+)"', text(client.get(f"{base}/"))).group(1)
    add_to_cart(client, base, sku, "2")
    html = text(client.get(f"{base}/cart"))
    subtotal = int(re.sub(r"\D", "", _line(html, "total")[1])) - 5000

    link = re.search(r'<a class="button wa" href="([^"]+)"', html).group(1)
    message = parse_qs(urlsplit(link).query)["text"][0].splitlines()

    assert message[-3:] == [f"Subtotal: {iqd(subtotal, 'en')}", f"Delivery: {iqd(5000, 'en')}",
                            f"Total to pay on delivery: {iqd(subtotal + 5000, 'en')}"]


# -- a threshold met to the dinar, through the whole checkout ------------------------------------
@pytest.fixture
def edge_app(sandbox: Sandbox) -> Iterator[Flask]:
    """A store selling at 149,999 and 1 IQD: free delivery from 150,000, else 5,000."""
    sandbox.add_store({"slug": EDGE, "name": "Edge", "language": "en", "products": [
        {"id": "a", "sku": "EDGE-A", "name": "A", "price": FREE_FROM - 1},
        {"id": "b", "sku": "EDGE-B", "name": "B", "price": 1}],
        "shippingRules": [FREE_150K, FLAT, {"id": "broken", "ruleType": "FlatRate", "cost": "cheap"}]},
        api_key="edgekey.edge-secret", scopes=frozenset({"orders:write"}))
    app = make_app(sandbox)
    yield app
    app.extensions["sendy"].close()


def test_one_dinar_below_the_minimum_pays_and_exactly_it_is_free(edge_app, sandbox) -> None:
    client, base = edge_app.test_client(), f"/{EDGE}"
    add_to_cart(client, base, "EDGE-A")
    html = text(client.get(f"{base}/cart"))
    assert _line(html, "fee") == (True, "Delivery " + iqd(5000, "en"))  # the same everywhere: no "from"
    assert _line(html, "nudge") == (True, f"Add {iqd(1, 'en')} more for free delivery.")
    place_order(client, sandbox, base, "EDGE-B")  # 150,000 exactly

    [order] = sandbox.orders
    assert (order["request"]["orderValue"], order["request"]["deliveryFee"]) == (FREE_FROM, 0)
    assert (order["response"]["deliveryFee"], order["response"]["totalAmount"]) == (0, FREE_FROM)


def test_one_dinar_below_the_minimum_sendy_receives_the_fee(edge_app, sandbox, caplog) -> None:
    client, base = edge_app.test_client(), f"/{EDGE}"
    confirmation = text(place_order(client, sandbox, base, "EDGE-A"))

    [order] = sandbox.orders
    assert (order["request"]["orderValue"], order["request"]["deliveryFee"]) == (FREE_FROM - 1, 5000)
    assert (order["response"]["deliveryFee"], order["response"]["totalAmount"]) == (5000, FREE_FROM + 4999)
    assert _line(confirmation, "total") == (True, "Total to pay on delivery " + iqd(FREE_FROM + 4999, "en"))
    assert "skipped shipping rule #2 id='broken'" in caplog.text  # the broken rule broke nothing


def test_the_sandbox_keeps_a_free_delivery_free_when_the_store_confirms(app, client, sandbox) -> None:
    base = url(LAYLA)
    add_to_cart(client, base, DRESS_2)
    place_order(client, sandbox, base, DRESS)  # 170,000: free by the rules
    order = sandbox.orders[0]["response"]

    confirmed = sandbox.set_order_status(order["publicId"], "confirmed")

    assert (confirmed["deliveryFee"], confirmed["totalAmount"]) == (0, 170_000)  # no fee added on the way

"""The second design pass, part D (issue 22): the announcement line, the delivery form, the cart lines.

The announcement line says only what the store's shipping rules make true (contract §1 "Shipping
rules": an applying FreeShipping rule whose minimum the order reaches makes the fee 0), on every
store page in Arabic, English and Kurdish, and changes with the rules once the store's caches are
forgotten. The delivery form: what is due in one line at the top, the fields in two groups, the
governorates largest first then A–Z, and every behaviour of the checkout kept (CSRF, what was
typed kept on a refusal, Arabic-Indic digits, the code step, one order). Store: flora-baghdad
(Arabic, orders online, no shipping rules in the seed: each test gives it its own).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from conftest import FLORA, PHONE
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from helpers.checkout import DETAILS, add_to_cart, enter_code, fill_checkout, start_checkout, url
from helpers.pages import iqd, select_options, text, tr

from storefront.sendy.models import ShippingRule
from storefront.sendy.sandbox import Sandbox
from storefront.services import caches, shipping
from storefront.services.shipping import FreeDelivery

ROSES = "FLR-ROSE-12"  # 35,000 IQD
_ANN = re.compile(r'<p class="ann">(.*?)</p>', re.S)

FLAT = {"ruleType": "FlatRate", "cost": 5000}
FREE_50K = {"ruleType": "FreeShipping", "minOrderValue": 50_000}
FREE = {"ruleType": "FreeShipping"}


def _rules(raw: list[dict[str, Any]]) -> tuple[ShippingRule, ...]:
    from storefront.sendy.wire import parse_store

    return parse_store({"slug": "s", "name": "S", "products": [], "shippingRules": raw}).shipping_rules


# -- which statement the rules make true ---------------------------------------------------------
@pytest.mark.parametrize(("raw", "offer"), [
    pytest.param([], None, id="no-rules"),
    pytest.param([FLAT], None, id="flat-only"),
    pytest.param([{"ruleType": "WeightBased", "cost": 1000}], None, id="weight-only"),
    pytest.param([{"ruleType": "OrderValueBased", "cost": 0, "minOrderValue": 50_000}, FLAT], None,
                 id="a-zero-cost-band-is-no-free-delivery-rule"),
    pytest.param([FREE_50K, FLAT], FreeDelivery(50_000), id="free-over-x-everywhere"),
    pytest.param([FREE, FLAT], FreeDelivery(), id="free-without-minimum"),
    pytest.param([{**FREE, "minOrderValue": 0}], FreeDelivery(), id="a-zero-minimum-is-none"),
    pytest.param([{**FREE_50K, "provinceCodes": ["BG"]}, FLAT], FreeDelivery(50_000, ("BG",)),
                 id="free-over-x-in-one-governorate"),
    pytest.param([{**FREE_50K, "provinceCodes": ["BG"]}, {**FREE_50K, "provinceCodes": ["BA"]}],
                 FreeDelivery(50_000, ("BA", "BG")), id="one-minimum-two-rules-read-as-one"),
    pytest.param([{**FREE_50K, "provinceCodes": ["BG", "BA", "NI"]}], None,
                 id="too-many-governorates-to-name"),
    pytest.param([{**FREE, "provinceCodes": ["BG"]}, {**FREE_50K, "minOrderValue": 100_000}],
                 FreeDelivery(100_000), id="everywhere-wins-over-limited"),
    pytest.param([{**FREE_50K, "minOrderValue": 80_000}, FREE_50K], FreeDelivery(50_000),
                 id="the-lowest-minimum"),
    pytest.param([{**FREE_50K, "provinceCodes": ["BG"], "minOrderValue": 90_000},
                  {**FREE, "provinceCodes": ["BA"]}], FreeDelivery(None, ("BA",)), id="limited-lowest-minimum"),
])
def test_the_offer_the_rules_make_true(raw: list[dict[str, Any]], offer: FreeDelivery | None) -> None:
    rules = _rules(raw)
    assert shipping.free_delivery_offer(rules) == offer
    if offer is not None:  # and it is true: at its minimum, in each governorate it names, the fee is 0
        for province in offer.provinces or ("BG", "BA", "SU", "MU"):
            assert shipping.fee(rules, offer.minimum or 1, province) == 0


# -- what a shopper reads --------------------------------------------------------------------------
def _with_rules(sandbox: Sandbox, raw: list[dict[str, Any]]) -> None:
    sandbox.state.stores[FLORA].storefront["shippingRules"] = raw


def _line(page: Any) -> str | None:
    """The announcement line's text, None when the page has none."""
    body = page if isinstance(page, str) else text(page)
    found = _ANN.findall(body)
    assert len(found) <= 1
    return html.unescape(found[0]) if found else None


def _home(lang: str) -> str:
    return url(FLORA, None if lang == "ar" else lang) + "/"


def _tr(app: Flask, lang: str, message: str, **params: Any) -> str:
    """A message in ``lang`` (Kurdish too), as the storefront says it."""
    if lang != "ckb":
        return tr(app, lang, message, **params)
    with app.test_request_context(), force_locale("ckb_IQ"):
        return gettext(message, **params)


@pytest.mark.parametrize("raw", [[], [FLAT], [{"ruleType": "WeightBased", "cost": 1000}],
                                 [{**FREE_50K, "provinceCodes": ["BG", "BA", "NI"]}]],
                         ids=["none", "flat-only", "weight-only", "limited-to-many"])
def test_nothing_true_to_say_no_line_at_all(app, client, sandbox, raw) -> None:
    _with_rules(sandbox, raw)
    page = client.get(url(FLORA) + "/")
    assert page.status_code == 200
    assert _line(page) is None and 'class="ann"' not in text(page)  # no empty bar either


@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_free_over_x_everywhere(app, client, sandbox, lang) -> None:
    _with_rules(sandbox, [FREE_50K, FLAT])
    said = _line(client.get(_home(lang)))
    assert said == _tr(app, lang, "Free delivery on orders from %(amount)s", amount=iqd(50_000, lang))
    assert re.sub(r"\D", "", said.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))) == "50000"


@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_free_without_minimum_everywhere(app, client, sandbox, lang) -> None:
    _with_rules(sandbox, [FREE])
    assert _line(client.get(_home(lang))) == \
        _tr(app, lang, "Free delivery on every order")


def test_free_over_x_in_some_governorates_names_them(app, client, sandbox) -> None:
    _with_rules(sandbox, [{**FREE_50K, "provinceCodes": ["BG"]}, FLAT])
    assert _line(client.get(_home("en"))) == "Free delivery to Baghdad on orders from " + iqd(50_000, "en")
    assert _line(client.get(_home("ar"))) == tr(app, "ar", "Free delivery to %(places)s on orders from %(amount)s",
                                               places="بغداد", amount=iqd(50_000, "ar"))
    assert _line(client.get(_home("ckb"))) == _tr(
        app, "ckb", "Free delivery to %(places)s on orders from %(amount)s", places="بەغدا", amount=iqd(50_000, "ckb"))


def test_two_governorates_are_joined_the_languages_way(app, client, sandbox) -> None:
    _with_rules(sandbox, [{**FREE, "provinceCodes": ["BG", "BA"]}])
    assert _line(client.get(_home("en"))) == "Free delivery to Basra and Baghdad"
    assert _line(client.get(_home("ar"))) == tr(app, "ar", "Free delivery to %(places)s", places="البصرة وبغداد")


def test_a_governorate_the_reference_does_not_know_is_not_promised(app, client, sandbox) -> None:
    _with_rules(sandbox, [{**FREE, "provinceCodes": ["XX"]}])
    assert _line(client.get(_home("en"))) is None


def test_the_line_is_on_every_browsing_page_and_said_beside_the_buy_button_instead(app, client, sandbox) -> None:
    _with_rules(sandbox, [FREE_50K, FLAT])
    for lang in ("ar", "en", "ckb"):
        base = url(FLORA, None if lang == "ar" else lang)
        wanted = _tr(app, lang, "Free delivery on orders from %(amount)s", amount=iqd(50_000, lang))
        add_to_cart(client, base, ROSES)
        pages = ["/", "/?category=cat-bouquets", "/?q=" + ("rose" if lang == "en" else "ورد"),
                 "/faq", "/about", "/policies/privacy", "/cart"]
        for path in pages:
            page = client.get(base + path)
            assert page.status_code == 200, (lang, path)
            assert _line(page) == wanted, (lang, path)
        # the product page says it among the lines beside its buy button, not twice
        product = client.get(f"{base}/p/{ROSES}")
        assert _line(product) is None
        assert _tr(app, lang, "Free delivery on orders over %(price)s", price=iqd(50_000, lang)) in text(product)
        # the checkout shows the fee itself: nothing above the form
        assert _line(client.get(f"{base}/checkout")) is None, lang
    base = url(FLORA)
    start_checkout(client, base, ROSES)
    assert _line(client.get(f"{base}/checkout/code")) is None
    confirmation = client.get(enter_code(client, base, sandbox.last_otp(PHONE) or "").headers["Location"])
    assert _line(confirmation) is None
    status = re.search(r'href="([^"]*/track/[^"]+)"', text(confirmation)).group(1)
    assert _line(client.get(status)) is None


def test_the_line_follows_the_stores_rules_once_its_caches_are_forgotten(app, client, sandbox) -> None:
    _with_rules(sandbox, [FREE_50K, FLAT])
    home = _home("en")
    assert _line(client.get(home)) == "Free delivery on orders from " + iqd(50_000, "en")
    _with_rules(sandbox, [{**FREE_50K, "minOrderValue": 30_000}, FLAT])  # the merchant lowers it
    assert _line(client.get(home)) == "Free delivery on orders from " + iqd(50_000, "en")  # the page is cached

    with app.app_context():
        caches.forget_store(FLORA)  # what the store's change (a webhook) does
    assert _line(client.get(home)) == "Free delivery on orders from " + iqd(30_000, "en")

    _with_rules(sandbox, [FLAT])  # the offer ends: the line goes
    with app.app_context():
        caches.forget_store(FLORA)
    assert _line(client.get(home)) is None


def test_merchant_text_never_reaches_the_line_unescaped(app, client, sandbox) -> None:
    _with_rules(sandbox, [{**FREE, "name": '<script>alert(1)</script>'}])
    body = text(client.get(_home("en")))
    assert _line(body) == "Free delivery on every order" and "<script>alert(1)" not in body


# -- the delivery form ----------------------------------------------------------------------------
def _province_groups(page: str) -> list[tuple[str, list[str]]]:
    select = re.search(r'<select[^>]*name="province"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [(html.unescape(label), re.findall(r'<option[^>]*value="([^"]+)"', body))
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)]


@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_the_governorates_largest_first_then_a_to_z_each_once(app, client, sandbox, lang) -> None:
    base = url(FLORA, None if lang == "ar" else lang)
    add_to_cart(client, base, ROSES)
    page = text(client.get(f"{base}/checkout"))

    options = select_options(page, "province")
    assert options[0][0] == "" and len(options) == 19  # the prompt, then the 18 governorates once each
    (first, largest), (second, others) = _province_groups(page)
    assert (first, second) == (_tr(app, lang, "Largest governorates"), _tr(app, lang, "Other governorates (A–Z)"))
    assert largest == ["BG", "NI", "BA", "SU", "AR"]
    names = dict((value, label) for value, label, _ in options)
    shown = [names[code] for code in others]
    if lang == "en":
        assert shown == sorted(shown)
    else:  # Arabic script: alphabetical without the article (البصرة under ب), alef forms alike
        keys = [n.replace("أ", "ا").removeprefix("ال") for n in shown]
        assert keys == sorted(keys)
    if lang == "ar":
        assert shown.index("النجف") > shown.index("كربلاء")  # ن after ك, not among the ا


def test_the_last_governorate_chosen_comes_back_chosen(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES, province="NA", area=_an_area(app, client, base, "NA"))
    page = text(client.get(f"{base}/checkout"))
    assert [value for value, _, selected in select_options(page, "province") if selected] == ["NA"]


def _an_area(app: Flask, client: FlaskClient, base: str, province: str) -> str:
    return client.get(f"{base}/checkout/areas?province={province}").get_json()[0]["id"]


def _top(page: str) -> str:
    """The summary line at the top of the form: its visible text."""
    summary = re.search(r'<div class="summary">\s*<details[^>]*><summary>(.*?)</summary>', page, re.S)
    assert summary, "no summary line at the top"
    return _flat(html.unescape(re.sub(r"<[^>]+>", " ", summary.group(1))))


def _flat(words: str) -> str:
    return re.sub(r"\s+", " ", words).strip()


def test_the_total_is_at_the_top_of_the_form_before_any_field(app, client, sandbox) -> None:
    _with_rules(sandbox, [{**FLAT, "cost": 4000, "provinceCodes": ["BG"]}, {**FLAT, "cost": 6000}])
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES, "2")
    page = text(client.get(f"{base}/checkout"))
    assert page.index('<div class="summary">') < page.index('id="name"')
    assert _top(page).endswith(_flat("Subtotal " + iqd(70_000, "en")))  # no governorate yet: the goods
    assert "2 items" in _top(page)

    baghdad = text(fill_checkout(client, base, action="areas", province="BG", area=""))
    assert _top(baghdad).endswith(_flat("Total " + iqd(74_000, "en")))  # the fee to Baghdad included
    bar = re.search(r'<p class="co-due"[^>]*>(.*?)</p>', baghdad, re.S).group(1)
    # the phone's bottom bar says the same
    assert _flat(re.sub(r"<[^>]+>", " ", bar)) == _flat("Total " + iqd(74_000, "en"))
    assert baghdad.index('class="co-due"') < baghdad.index('value="continue"')


def test_without_rules_the_top_line_is_the_subtotal_and_the_store_confirms_the_fee(app, client, sandbox) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)
    page = text(client.get(f"{base}/checkout"))
    assert _top(page).endswith(_flat(tr(app, "ar", "Subtotal") + " " + iqd(35_000, "ar")))
    assert tr(app, "ar", "The store confirms the delivery fee, if there is one.") in page


def test_fields_are_grouped_and_every_field_and_button_is_kept(app, client, sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    page = text(client.get(f"{base}/checkout"))
    contact, address = re.findall(r'<fieldset class="group"><legend>(.*?)</legend>(.*?)</fieldset>', page, re.S)
    assert contact[0] == "Contact details" and address[0] == "Delivery address"
    assert 'id="name"' in contact[1] and 'id="phone"' in contact[1]
    assert all(f'id="{f}"' in address[1] for f in ("province", "area", "address"))
    assert 'name="csrf_token"' in page and 'id="notes"' in page
    assert page.count('value="continue"') == 1 and 'value="areas"' in page


def test_a_refused_form_keeps_what_was_typed_in_arabic_indic_digits_then_one_order(app, client, sandbox) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)
    refused = fill_checkout(client, base, phone="٠٧٧٠ ١٢٣ ٤٥٦٧", address="")  # no address
    assert refused.status_code == 400
    page = text(refused)
    assert "٠٧٧٠ ١٢٣ ٤٥٦٧" in page and DETAILS["name"] in page
    assert [v for v, _, s in select_options(page, "province") if s] == [DETAILS["province"]]
    assert _top(page)  # the summary line is still there

    sent = fill_checkout(client, base, phone="٠٧٧٠ ١٢٣ ٤٥٦٧")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/checkout/code")
    code = sandbox.last_otp(PHONE) or ""
    placed = enter_code(client, base, code)
    assert placed.status_code == 303 and "/orders/" in placed.headers["Location"]
    again = client.get(f"{base}/checkout/code")  # back to the code step: the order, not a second one
    assert again.status_code == 303 and again.headers["Location"] == placed.headers["Location"]
    assert len(sandbox.orders) == 1


def test_a_post_without_the_csrf_token_is_refused(app, client, sandbox) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)
    refused = client.post(f"{base}/checkout", data={**DETAILS, "action": "continue"})
    assert refused.status_code == 400 and sandbox.last_otp(PHONE) is None


# -- the cart's lines ------------------------------------------------------------------------------
def test_cart_titles_are_plain_and_remove_is_a_button(app, client, sandbox) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)
    page = text(client.get(f"{base}/cart"))
    assert re.search(rf'<a class="line-t" href="[^"]*/p/{ROSES}">', page)
    remove = re.search(r'<button type="submit" name="action" value="remove" class="rm">(.*?)</button>', page, re.S)
    assert remove and tr(app, "ar", "Remove") in remove.group(1)
    assert 'class="link"' not in page
    css = (app.static_folder or "") + "/css/flow.css"
    with open(css, encoding="utf-8") as f:
        rules = f.read()
    assert re.search(r"\.line-t \{[^}]*text-decoration: none", rules)
    assert re.search(r"\.rm \{[^}]*min-block-size: 44px;[^}]*min-inline-size: 44px", rules)


def test_the_flow_stylesheet_is_loaded_by_the_flow_pages_only(app, client, sandbox) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)
    for path in ("/", f"/p/{ROSES}", "/faq"):
        assert "css/flow.css" not in text(client.get(base + path)), path
    for path in ("/cart", "/checkout"):
        assert "css/flow.css" in text(client.get(base + path)), path

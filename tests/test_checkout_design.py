"""The checkout as the shopper sees it (#11): where they are, what they pay, what went wrong and where.

Each step shows Delivery → Verify → Done with the current one marked; the code page says how the
code comes and what the order costs (the subtotal, honestly worded); a Sendy failure is a banner
above the form, never an error of the code field; and an order that may exist already is one
notice whose main action asks the store on WhatsApp.
"""

from __future__ import annotations

import re

import pytest
from helpers.app import FLORA, PHONE, TIGRIS
from helpers.checkout import add_to_cart, enter_code, fill_checkout, place_order, start_checkout, update_cart, url
from helpers.clock import install_clock
from helpers.messages import MAYBE_PLACED, SAVED
from helpers.pages import alert, field_errors, iqd, steps, text, tr, tr_parts

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD
FLORA_LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(FLORA, "en", "en", id="en")]
def _labels(app, lang: str) -> list[str]:
    return [tr(app, lang, label) for label in ("Delivery", "Verify", "Done")]


@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_each_step_marks_where_the_shopper_is(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    labels = _labels(app, lang)
    add_to_cart(client, base, ROSES)

    details = client.get(f"{base}/checkout")
    start_checkout(client, base, SUNFLOWERS)
    code = client.get(f"{base}/checkout/code")
    done = client.get(enter_code(client, base, sandbox.last_otp(PHONE)).headers["Location"])

    for page, current in ((details, 0), (code, 1), (done, 2)):
        assert page.status_code == 200
        assert steps(page) == [(label, i == current) for i, label in enumerate(labels)]


@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_the_code_page_says_how_the_code_comes_and_what_it_costs(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    add_to_cart(client, base, ROSES, "2")
    start_checkout(client, base, SUNFLOWERS)

    html = text(client.get(f"{base}/checkout/code"))

    assert all(part in html for part in
               tr_parts(app, lang, "We sent a 6-digit code by SMS or WhatsApp to %(phone)s.", "phone"))
    summary = re.search(r'<div class="summary">(.*?)</div>', html, re.S).group(1)
    assert f'<p class="totals"><span>{tr(app, lang, "Subtotal")}</span><span>{iqd(100_000, lang)}</span></p>' in summary
    assert tr(app, lang, "The store confirms the delivery fee, if there is one.") in summary
    assert "<summary>" in summary and "3" in re.search(r"<summary>(.*?)</summary>", summary).group(1)
    for page in (html, text(client.get(f"{base}/checkout"))):  # the subtotal is not the sum to pay
        assert tr(app, lang, "Total to pay on delivery") not in page


def test_the_resend_button_looks_disabled_while_the_timer_runs(app, client, sandbox, monkeypatch):
    clock = install_clock(monkeypatch, sandbox)
    base = url(TIGRIS)
    start_checkout(client, base, "TGR-CHG-20W")
    resend = re.compile(r'<button type="submit" name="action" value="resend"[^>]*>')

    assert 'aria-disabled="true"' in resend.search(text(client.get(f"{base}/checkout/code"))).group(0)
    clock.advance(61)
    assert "aria-disabled" not in resend.search(text(client.get(f"{base}/checkout/code"))).group(0)


@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_a_sendy_failure_is_a_banner_above_the_form(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "status", times=1, status=500)

    response = enter_code(client, base, code)

    assert response.status_code == 400
    html = text(response)
    message = tr(app, lang, SAVED)
    assert alert(response) == message
    assert html.index(message) < html.index('name="code"')
    assert field_errors(response) == {}
    # a wrong code is still the code field's own error
    wrong = enter_code(client, base, "000000" if code != "000000" else "111111")
    assert alert(wrong) == ""
    assert field_errors(wrong) == {"code": tr(app, lang, "That code is wrong or has expired. Check it, "
                                                     "or ask for a new code.")}


@pytest.mark.parametrize(("slug", "url_lang", "lang"), FLORA_LANGS)
def test_an_order_that_may_exist_is_one_notice_with_whatsapp_first(app, client, sandbox, slug, url_lang, lang):
    base = url(slug, url_lang)
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout", times=1)  # no answer: the order may exist

    retry = text(enter_code(client, base, code))

    assert retry.count('role="alert"') == 1
    assert 'value="resend"' not in retry and 'value="restart"' not in retry  # no second code, no new order
    wa = retry.index('class="button wa" href="https://wa.me/')
    assert wa < retry.index('name="code"')  # WhatsApp first; the same code again is safe, below it
    assert 'value="verify">' in retry  # not the main button any more

    spent = enter_code(client, base, "000000" if code != "000000" else "111111")  # the code is no good now

    html = text(spent)
    assert spent.status_code == 400
    assert html.count('role="alert"') == 1
    assert alert(spent) == tr(app, lang, MAYBE_PLACED)
    assert tr(app, lang, "Your order may already be placed") in re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert 'name="code"' not in html and 'value="resend"' not in html
    notice = html[html.index('role="alert"'):]
    assert notice.index('class="button wa"') < notice.index('value="restart"')
    assert re.search(r'<button type="submit" name="action" value="restart" formnovalidate>', notice)  # secondary
    assert field_errors(spent) == {}
    assert sandbox.orders == []


def test_the_areas_button_without_javascript_lands_on_the_area_field(app, client, sandbox):
    base = url(FLORA)
    add_to_cart(client, base, ROSES)

    html = text(fill_checkout(client, base, action="areas", area=""))

    buttons = re.findall(r'<button[^>]*value="areas"[^>]*>', html)
    assert len(buttons) == 2 and all(f'formaction="{base}/checkout#area-field"' in b for b in buttons)
    assert re.search(r'<div class="field" id="area-field">\s*<label for="area">', html)


def test_the_confirmation_keeps_the_subtotal_honest(app, client, sandbox):
    page = place_order(client, sandbox, url(FLORA, "en"), ROSES)

    html = text(page)
    assert steps(page)[2] == (tr(app, "en", "Done"), True)
    assert iqd(35_000, "en") in html
    assert "Total to pay on delivery" not in html  # the sandbox sent no delivery fee
    assert "The store confirms the delivery fee, if there is one." in html


def test_whatsapp_moves_into_the_header_while_the_shopper_types(client):
    """No button floats over the form on the checkout steps; WhatsApp is in the (sticky) header instead."""
    base = url(FLORA)
    add_to_cart(client, base, ROSES, "1")
    cart = text(client.get(f"{base}/cart"))
    assert 'class="wa-float"' in cart and 'class="ico wa-ico"' not in cart
    details = text(client.get(f"{base}/checkout"))
    code = text(client.get(start_checkout(client, base, ROSES).headers["Location"]))
    for page in (details, code):
        assert 'class="wa-float"' not in page
        assert re.search(r'<a class="ico wa-ico" href="https://wa\.me/\d+', page)


def test_a_store_ordering_on_whatsapp_shows_one_whatsapp_button_on_the_cart(client):
    base = url("erbil-honey")
    page = text(client.get(f"/erbil-honey/p/{_honey_sku(client)}"))
    assert 'class="wa-float"' in page  # on the catalog, as everywhere
    add_to_cart(client, base, _honey_sku(client), "1")
    cart = text(client.get(f"{base}/cart"))
    assert 'class="button wa"' in cart and 'class="wa-float"' not in cart


def _honey_sku(client) -> str:
    return re.search(r'href="/erbil-honey/p/([^"?]+)"', text(client.get("/erbil-honey/"))).group(1)  # type: ignore[union-attr]


# -- after a lost answer: the retry stays possible, and shows what it will send ------------------
def _lost_answer(client, sandbox, base, fault="timeout_after"):
    """Check out roses ×1; no answer comes (timeout_after: Sendy created the order; timeout: it did not)."""
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", fault, times=1)
    assert enter_code(client, base, code).status_code == 400
    return code


def test_a_retry_after_a_lost_answer_is_not_blocked_by_an_emptied_cart(app, client, sandbox):
    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base)
    update_cart(client, base, ROSES, action="remove")  # or it sold out: the cart is empty now

    response = enter_code(client, base, code)  # the same code again, as the notice says

    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    assert len(sandbox.orders) == 1 and sandbox.orders[0]["request"]["items"] == [{"sku": ROSES, "quantity": 1}]


def test_the_code_page_after_a_lost_answer_sums_up_what_was_sent(app, client, sandbox):
    base = url(FLORA, "en")
    _lost_answer(client, sandbox, base)
    add_to_cart(client, base, SUNFLOWERS, "3")  # another tab

    page = text(client.get(f"{base}/checkout/code"))

    summary = page[page.index('<div class="summary">'):]
    assert iqd(35000, "en") in summary and iqd(35000 + 3 * 30000, "en") not in summary
    assert "FLR-SUNF" not in summary and summary.count('<li class="row">') == 1


def test_a_spent_code_stays_final_after_a_reload(app, client, sandbox):
    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base, "timeout")
    enter_code(client, base, "000000" if code != "000000" else "111111")  # refused: most likely used

    page = client.get(f"{base}/checkout/code")

    assert alert(page) == tr(app, "en", MAYBE_PLACED)
    assert 'name="code"' not in text(page) and 'value="restart"' in text(page)


def test_a_second_click_waiting_on_a_lost_answer_still_offers_the_safe_retry(app, client, sandbox):
    """The other request's answer was lost while this one waited: not 'only the store can tell'."""
    import threading

    from helpers.checkout import session_of

    from storefront.state import state

    base = url(FLORA, "en")
    code = _lost_answer(client, sandbox, base)
    ref = session_of(app, client)["checkout"][FLORA]["ref"]
    with app.app_context():
        store = state()
    assert store.add(f"placing:{ref}", "another request", 45)  # a click still in flight
    threading.Timer(0.3, lambda: store.delete(f"placing:{ref}")).start()  # then its answer is lost

    page = text(enter_code(client, base, code))

    assert 'name="code"' in page and 'value="restart"' not in page  # the same code again stays on offer
    assert sandbox.orders and len(sandbox.orders) == 1


def test_a_dash_in_a_product_name_is_not_taken_for_a_choice(app, client, sandbox):
    from storefront.services import catalog

    products = sandbox.state.stores[FLORA].storefront["products"]
    next(p for p in products if p["sku"] == ROSES)["name"] = "Honey — 1 kg"
    with app.app_context():
        catalog.forget_store(FLORA)

    page = text(place_order(client, sandbox, url(FLORA, "en"), ROSES))

    assert "<bdi>Honey — 1 kg</bdi>\xa0×\xa01</span>" in page  # one name, no option line split off it

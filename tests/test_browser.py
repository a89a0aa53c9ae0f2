"""End-to-end checkout in a real Chromium (Playwright), on a phone-sized screen, in Arabic.

The app is served over real HTTP (werkzeug) on a free port, backed by a fresh in-process
Sendy sandbox per test, so each test can count the orders it created. Locators use ids,
names and values, which do not change while the Arabic catalog is being translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.browser import TIMEOUT_MS, launched, open_tab
from helpers.browser import served_on as _serve

from storefront.sendy.sandbox import Sandbox
from storefront.services.digits import ascii_digits

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

FLORA = "flora-baghdad"
SKU = "FLR-ROSE-12"  # in stock, 35,000 IQD
PHONE = "9647701234567"
PHONE_CONTEXT = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
                 "device_scale_factor": 2, "locale": "ar-IQ"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (Playwright's sync API runs in this thread)."""
    yield from launched(playwright_api)


@pytest.fixture
def served() -> Iterator[tuple[str, Sandbox]]:
    """The storefront on a fresh sandbox, served over HTTP: (base URL, sandbox)."""
    yield from _serve(Sandbox(demo=False))


def _page(browser: Any, **options: Any) -> Iterator[Any]:
    """A tab of this module's phone (``options`` on top)."""
    yield from open_tab(browser, PHONE_CONTEXT, **options)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone-sized tab with JavaScript on."""
    yield from _page(browser)


@pytest.fixture
def page_no_js(browser: Any) -> Iterator[Any]:
    """A phone-sized tab with JavaScript off."""
    yield from _page(browser, java_script_enabled=False)


def _add_to_cart(page: Any, base: str, quantity: str, javascript: bool = True) -> None:
    page.goto(f"{base}/{FLORA}/p/{SKU}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^ar"))
    page.locator("#qty").fill(quantity)
    _submit_add(page, base, FLORA, javascript)
    if not javascript:
        expect(page.locator(".flash-success")).to_be_visible()


def _submit_add(page: Any, base: str, slug: str, javascript: bool) -> None:
    """Tap "Add to cart", then go on to the cart: with JS the product page stays, shows the mini-cart with
    the line and updates the badge (then the shopper taps "view cart" in it); without JS the form posts and
    lands on the cart."""
    url = page.url
    page.locator("form.add button[type=submit]").click()
    if javascript:
        expect(page.locator("dialog.mini [data-name]")).to_have_text(re.compile(r"\S"))
        expect(page.locator("[data-cart-count]")).to_be_visible()
        assert page.url == url, "adding left the product page"
        page.locator("dialog.mini a[href$='/cart']").click()
    page.wait_for_url(f"{base}/{slug}/cart")


def _fill_details(page: Any, phone: str) -> None:
    page.locator("#name").fill("زينب علي")
    page.locator("#phone").fill(phone)


def _finish(page: Any, base: str, sandbox: Sandbox, quantity: int) -> None:
    """Address, send the code, type it, place the order; check the confirmation."""
    page.locator("#address").fill("شارع 62، قرب جامع الكرادة")
    page.locator("#notes").fill("اتصلوا قبل الوصول")
    page.locator("button[value=continue]").click()
    page.wait_for_url(f"{base}/{FLORA}/checkout/code")
    code = sandbox.last_otp(PHONE)
    assert code and len(code) == 6
    page.locator("#code").fill(code)
    page.locator("button[value=verify]").click()
    page.wait_for_url(re.compile(rf"/{FLORA}/orders/[^/]+$"))

    orders = sandbox.orders
    assert len(orders) == 1, orders
    public_id = orders[0]["response"]["publicId"]
    assert page.url == f"{base}/{FLORA}/orders/{public_id}"
    expect(page.locator(".order-id")).to_have_text(public_id)
    sent = orders[0]["request"]
    assert sent["customerPhone"] == PHONE
    assert sent["items"] == [{"sku": SKU, "quantity": quantity}]


def test_checkout_with_javascript(page: Any, served: tuple[str, Sandbox]) -> None:
    base, sandbox = served
    _add_to_cart(page, base, "2")
    expect(page.locator(".cart-link .badge")).not_to_be_empty()  # "2 items", in words: Arabic has a dual

    # Catalog pages are shared (cacheable): the badge comes from the cart-count cookie, via JS.
    page.goto(f"{base}/{FLORA}/")
    badge = page.locator("[data-cart-count]")
    expect(badge).to_be_visible()
    assert ascii_digits(badge.inner_text().strip()) == "2"

    page.goto(f"{base}/{FLORA}/cart")
    page.locator(f'a[href="/{FLORA}/checkout"]').click()
    page.wait_for_url(f"{base}/{FLORA}/checkout")
    _fill_details(page, "0770 123 4567")

    navigations: list[str] = []
    requests: list[Any] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on("request", lambda request: requests.append(request))
    area = page.locator("select[name=area]")
    expect(area.locator("option")).to_have_count(1)
    page.locator("select[name=province]").select_option("BG")
    expect(area.locator("option").nth(1)).to_be_attached()
    expect(area).to_be_enabled()
    assert area.locator("option").count() > 2
    area.select_option(index=1)

    assert navigations == [], "choosing a governorate reloaded the page"
    fetched = [r for r in requests if "/checkout/areas" in r.url]
    assert len(fetched) == 1 and fetched[0].resource_type == "fetch" and "province=BG" in fetched[0].url
    assert not [r for r in requests if r.method == "POST"], "the areas were posted for, not fetched"
    expect(page.locator("button[value=areas]")).to_be_hidden()

    _finish(page, base, sandbox, quantity=2)


def test_checkout_without_javascript(page_no_js: Any, served: tuple[str, Sandbox]) -> None:
    page, (base, sandbox) = page_no_js, served
    _add_to_cart(page, base, "١", javascript=False)
    page.locator(f'a[href="/{FLORA}/checkout"]').click()
    page.wait_for_url(f"{base}/{FLORA}/checkout")
    _fill_details(page, "٠٧٧٠ ١٢٣ ٤٥٦٧")  # Arabic-Indic digits, as many phones type them

    area = page.locator("select[name=area]")
    page.locator("select[name=province]").select_option("BG")
    expect(area.locator("option")).to_have_count(1)  # nothing happens without JS...
    with page.expect_request(lambda r: r.method == "POST" and r.url == f"{base}/{FLORA}/checkout") as posted:
        page.locator("button[value=areas]:visible").click()  # ...until the <noscript> button re-posts the form
    assert "action=areas" in (posted.value.post_data or "")
    expect(area.locator("option").nth(1)).to_be_attached()
    # ...and lands back on the area field, scrolled into view below the sticky header
    assert page.url.endswith("#area-field")
    expect(page.locator("#area-field")).to_be_in_viewport()
    assert page.evaluate("scrollY") > 0
    assert area.locator("option").count() > 2
    # The re-posted form keeps what was typed.
    expect(page.locator("#name")).to_have_value("زينب علي")
    expect(page.locator("#phone")).to_have_value("٠٧٧٠ ١٢٣ ٤٥٦٧")
    expect(page.locator("select[name=province]")).to_have_value("BG")
    area.select_option(index=1)

    _finish(page, base, sandbox, quantity=1)


def test_order_status_link_in_a_second_browser(browser: Any, page: Any, served: tuple[str, Sandbox]) -> None:
    base, sandbox = served
    _add_to_cart(page, base, "1")
    page.locator(f'a[href="/{FLORA}/checkout"]').click()
    page.wait_for_url(f"{base}/{FLORA}/checkout")
    _fill_details(page, "0770 123 4567")
    page.locator("select[name=province]").select_option("BG")
    area = page.locator("select[name=area]")
    expect(area.locator("option").nth(1)).to_be_attached()
    area.select_option(index=1)
    _finish(page, base, sandbox, quantity=1)
    expect(page.locator("[data-copy]")).to_be_visible()  # "copy link", shown by share.js
    page.locator("[data-copy]").click()
    expect(page.locator("[data-copied]")).to_have_text("تم نسخ الرابط")
    link = page.locator("#status-link").input_value()
    assert link.startswith(f"{base}/{FLORA}/track/")
    sandbox.set_order_status(sandbox.orders[0]["response"]["publicId"], "out_for_delivery")

    second = browser.new_context(**PHONE_CONTEXT)  # another browser: no cookie, no session
    second.set_default_timeout(TIMEOUT_MS)
    try:
        other = second.new_page()
        other.goto(link)
        expect(other.locator(".step.current .step-name")).to_have_text("خرج للتوصيل")
        expect(other.locator(".courier-name")).to_have_text("الرافدين للتوصيل")
        expect(other.locator(".tracking")).to_have_text(re.compile(r"^RFD\d{8}$"))
        assert other.viewport_size == {"width": 360, "height": 740}
        assert other.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
        main = other.locator("main").inner_text()
        assert "قرب جامع الكرادة" not in main and "زينب علي" not in main  # no address, a first name at most
        assert [c["name"] for c in second.cookies()] == []
    finally:
        second.close()


# -- variants and big stores -------------------------------------------------------------------
LAYLA, SHOES = "layla-boutique", "rafidain-shoes"
ABAYA = "LYL-ABY-CREPE"  # size × colour; 54/black sold out


def _order_in_browser(page: Any, base: str, sandbox: Sandbox, slug: str,
                      javascript: bool = True) -> list[dict[str, Any]]:
    """From the cart to the confirmation (delivery form, code): the items Sendy received."""
    page.goto(f"{base}/{slug}/cart")
    page.locator(f'a[href="/{slug}/checkout"]').click()
    page.wait_for_url(f"{base}/{slug}/checkout")
    _fill_details(page, "0770 123 4567")
    page.locator("select[name=province]").select_option("BG")
    area = page.locator("select[name=area]")
    if not javascript:  # the <noscript> button reloads the areas
        page.locator("button[value=areas]:visible").click()
    expect(area.locator("option").nth(1)).to_be_attached()
    area.select_option(index=1)
    page.locator("#address").fill("شارع 62، قرب جامع الكرادة")
    page.locator("button[value=continue]").click()
    page.wait_for_url(f"{base}/{slug}/checkout/code")
    page.locator("#code").fill(sandbox.last_otp(PHONE) or "")
    page.locator("button[value=verify]").click()
    page.wait_for_url(re.compile(rf"/{slug}/orders/[^/]+$"))
    [order] = sandbox.orders
    return order["request"]["items"]


def _choose(page: Any, *labels: str) -> None:
    """Tap the chips (labels of the radios) with these texts, in order."""
    for label in labels:
        page.locator(".pick label", has_text=re.compile(rf"^{re.escape(label)}")).first.click()


def test_ordering_a_variant_by_its_options_with_javascript(page: Any, served: tuple[str, Sandbox]) -> None:
    base, sandbox = served
    page.goto(f"{base}/{LAYLA}/p/{ABAYA}")
    page.evaluate("window.stayed = true")  # gone if choosing loaded a page
    _choose(page, "كحلي")
    first_photo = page.locator(".gallery > :first-child img")
    expect(first_photo).to_have_attribute("src", re.compile(r"lyl-aby-crepe-navy\.svg$"))
    expect(page.locator(".gallery .shot-n")).to_have_text(["1/3", "2/3", "3/3"])  # renumbered after the move
    _choose(page, "56")
    expect(page).to_have_url(f"{base}/{LAYLA}/p/{ABAYA}?variant=LYL-ABY-56-NVY")
    expect(page.locator(".sku bdi")).to_have_text("LYL-ABY-56-NVY")
    assert page.evaluate("window.stayed") is True, "choosing loaded a page"
    _choose(page, "أسود", "54")  # sold out: marked, and the button refuses
    expect(page.locator(".stock")).to_have_class("stock out")
    expect(page.locator("form.add button[type=submit]")).to_be_disabled()
    expect(page.locator("label[for=o0-2]")).to_have_class("so")
    _choose(page, "كحلي")
    expect(page.locator("form.add button[type=submit]")).to_be_enabled()
    page.locator("#qty").fill("2")
    _submit_add(page, base, LAYLA, javascript=True)
    expect(page.locator(".line .opts")).to_have_text(re.compile("المقاس: 54.*اللون: كحلي"))
    assert _order_in_browser(page, base, sandbox, LAYLA) == [{"sku": "LYL-ABY-54-NVY", "quantity": 2}]


def test_ordering_a_variant_by_its_options_without_javascript(page_no_js: Any, served: tuple[str, Sandbox]) -> None:
    page, (base, sandbox) = page_no_js, served
    page.goto(f"{base}/{SHOES}/p/RFD-OXF")
    page.locator("form.add button[type=submit]").click()  # nothing chosen: the page says what to choose
    page.wait_for_url(re.compile(rf"/{SHOES}/p/RFD-OXF\?choose=1#pick-0$"))  # opened at the first one
    expect(page.locator("#o0-err")).to_be_visible()
    expect(page.locator("#o1-err")).to_be_visible()
    _choose(page, "42", "بني")
    page.locator("form.add button[type=submit]").click()
    page.wait_for_url(f"{base}/{SHOES}/cart")
    assert _order_in_browser(page, base, sandbox, SHOES, javascript=False) == [{"sku": "RFD-OXF-42-BRN", "quantity": 1}]


@pytest.mark.parametrize("javascript", [True, False])
def test_ordering_a_variant_opened_from_a_shared_link(browser: Any, served: tuple[str, Sandbox],
                                                      javascript: bool) -> None:
    base, sandbox = served
    for page in _page(browser, java_script_enabled=javascript):
        page.goto(f"{base}/{SHOES}/p/RFD-HEEL-W?variant=RFD-HEEL-39-SLV")
        expect(page.locator("input[name=o0][value='39']")).to_be_checked()
        expect(page.locator("input[name=o1][value='فضي']")).to_be_checked()
        first_photo = page.locator(".gallery > :first-child img")
        expect(first_photo).to_have_attribute("src", re.compile(r"rfd-heel-w-silver\.svg$"))
        _submit_add(page, base, SHOES, javascript)
        assert _order_in_browser(page, base, sandbox, SHOES, javascript) == [{"sku": "RFD-HEEL-39-SLV", "quantity": 1}]


def test_a_sold_out_variant_cannot_be_added_without_javascript(page_no_js: Any, served: tuple[str, Sandbox]) -> None:
    page, (base, _) = page_no_js, served
    page.goto(f"{base}/{LAYLA}/p/{ABAYA}?variant=LYL-ABY-54-BLK")
    expect(page.locator(".stock")).to_have_class("stock out")
    expect(page.locator("form.add button[type=submit]")).to_be_disabled()  # marked by the server, as the link opens
    page.goto(f"{base}/{LAYLA}/p/{ABAYA}")  # chosen by hand without JS, nothing can narrow: the server refuses
    _choose(page, "54", "أسود")
    page.locator("form.add button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{LAYLA}/p/{ABAYA}\?choose=1&o0=54&o1=.+#choose$"))
    expect(page.locator("[data-problem]")).to_be_visible()
    page.goto(f"{base}/{LAYLA}/cart")
    expect(page.locator(".line")).to_have_count(0)


@pytest.fixture
def served_big() -> Iterator[tuple[str, Sandbox]]:
    """The storefront with a generated store of 120 products (five pages), served over HTTP."""
    from storefront.sendy.sandbox.generated import big_store

    sandbox = Sandbox(demo=False)
    sandbox.add_store(big_store(120, 20, slug="souq"))
    yield from _serve(sandbox)


def test_paging_through_a_big_store_and_loading_more(browser: Any, served_big: tuple[str, Sandbox]) -> None:
    base, _ = served_big
    for page in _page(browser, java_script_enabled=False):  # numbered pages: for crawlers and JS off
        page.goto(f"{base}/souq/")
        expect(page.locator("[data-more]")).to_be_hidden()
        seen = []
        for number in range(1, 6):
            expect(page.locator(".grid > li")).to_have_count(24)
            expect(page.locator(".pages [aria-current=page]")).to_have_text(str(number))
            seen += page.locator(".grid > li > a").evaluate_all("links => links.map(a => a.pathname)")
            if number < 5:
                page.locator(".pages a[rel=next]").click()
                page.wait_for_url(f"{base}/souq/?page={number + 1}")
        assert len(set(seen)) == 120
        assert page.locator(".pages a[rel=next]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
    for page in _page(browser):  # "load more", in place
        page.goto(f"{base}/souq/?sort=price-asc")
        page.evaluate("window.stayed = true")  # gone if "load more" loaded a page
        more = page.locator("[data-more]")
        for count in (48, 72, 96, 120):
            more.click()
            expect(page.locator(".grid > li")).to_have_count(count)
        expect(more).to_be_hidden()
        expect(page).to_have_url(f"{base}/souq/?sort=price-asc&page=5")
        assert page.evaluate("window.stayed") is True, "load more loaded a page"
        # the text, not innerText: what the markup says, however much of the page is laid out yet
        prices = page.locator(".grid .price .now").all_text_contents()
        numbers = [int(ascii_digits(re.sub(r"[^\d٠-٩]", "", p))) for p in prices]
        in_stock = numbers[:len(numbers) - page.locator(".grid .tag").count()]
        assert in_stock == sorted(in_stock)  # still in order across the appended pages
        expect(page.locator(".pages [aria-current=page]")).to_have_text("5")


# -- the phone-first design (#11): a 360×640 phone in Instagram's in-app browser ------------------
INSTAGRAM_PHONE = {**PHONE_CONTEXT, "viewport": {"width": 360, "height": 640},
                   "user_agent": "Mozilla/5.0 (Linux; Android 13; SM-A145F Build/TP1A.220624.014; wv) "
                                 "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 "
                                 "Mobile Safari/537.36 Instagram 312.0.0.32.112 Android"}
SCREEN = 640
LONG = "long-names"


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A 360×640 tab with Instagram's user agent, JavaScript on."""
    yield from _page(browser, **INSTAGRAM_PHONE)


@pytest.fixture
def served_long() -> Iterator[tuple[str, Sandbox]]:
    """The demo stores plus one whose product has a very long unbroken name (and a WhatsApp number)."""
    sandbox = Sandbox(demo=False)
    word = "Superextraordinarilylonghandmadeceramicvasewithoutanyspaces" * 2
    sandbox.add_store({"slug": LONG, "name": "Long " + word, "language": "en", "whatsappPhone": "9647801234567",
                       "description": word + " " + word,
                       "products": [{"id": "p1", "sku": "L-1", "name": word, "price": 25_000, "compareAtPrice": 50_000,
                                     "inStock": True, "categoryId": "c1"},
                                    {"id": "p2", "sku": "L-2", "name": "Short", "price": 1000, "inStock": True,
                                     "categoryId": "c1"}],
                       "categories": [{"id": "c1", "name": word}]})
    yield from _serve(sandbox)


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not rendered"
    return box  # type: ignore[no-any-return]


def _in_first_screen(page: Any, selector: str) -> None:
    box = _box(page, selector)
    assert 0 <= box["y"] and box["y"] + box["height"] <= SCREEN, (selector, box)


@pytest.mark.parametrize("path", ["/", "/?q=%D9%88%D8%B1%D8%AF", "/?category=cat-bouquets", "/en/"])
def test_the_first_product_photo_is_in_the_first_screen(phone: Any, served: tuple[str, Sandbox], path: str) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}{path}")
    box = _box(phone, ".grid .card img")
    assert box["y"] + box["height"] / 2 <= SCREEN, box  # at least half of it shows before any scrolling
    if path != "/" and path != "/en/":
        expect(phone.locator(".hero")).to_have_count(0)  # a search or a category goes straight to the products


def test_price_and_add_button_are_in_reach_on_a_product_page(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}/p/{SKU}")
    _in_first_screen(phone, ".buy .price")
    _in_first_screen(phone, "form.add button[type=submit]")
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert phone.evaluate("window.scrollY") > 300  # well past the photo, the name and the form
    _in_first_screen(phone, "form.add button[type=submit]")  # the sticky bar stays at the bottom
    _in_first_screen(phone, ".bar-price")


def test_adding_with_javascript_stays_on_the_page_and_counts(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}/p/{SKU}")
    phone.evaluate("window.stayed = true")
    expect(phone.locator("[data-step]")).to_have_count(2)
    phone.locator("[data-step='1']").click()
    phone.locator("[data-step='1']").click()
    expect(phone.locator("#qty")).to_have_value("3")
    phone.locator("form.add button[type=submit]").click()
    expect(phone.locator("dialog.mini [data-name]")).to_have_text("باقة 12 وردة جوري حمراء")
    expect(phone.locator("dialog.mini [data-price]")).to_contain_text("3 × ")
    expect(phone.locator(".cart-link .badge")).to_have_text("3")
    assert phone.evaluate("window.stayed") is True, "adding loaded a page"
    assert phone.url == f"{base}/{FLORA}/p/{SKU}"
    phone.goto(f"{base}/{FLORA}/cart")  # the private page counts on the server, without JS too
    expect(phone.locator(".cart-link .badge")).to_have_text("3")


@pytest.mark.parametrize("path", ["/", f"/p/{SKU}", "/cart"])
def test_the_cart_link_is_a_big_enough_target(phone: Any, served: tuple[str, Sandbox], path: str) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}{path}")
    box = _box(phone, ".cart-link")
    assert box["width"] >= 44 and box["height"] >= 44, box


@pytest.mark.parametrize("path", ["/", "/en/", "/?q=%D9%88%D8%B1%D8%AF", "/?category=cat-bouquets", f"/p/{SKU}",
                                  "/p/FLR-TULIP-10", "/p/NO-SUCH-PRODUCT", "/cart", "/about", "/faq",
                                  "/policies/shipping"])
def test_a_whatsapp_button_is_in_view_on_every_page(phone: Any, served: tuple[str, Sandbox], path: str) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}{path}")
    button = phone.locator(".top a.wa-ico")  # in the sticky header: in view at every scroll, over nothing
    expect(button).to_be_in_viewport()
    box = _box(phone, ".top a.wa-ico")
    assert box["width"] >= 44 and box["height"] >= 44
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(button).to_be_in_viewport()


@pytest.mark.parametrize("path", [f"/{LONG}/", f"/{LONG}/p/L-1", f"/{LONG}/?category=c1", f"/{LONG}/about",
                                  f"/{FLORA}/", f"/{FLORA}/p/{SKU}", f"/{LAYLA}/p/{ABAYA}", f"/{FLORA}/cart",
                                  f"/{FLORA}/p/NO-SUCH-PRODUCT"])
def test_no_page_is_wider_than_the_screen(phone: Any, served_long: tuple[str, Sandbox], path: str) -> None:
    base, _ = served_long
    phone.goto(f"{base}{path}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("path", [f"/{LAYLA}/p/{ABAYA}", f"/{LAYLA}/ckb/p/{ABAYA}", f"/{FLORA}/en/p/{SKU}"])
def test_no_label_in_the_buy_bar_or_the_header_is_cut_off(browser: Any, served: tuple[str, Sandbox],
                                                          path: str, width: int) -> None:
    base, _ = served
    for tab in _page(browser, **{**INSTAGRAM_PHONE, "viewport": {"width": width, "height": 640}}):
        tab.goto(f"{base}{path}")
        clipped = tab.evaluate("""() => [...document.querySelectorAll('.bar button, .bar .button, .bar-price, .top a')]
            .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.outerHTML.slice(0, 80))""")
        assert clipped == []
        if width >= 360:  # the common phone: "Add to cart" on one line (at 320 it may take two, never cut)
            assert tab.evaluate("document.querySelector('.bar button[type=submit]').offsetHeight") <= 48


@pytest.mark.parametrize("javascript", [True, False])
def test_the_cart_steppers_and_a_typed_quantity(browser: Any, served: tuple[str, Sandbox], javascript: bool) -> None:
    base, _ = served
    for tab in _page(browser, java_script_enabled=javascript):
        _add_to_cart(tab, base, "1", javascript)
        quantity = tab.locator("#q-1")
        expect(tab.locator(".qty-form button[value=dec]")).to_be_disabled()  # never below one
        tab.locator(".qty-form button[value=inc]").click()
        tab.wait_for_url(f"{base}/{FLORA}/cart#l-1")  # back at the line, not the top of the page
        expect(quantity).to_have_value("2")
        quantity.fill("٥")
        if javascript:
            quantity.blur()  # a change is sent by itself
        else:
            quantity.press("Enter")  # the form's default button updates; it does not press −
        expect(quantity).to_have_value("5")
        expect(tab.locator(".cart-link .badge")).to_have_text("5")

"""The product page's second design pass (issue 22, part C) in a real Chromium at 360×640 with Instagram's
in-app user agent: a missing option brought into view with its message, the mini-cart after adding,
no WhatsApp control over a price, an add button, an option, a card's name or a cart control on any
page type in any language (at the top and scrolled), a sold-out variant's link without JavaScript,
and the full-screen gallery.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.phones import browser, phone, phone_no_js, served  # noqa: F401 (fixtures)

from storefront.sendy.sandbox import Sandbox

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LAYLA = "layla-boutique"
ABAYA = "LYL-ABY-CREPE"  # size × colour; 54/black sold out
BAG = "LYL-BAG-LTH"  # colour × wrapping, priced "from" (the longest price line)
DRESS = "LYL-DRS-DAY"  # one photo (the full width) and a name on two lines
PREFIX = {"ar": "", "en": "/en", "ckb": "/ckb"}
#: what nothing may cover: prices, add buttons, options, card names, cart controls
TARGETS = (".price, .bar-price, button[type=submit], .pick label, .card-name, .qty-form, .line a, .line .link, "
           ".cart-bar .button, .cart-sum .button, .share-btn, .toast")
#: every WhatsApp control on the page over a target it intersects (on top of it where they meet; targets under
#: the sticky header skipped), and any WhatsApp control that floats (position: fixed outside the sticky bar)
OVERLAPS = """([targets]) => {
  const box = e => e.getBoundingClientRect();
  const shown = e => { const b = box(e);
    return b.width > 0 && b.height > 0 && getComputedStyle(e).visibility !== "hidden"; };
  const header = document.querySelector(".top");
  const below = header ? box(header).bottom : 0;
  const wa = [...document.querySelectorAll('a[href*="wa.me/"]')].filter(shown);
  const bad = [];
  for (const t of [...document.querySelectorAll(targets)].filter(shown)) {
    const b = box(t);
    if (b.top < below || b.top >= innerHeight) continue;
    for (const w of wa) {
      if (w.contains(t) || t.contains(w)) continue;
      const a = box(w);
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom &&
          w.contains(document.elementFromPoint((Math.max(a.left, b.left) + Math.min(a.right, b.right)) / 2,
                                               (Math.max(a.top, b.top) + Math.min(a.bottom, b.bottom)) / 2))) {
        bad.push((w.className || "wa") + " over " + t.tagName + "." + t.className + " " +
                 t.textContent.trim().slice(0, 30));
      }
    }
  }
  return {bad, fixed: wa.filter(w => { for (let e = w; e; e = e.parentElement) { const p = getComputedStyle(e).position;
    if (p === "fixed" && !e.matches(".bar")) return true; } return false; }).map(w => w.className)};
}"""


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def test_add_without_a_size_brings_the_first_missing_option_into_view(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{LAYLA}/p/{ABAYA}")
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the shopper scrolled down, read, pressed add
    phone.locator(".product .bar button[type=submit]").click()
    size = phone.locator("#pick-0")
    message = phone.locator("#o0-err")
    expect(message).to_be_visible()
    expect(message).to_have_text("يرجى اختيار المقاس")
    expect(size).to_be_focused()
    assert size.get_attribute("aria-describedby") == "o0-err"
    header, bar, group = _box(phone, ".top"), _box(phone, ".product .bar"), _box(phone, "#pick-0")
    text = _box(phone, "#o0-err")
    assert group["y"] >= header["y"] + header["height"], "the option is under the header"
    assert text["y"] + text["height"] <= bar["y"], "the message is under the sticky bar"
    assert phone.evaluate("location.pathname") == f"/{LAYLA}/p/{ABAYA}"  # nothing was posted


def test_the_size_row_is_on_the_first_screen_clear_of_the_sticky_bar(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    for lang, sku in [(lang, sku) for lang in ("ar", "en", "ckb") for sku in (ABAYA, BAG, DRESS)]:
        phone.goto(f"{base}/{LAYLA}{PREFIX[lang]}/p/{sku}")
        bar, row = _box(phone, ".product .bar"), _box(phone, "#pick-0 .opts")
        for selector in (".gallery img", ".buy h1", ".buy .price"):
            box = _box(phone, selector)
            assert box["y"] >= 0 and box["y"] + min(box["height"], 40) <= bar["y"], (lang, sku, selector)
        assert row["y"] + row["height"] <= bar["y"], (lang, sku, "the first option's row is under the sticky bar")
        expect(phone.locator(".sku")).not_to_be_in_viewport()


def test_after_adding_the_mini_cart_shows_the_line_and_offers_checkout(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{LAYLA}/en/p/{ABAYA}")
    phone.locator("label[for=o0-3]").click()  # 56
    phone.locator("label[for=o1-2]").click()  # navy
    phone.locator(".product .bar button[type=submit]").dblclick()  # a double tap adds once
    sheet = phone.locator("dialog.mini")
    expect(sheet).to_be_visible()
    expect(sheet.locator("[data-name]")).to_have_text("عباية كريب سادة")
    expect(sheet.locator("[data-opts]")).to_have_text("المقاس: 56 · اللون: كحلي")
    expect(sheet.locator("[data-opts] bdi")).to_have_text(["المقاس", "56", "اللون", "كحلي"])  # each isolated
    expect(sheet.locator("[data-subtotal]")).to_have_text("IQD\u00a045,000")
    expect(sheet.locator(".mini-line img")).to_be_visible()
    checkout = sheet.get_by_role("link", name="Checkout")
    assert checkout.get_attribute("href") == f"/{LAYLA}/en/checkout"
    expect(sheet.get_by_role("link", name="View cart")).to_be_visible()
    assert phone.evaluate("document.querySelector('dialog.mini').contains(document.activeElement)")
    expect(phone.locator(".cart-link .badge")).to_have_text("1")
    phone.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    phone.goto(f"{base}/{LAYLA}/en/cart")
    expect(phone.locator("input[name=quantity]")).to_have_value("1")  # one press, one item


@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_no_whatsapp_control_covers_content_on_any_page(phone: Any, served: tuple[str, Sandbox], lang: str) -> None:
    base, _ = served
    pre = f"{base}/{LAYLA}{PREFIX[lang]}"
    phone.goto(f"{pre}/p/{ABAYA}?variant=LYL-ABY-56-NVY")
    phone.locator(".product .bar button[type=submit]").click()  # a cart with a line, and the "added" state
    expect(phone.locator("dialog.mini")).to_be_visible()
    phone.keyboard.press("Escape")
    pages = {"home": "/", "category": "/?category=cat-abayas", "product": f"/p/{ABAYA}", "cart": "/cart",
             "checkout": "/checkout"}
    for name, path in pages.items():
        phone.goto(pre + path)
        assert phone.locator(".top .wa-ico").count() == 1, (lang, name, "WhatsApp is reachable from the header")
        height = phone.evaluate("document.documentElement.scrollHeight")
        for y in range(0, height, 400):
            phone.evaluate(f"window.scrollTo(0, {y})")
            found = phone.evaluate(OVERLAPS, [TARGETS])
            assert not found["bad"], (lang, name, y, found["bad"])
            assert not found["fixed"], (lang, name, "a WhatsApp control floats over the page", found["fixed"])


def test_a_sold_out_variant_link_without_javascript(phone_no_js: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone_no_js.goto(f"{base}/{LAYLA}/en/p/{ABAYA}?variant=LYL-ABY-54-BLK")
    expect(phone_no_js.locator(".buy .stock")).to_have_text("Out of stock")
    expect(phone_no_js.locator("[data-problem]")).to_have_text("This choice is sold out. Please choose another.")
    expect(phone_no_js.locator(".product .bar button[type=submit]")).to_be_disabled()
    expect(phone_no_js.locator("#o0-2")).to_be_checked()
    expect(phone_no_js.locator("label[for=o0-2]")).to_have_class("so")


def test_a_missing_option_without_javascript_opens_at_that_option(phone_no_js: Any,
                                                                  served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone_no_js.goto(f"{base}/{LAYLA}/p/{ABAYA}")
    phone_no_js.locator("label[for=o0-3]").click()  # a size, no colour
    phone_no_js.locator(".product .bar button[type=submit]").click()
    phone_no_js.wait_for_url("**#pick-1")
    colour = _box(phone_no_js, "#o1-err")
    assert colour["y"] >= _box(phone_no_js, ".top")["height"] and colour["y"] + colour["height"] <= 640
    expect(phone_no_js.locator("#o1-err")).to_have_text("يرجى اختيار اللون")


def test_a_tap_on_a_photo_opens_the_full_screen_viewer(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{LAYLA}/p/{ABAYA}")
    assert phone.evaluate("!window.sfGallery")  # loaded on demand, not with the page
    phone.locator(".gallery img").first.click()
    viewer = phone.locator("dialog.viewer")
    expect(viewer).to_be_visible()
    box = _box(phone, "dialog.viewer")
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 360, 640)
    expect(viewer.locator("img")).to_have_count(3)
    expect(viewer.locator(".viewer-n")).to_have_text("1/3")
    phone.locator("dialog.viewer .viewer-strip > div").nth(1).scroll_into_view_if_needed()  # a swipe to the next
    expect(viewer.locator(".viewer-n")).to_have_text("2/3")
    image = viewer.locator(".viewer-strip > div").nth(1).locator("img")
    image.dblclick()  # double tap: zoom in
    assert "scale(2.5)" in (image.get_attribute("style") or "")
    image.dblclick()  # and out
    assert "scale" not in (image.get_attribute("style") or "")
    phone.keyboard.press("Escape")
    expect(viewer).to_be_hidden()


def test_adding_when_the_network_fails_or_the_add_is_refused(phone: Any, served: tuple[str, Sandbox]) -> None:
    """No answer: it may have been added, so the cart page tells (never posted twice); a refusal (403):
    nothing was added, the page says so and the button works again."""
    base, _ = served
    phone.goto(f"{base}/{LAYLA}/en/p/{ABAYA}?variant=LYL-ABY-56-NVY")
    phone.route("**/cart/add", lambda route: route.fulfill(status=403, body="Forbidden"))
    phone.locator(".product .bar button[type=submit]").click()
    expect(phone.locator("[data-toast]")).to_have_text(
        "Could not add it to your cart. Check your connection and try again.")
    expect(phone.locator(".product .bar button[type=submit]")).to_be_enabled()
    expect(phone.locator("dialog.mini")).to_be_hidden()
    phone.unroute("**/cart/add")
    phone.route("**/cart/add", lambda route: route.abort("internetdisconnected"))
    phone.locator(".product .bar button[type=submit]").click()
    phone.wait_for_url(f"{base}/{LAYLA}/en/cart")

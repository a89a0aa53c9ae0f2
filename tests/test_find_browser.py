"""Finding things in a real Chromium on a 360×640 phone with Instagram's user agent (issue 22, part B):
the header's search suggests as the shopper types (an Arabic query in Arabic-Indic digits), a filter
narrows a listing with JavaScript on and off, and the home's first product card shows whole in the
first screen."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.app import FLORA, HONEY, TIGRIS
from helpers.browser import INSTAGRAM_PHONE, open_tab
from helpers.phones import browser, phone, phone_no_js, served  # noqa: F401 (fixtures)

from storefront.sendy.sandbox import Sandbox

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LAYLA = "layla-boutique"
PHONE = INSTAGRAM_PHONE


def test_the_header_search_suggests_for_arabic_in_arabic_indic_digits(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{HONEY}/", wait_until="domcontentloaded")
    phone.locator(".top-nav [data-suggest]").click()
    field = phone.locator("dialog.sheet input[type=search]")
    expect(field).to_be_focused()
    phone.keyboard.type("عسل ٥٠٠", delay=20)
    option = phone.locator("#sg-list [role=option]").first
    expect(option).to_contain_text("عسل جبلي طبيعي - 500 غم")
    box = option.bounding_box()
    assert box and box["x"] + box["width"] <= 360 + 1  # laid out right to left inside the screen
    phone.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{base}/{HONEY}/p/*")
    assert "500" in phone.locator("h1").inner_text()


def test_escape_closes_and_enter_shows_the_results(phone: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone.goto(f"{base}/{FLORA}/", wait_until="domcontentloaded")
    phone.locator(".top-nav [data-suggest]").click()
    expect(phone.locator("dialog.sheet")).to_be_visible()
    phone.keyboard.press("Escape")
    expect(phone.locator("dialog.sheet")).to_be_hidden()
    phone.locator(".top-nav [data-suggest]").click()
    phone.keyboard.type("باقه ١٢")
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{base}/{FLORA}/?q=*")
    expect(phone.locator(".grid .card")).to_have_count(1)


def test_without_javascript_the_search_icon_opens_the_search_page(phone_no_js: Any,
                                                                  served: tuple[str, Sandbox]) -> None:
    base, _ = served
    phone_no_js.goto(f"{base}/{FLORA}/", wait_until="domcontentloaded")
    phone_no_js.locator(".top-nav [data-suggest]").click()
    phone_no_js.wait_for_url(f"{base}/{FLORA}/search")
    phone_no_js.locator("#q").fill("باقه ١٢")
    phone_no_js.locator("form.search button").click()
    expect(phone_no_js.locator(".grid .card")).to_have_count(1)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_filter_narrows_the_listing(browser: Any, served: tuple[str, Sandbox], javascript: bool) -> None:
    base, _ = served
    for tab in open_tab(browser, PHONE, java_script_enabled=javascript):
        tab.goto(f"{base}/{LAYLA}/", wait_until="domcontentloaded")
        before = tab.locator(".grid .card").count()
        tab.locator(".filters summary").click()
        tab.locator(".filters fieldset", has_text="المقاس").locator("label", has_text="38").click()
        tab.locator(".filters button[type=submit]").click()
        tab.wait_for_url("**f1=38**")
        after = tab.locator(".grid .card").count()
        assert 0 < after < before
        expect(tab.locator("ul.active")).to_contain_text("38")
        tab.locator("ul.active a", has_text="38").click()  # removed: everything again
        expect(tab.locator(".grid .card")).to_have_count(before)


@pytest.mark.parametrize("slug", [FLORA, LAYLA, TIGRIS, HONEY])
def test_the_first_product_card_is_whole_in_the_first_screen(phone: Any, served: tuple[str, Sandbox],
                                                             slug: str) -> None:
    base, _ = served
    phone.goto(f"{base}/{slug}/", wait_until="domcontentloaded")
    box = phone.locator(".grid .card").first.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 640, box

"""Delivery fees in a real Chromium (Playwright) on a 360×640 phone, in Arabic (issue 23).

The checkout's fee and total follow the governorate in place with JavaScript (no request, no
reload), and through the "show areas" round trip without it; the code page shows the total to pay
at the door above the button. Store: layla-boutique (4,000 IQD to Baghdad, 6,000 elsewhere, free from
150,000); one dress of 85,000 IQD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.browser import launched, open_tab
from helpers.browser import served_on as _serve

from storefront.sendy.sandbox import Sandbox
from storefront.services.digits import ascii_digits

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LAYLA = "layla-boutique"
DRESS, VARIANT = "LYL-DRS-EVE", "LYL-DRS-S-BRG"  # 85,000 IQD
PHONE_CONTEXT = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True,
                 "device_scale_factor": 1, "locale": "ar-IQ"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
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
    """A 360×640 tab with JavaScript on."""
    yield from _page(browser)


@pytest.fixture
def page_no_js(browser: Any) -> Iterator[Any]:
    """A 360×640 tab with JavaScript off."""
    yield from _page(browser, java_script_enabled=False)


def _amount(page: Any, selector: str) -> int:
    """The IQD amount a line shows, as a number (whatever digits the page uses)."""
    return int(re.sub(r"\D", "", ascii_digits(page.locator(selector).inner_text())))


def _to_checkout(page: Any, base: str) -> None:
    """One dress in the cart (size S, burgundy), then the delivery form."""
    page.goto(f"{base}/{LAYLA}/p/{DRESS}?variant={VARIANT}")
    with page.expect_response(lambda r: "/cart/add" in r.url):
        page.locator("form.add button[type=submit]").click()
    page.goto(f"{base}/{LAYLA}/checkout")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_the_governorate_changes_fee_and_total_in_place(page: Any, served: tuple[str, Sandbox]) -> None:
    base, sandbox = served
    _to_checkout(page, base)
    expect(page.locator("#fee")).to_contain_text(re.compile(r"[4٤]"))  # "from 4,000"
    expect(page.locator("#total")).to_be_hidden()
    expect(page.locator("#nudge")).to_be_visible()
    navigations: list[str] = []
    posts: list[Any] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.locator("select[name=province]").select_option("BA")
    expect(page.locator("#total")).to_be_visible()
    assert (_amount(page, "#fee"), _amount(page, "#total")) == (6000, 91_000)
    page.locator("select[name=province]").select_option("BG")
    assert (_amount(page, "#fee"), _amount(page, "#total")) == (4000, 89_000)
    expect(page.locator("#fee-note")).to_be_hidden()
    page.locator("select[name=province]").select_option("")
    expect(page.locator("#total")).to_be_hidden()
    expect(page.locator("#fee-note")).to_be_visible()

    assert navigations == [] and posts == [], "the fee came from a reload or a post, not in place"


def test_the_governorate_changes_the_total_without_javascript(page_no_js: Any, served: tuple[str, Sandbox]) -> None:
    page, (base, _sandbox) = page_no_js, served
    _to_checkout(page, base)
    page.locator("select[name=province]").select_option("BA")
    expect(page.locator("#total")).to_be_hidden()  # nothing happens without JS...

    page.locator("button[value=areas]:visible").click()  # ...until "show areas" re-posts the form

    page.wait_for_url(re.compile(r"#area-field$"))
    assert (_amount(page, "#fee"), _amount(page, "#total")) == (6000, 91_000)


def test_the_code_page_shows_the_total_to_pay(page: Any, served: tuple[str, Sandbox]) -> None:
    base, sandbox = served
    _to_checkout(page, base)
    page.locator("#name").fill("زينب علي")
    page.locator("#phone").fill("٠٧٧٠ ١٢٣ ٤٥٦٧")
    page.locator("select[name=province]").select_option("BG")
    area = page.locator("select[name=area]")
    expect(area.locator("option").nth(1)).to_be_attached()
    area.select_option(index=1)
    page.locator("#address").fill("شارع 62، قرب جامع الكرادة")
    page.locator("button[value=continue]").click()
    page.wait_for_url(f"{base}/{LAYLA}/checkout/code")

    pay = page.locator("form .pay")
    expect(pay).to_be_visible()
    pay.scroll_into_view_if_needed()
    expect(pay).to_be_in_viewport()
    assert _amount(page, "form .pay strong") == 89_000
    assert _amount(page, "#total") == 89_000  # the summary under the form says the same

    page.locator("#code").fill(sandbox.last_otp("9647701234567") or "")
    page.locator("button[value=verify]").click()
    page.wait_for_url(re.compile(rf"/{LAYLA}/orders/[^/]+$"))
    assert _amount(page, "#total") == 89_000
    assert sandbox.orders[0]["request"]["deliveryFee"] == 4000

"""The cart → details → code walk-through in a real Chromium at 360×640 with Instagram's user agent
(issue 22, part D), with JavaScript on and off.

The delivery form's one button is on the first screen (the phone's bottom bar) and the bar covers no
field the shopper is in; what is due at the top and in the bar follows the governorate with
JavaScript. Stores: flora-baghdad (no shipping rules), layla-boutique (4,000 IQD to Baghdad, 6,000
elsewhere, free from 150,000; a dress of 85,000 IQD).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.browser import INSTAGRAM_PHONE, open_tab
from helpers.browser import served_on as _serve
from helpers.phones import browser  # noqa: F401 (fixtures)

from storefront.sendy.sandbox import Sandbox
from storefront.services.digits import ascii_digits

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PHONE_CONTEXT = INSTAGRAM_PHONE
FLORA, ROSES = "flora-baghdad", "FLR-ROSE-12"
LAYLA, DRESS, VARIANT = "layla-boutique", "LYL-DRS-EVE", "LYL-DRS-S-BRG"
FIELDS = ("#name", "#phone", "#province", "#area", "#address", "#notes")
PHONE = "9647701234567"


@pytest.fixture
def served() -> Iterator[tuple[str, Sandbox]]:
    """The storefront on a fresh sandbox, served over HTTP: (base URL, sandbox)."""
    yield from _serve(Sandbox(demo=False))


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def js(request: Any) -> bool:
    """JavaScript on, then off."""
    return bool(request.param)


@pytest.fixture
def page(browser: Any, js: bool) -> Iterator[Any]:
    """A 360×640 Instagram tab."""
    yield from open_tab(browser, PHONE_CONTEXT, java_script_enabled=js)


def _add(page: Any, base: str, slug: str, path: str) -> None:
    """Press "Add to cart" on a product page (with JavaScript it stays there; without, the cart opens)."""
    page.goto(f"{base}/{slug}/p/{path}", wait_until="domcontentloaded")
    page.locator("form.add button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".badge")).to_have_text(re.compile(r"[1١]"))


def _amount(text: str) -> int:
    return int(re.sub(r"\D", "", ascii_digits(text)))


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_the_button_is_on_the_first_screen_and_the_bar_covers_no_field_in_use(page: Any, served: Any,
                                                                             js: bool) -> None:
    base, _sandbox = served
    _add(page, base, FLORA, ROSES)
    page.goto(f"{base}/{FLORA}/checkout", wait_until="domcontentloaded")

    button = page.locator("button[value=continue]")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box and box["y"] + box["height"] <= 640 and box["height"] >= 44
    due = page.locator(".co-due [data-due]")
    expect(due).to_be_in_viewport()  # what is due, beside the button
    expect(page.locator(".top-sum summary")).to_be_in_viewport()  # and at the top
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    bar = page.locator(".co-bar")
    for selector in FIELDS:
        field = page.locator(selector)
        if js:  # a field in use (focused by a tap, Tab or the keyboard's "next") is scrolled clear of the bar
            field.focus()
        else:  # a tap: it lands on the field, never on the bar (the phone's keyboard scrolls the field up)
            field.click(position={"x": 20, "y": 12})
        expect(field).to_be_focused()
        box, covering = field.bounding_box(), bar.bounding_box()
        assert box and covering
        if js:
            assert box["y"] >= 0 and box["y"] + box["height"] <= 640, f"{selector} is off screen when in use"
            assert not _overlap(box, covering), f"the bottom bar covers {selector} while it is in use"
        else:
            assert box["y"] + 12 < covering["y"], f"the bottom bar covers {selector}'s top"


def test_the_walk_through_cart_details_code_order(page: Any, served: Any, js: bool) -> None:
    base, sandbox = served
    _add(page, base, FLORA, ROSES)
    page.goto(f"{base}/{FLORA}/cart", wait_until="domcontentloaded")
    page.locator(f"a[href$='/{FLORA}/checkout']").click()
    page.wait_for_url(f"{base}/{FLORA}/checkout")

    page.locator("#name").fill("زينب علي")
    page.locator("#phone").fill("٠٧٧٠ ١٢٣ ٤٥٦٧")
    page.locator("#province").select_option("NA")
    area = page.locator("#area option:not([value=''])")
    if not js:  # "show areas" reloads the form with them
        page.locator("button[value=areas]:visible").click()
        page.wait_for_url(re.compile(r"#area-field$"))
    expect(area.first).to_be_attached()
    page.locator("#area").select_option(index=1)
    expect(page.locator("#name")).to_have_value("زينب علي")  # nothing typed was lost on the way
    page.locator("#address").fill("شارع الروضة، قرب المرقد")
    page.locator("button[value=continue]").click()
    page.wait_for_url(f"{base}/{FLORA}/checkout/code")

    code = page.locator("#code")
    expect(code).to_be_visible()
    code.fill(sandbox.last_otp(PHONE) or "")
    page.locator("button[value=verify]").click()
    page.wait_for_url(re.compile(rf"/{FLORA}/orders/[^/]+$"))
    assert len(sandbox.orders) == 1
    assert sandbox.orders[0]["request"]["addressProvinceCode"] == "NA"


def test_what_is_due_follows_the_governorate(browser: Any, served: Any) -> None:
    base, _sandbox = served
    for tab in open_tab(browser, PHONE_CONTEXT):
        _add(tab, base, LAYLA, f"{DRESS}?variant={VARIANT}")
        tab.goto(f"{base}/{LAYLA}/checkout", wait_until="domcontentloaded")
        tops = tab.locator("[data-due]")
        assert [_amount(t) for t in tops.all_inner_texts()] == [85_000, 85_000]  # the goods, before a governorate

        tab.locator("#province").select_option("BA")
        expect(tops.first).to_have_text(re.compile(r"[9٩][1١]"))
        assert [_amount(t) for t in tops.all_inner_texts()] == [91_000, 91_000]  # top line and bottom bar
        tab.locator("#province").select_option("BG")
        assert [_amount(t) for t in tops.all_inner_texts()] == [89_000, 89_000]
        tab.locator("#province").select_option("")
        assert [_amount(t) for t in tops.all_inner_texts()] == [85_000, 85_000]

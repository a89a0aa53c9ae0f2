"""Two stores, two brands, in a real Chromium on a 360×640 phone inside Instagram (issue 22, item 13).

The colours are read back with getComputedStyle, as the shopper's browser paints them (the inline
style is allowed by the page's CSP hash: a blocked style would leave the house teal), and their
WCAG contrast is computed from those computed values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.browser import INSTAGRAM_PHONE, open_tab
from helpers.phones import browser, served  # noqa: F401 (fixtures)

from storefront.sendy.sandbox import Sandbox
from storefront.services.brand import contrast

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")

PHONE = INSTAGRAM_PHONE
FLORA, TIGRIS = "flora-baghdad", "tigris-tech"
PRODUCTS = {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CASE-IP15"}

COMPUTED = """selector => {
  const el = document.querySelector(selector);
  const s = getComputedStyle(el);
  const page = getComputedStyle(document.body).backgroundColor;
  const link = document.querySelector('main a:not(.button):not(.card a)') || document.querySelector('a');
  return {bg: s.backgroundColor, fg: s.color, page: page === 'rgba(0, 0, 0, 0)' ?
          getComputedStyle(document.documentElement).backgroundColor : page,
          link: getComputedStyle(link).color};
}"""


def _hex(css: str) -> str:
    """``rgb(r, g, b)`` as ``#rrggbb`` (an opaque colour: the brand never has transparency)."""
    r, g, b = (int(n) for n in re.findall(r"\d+", css)[:3])
    assert not css.startswith("rgba") or css.endswith(", 1)"), css
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    yield from open_tab(browser, PHONE)


def _painted(page: Any, url: str, selector: str) -> dict[str, str]:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url, wait_until="domcontentloaded")  # photos may still be being made: colours need only the CSS
    page.wait_for_function("[...document.styleSheets].some(s => (s.href || '').includes('site.css') "
                           "&& s.cssRules.length)")
    found = page.evaluate(COMPUTED, selector)
    assert not violations, violations  # the inline style was allowed by its hash
    return found


def test_two_stores_paint_two_brands_each_aa(page: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    buttons = {}
    for slug in (FLORA, TIGRIS):
        found = _painted(page, f"{base}/{slug}/p/{PRODUCTS[slug]}", "form.add button[type=submit]")
        bg, fg, page_bg, link = (_hex(found[k]) for k in ("bg", "fg", "page", "link"))
        assert contrast(bg, fg) >= 4.5, (slug, bg, fg)  # the add button's text on its brand colour
        assert contrast(link, page_bg) >= 4.5, (slug, link, page_bg)  # a brand link on the page
        buttons[slug] = bg
    assert buttons[FLORA] != buttons[TIGRIS]
    assert buttons == {FLORA: "#9d174d", TIGRIS: "#1d4ed8"}


def test_the_chosen_chip_wears_the_brand(page: Any, served: tuple[str, Sandbox]) -> None:
    base, _ = served
    found = _painted(page, f"{base}/{FLORA}/", ".chips a[aria-current]")
    assert _hex(found["bg"]) == "#9d174d" and contrast(_hex(found["bg"]), _hex(found["fg"])) >= 4.5

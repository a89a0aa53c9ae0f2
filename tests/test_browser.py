"""End-to-end checkout in a real Chromium (Playwright), on a phone-sized screen, in Arabic.

The app is served over real HTTP (werkzeug) on a free port, backed by a fresh in-process
Sendy sandbox per test, so each test can count the orders it created. Locators use ids,
names and values, which do not change while the Arabic catalog is being translated.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from resilience_helpers import serve_wsgi, stop

from storefront import create_app
from storefront.digits import ascii_digits
from storefront.sendy.sandbox import Sandbox

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

FLORA = "flora-baghdad"
SKU = "FLR-ROSE-12"  # in stock, 35,000 IQD
PHONE = "9647701234567"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE_CONTEXT = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
                 "device_scale_factor": 2, "locale": "ar-IQ"}
TIMEOUT_MS = 5_000


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (Playwright's sync API runs in this thread)."""
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium binary found (install Debian's `chromium`, e.g. `make chromium`)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def served() -> Iterator[tuple[str, Sandbox]]:
    """The storefront on a fresh sandbox, served over HTTP: (base URL, sandbox)."""
    sandbox = Sandbox(demo=False)
    app = create_app({"TESTING": True, "SANDBOX": sandbox, "SENDY_BACKOFF": 0.0})
    server, base = serve_wsgi(app, "storefront-http")
    try:
        yield base, sandbox
    finally:
        stop(server)
        app.extensions["sendy"].close()


def _page(browser: Any, **options: Any) -> Iterator[Any]:
    context = browser.new_context(**PHONE_CONTEXT, **options)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone-sized tab with JavaScript on."""
    yield from _page(browser)


@pytest.fixture
def page_no_js(browser: Any) -> Iterator[Any]:
    """A phone-sized tab with JavaScript off."""
    yield from _page(browser, java_script_enabled=False)


def _add_to_cart(page: Any, base: str, quantity: str) -> None:
    page.goto(f"{base}/{FLORA}/p/{SKU}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^ar"))
    page.locator("#qty").fill(quantity)
    page.locator("form.add button[type=submit]").click()
    page.wait_for_url(f"{base}/{FLORA}/cart")
    expect(page.locator(".flash-success")).to_be_visible()


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
    _add_to_cart(page, base, "١")
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
    assert area.locator("option").count() > 2
    # The re-posted form keeps what was typed.
    expect(page.locator("#name")).to_have_value("زينب علي")
    expect(page.locator("#phone")).to_have_value("٠٧٧٠ ١٢٣ ٤٥٦٧")
    expect(page.locator("select[name=province]")).to_have_value("BG")
    area.select_option(index=1)

    _finish(page, base, sandbox, quantity=1)

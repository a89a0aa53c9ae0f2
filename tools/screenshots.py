"""First-screen screenshots of every page type, phone and desktop, Arabic and English.

Usage::

    python tools/screenshots.py BASE_URL OUTDIR [--only NAME ...]

    python tools/screenshots.py http://127.0.0.1:5000 /tmp/shots
    python tools/screenshots.py http://127.0.0.1:5000 /tmp/shots --only product cart

Drives headless Chromium (Playwright, /usr/bin/chromium) against a running demo app and saves
``{page}-{lang}-{width}.png``: what a shopper sees without scrolling, at 360×640 (a phone in
Instagram's in-app browser) and at 1280×800. Each language and width gets its own browser context,
so carts (a cookie) never mix. The checkout is walked through for real: two lines in the cart, the
details form (one phone number per context), the demo code shown on the code page, the confirmation
and the order status link.

Locators are ids, names, values and URLs, never visible texts, so the same script shoots older and
newer versions of the templates. A page that fails is logged and skipped; the rest go on. The exit
status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
INSTAGRAM_UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 "
                "Instagram 312.0.0.32.112 Android")
#: width -> browser context options
SIZES: dict[int, dict[str, Any]] = {
    360: {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 1, "user_agent": INSTAGRAM_UA},
    1280: {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
}
#: language -> (browser locale, word that finds products)
LANGS = {"ar": ("ar-IQ", "ورد"), "en": ("en-US", "rose"), "ckb": ("ckb-IQ", "ورد")}
STORE = "flora-baghdad"          # an Arabic store with an API key and WhatsApp
FASHION = "layla-boutique"       # product with several photos and two variant options
PRODUCT = "LYL-DRS-EVE"
WHATSAPP_STORE = "erbil-honey"   # no API key: orders go over WhatsApp
#: One phone per context, each with its own prefix (077X…): a demo code can be asked for once a minute per
#: phone and five times an hour per prefix. The app also allows ten codes an hour per address, so restart
#: the demo app (its state resets) after two whole runs within the hour.
PHONES = {("ar", 360): "07701234567", ("ar", 1280): "07711234567",
          ("en", 360): "07721234567", ("en", 1280): "07731234567",
          ("ckb", 360): "07741234567", ("ckb", 1280): "07751234567"}
RETRIES = 3                      # other people may be editing the app: a page can be broken for a moment


@dataclass
class Run:
    """One browser context: one language at one width, and what the steps learned on the way."""

    base: str
    lang: str
    width: int
    outdir: Path
    page: Page
    wanted: set[str]
    found: dict[str, str] = field(default_factory=dict)   # e.g. the status link from the confirmation
    failed: list[str] = field(default_factory=list)

    def url(self, slug: str | None, path: str = "") -> str:
        """A URL in this run's language: demo stores speak Arabic by default, so only English has a prefix."""
        if slug is None:
            return urljoin(self.base, path)
        prefix = "" if self.lang == "ar" else f"{self.lang}/"
        return urljoin(self.base, f"/{slug}/{prefix}{path}")

    def go(self, url: str) -> None:
        """Open a page; retry while the server answers with a 5xx (someone is mid-edit)."""
        for attempt in range(RETRIES):
            response = self.page.goto(url, wait_until="load")
            if response is None or response.status < 500:
                return
            if attempt < RETRIES - 1:
                time.sleep(2)
        raise RuntimeError(f"{url} answered {response.status if response else '?'}")

    def shoot(self, name: str) -> None:
        """Save the first screen (the viewport, not the full page) as ``{name}-{lang}-{width}.png``."""
        if name not in self.wanted:
            return
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("window.scrollTo(0, 0)")
        path = self.outdir / f"{name}-{self.lang}-{self.width}.png"
        self.page.screenshot(path=str(path))
        print(f"  {path.name}  {self.page.url}")


# -- the page types, in the order they are walked ------------------------------------------------------

def index(run: Run) -> None:
    """The platform's list of stores."""
    run.go(run.url(None, "/"))
    run.shoot("index")


def home(run: Run) -> None:
    """A store's home page; remembers the first category chip for the next step."""
    run.go(run.url(STORE))
    chip = run.page.locator(".chips a[href*='category=']").first
    if chip.count():
        run.found["category"] = urljoin(run.page.url, chip.get_attribute("href") or "")
    run.shoot("home")


def category(run: Run) -> None:
    """One category, through the link of the home page's first chip."""
    if "category" not in run.found:
        run.go(run.url(STORE))
        href = run.page.locator("a[href*='category=']").first.get_attribute("href")
        run.found["category"] = urljoin(run.page.url, href or "")
    run.go(run.found["category"])
    run.shoot("category")


def search(run: Run) -> None:
    """A search with results."""
    run.go(run.url(STORE, "?q=" + LANGS[run.lang][1]))
    run.shoot("search")


def product(run: Run) -> None:
    """A product with several photos and variants, as it opens."""
    run.go(run.url(FASHION, f"p/{PRODUCT}"))
    run.shoot("product")


def _choose(page: Page, ids: list[str]) -> None:
    """Pick variant options by the ids of their radios (through their labels, as a shopper does);
    in every other group of radios without a choice, the first one."""
    form = page.locator("form.add").first
    for option in ids:
        if form.locator(f"#{option}").count():
            label = form.locator(f"label[for='{option}']")
            (label.first if label.count() else form.locator(f"#{option}")).click()
    names = form.evaluate("f => [...new Set([...f.querySelectorAll('input[type=radio]')].map(r => r.name))]")
    for name in names:
        if not form.locator(f"input[name='{name}']:checked").count():
            first = form.locator(f"input[name='{name}']:not([disabled])").first
            first_id = first.get_attribute("id")
            first_label = form.locator(f"label[for='{first_id}']") if first_id else None
            (first_label.first if first_label is not None and first_label.count() else first).click(force=True)


def _add(run: Run, url: str, options: list[str]) -> None:
    """Open a product and submit its add-to-cart form (with JS it may stay on the page)."""
    run.go(url)
    _choose(run.page, options)
    with run.page.expect_response(lambda r: "/cart/add" in r.url and r.request.method == "POST"):
        run.page.locator("form.add [type=submit]").first.click()
    run.page.wait_for_load_state("load")


def cart(run: Run) -> None:
    """The cart with two lines: two variants of the dress."""
    url = run.url(FASHION, f"p/{PRODUCT}")
    _add(run, url, ["o0-1", "o1-1"])
    _add(run, url, ["o0-2", "o1-2"])
    run.go(run.url(FASHION, "cart"))
    run.shoot("cart")


def checkout(run: Run) -> None:
    """The details form as it opens; then fills it in (JS loads the areas, else the "show areas" button)."""
    page = run.page
    run.go(run.url(FASHION, "checkout"))
    run.shoot("checkout")
    page.fill("#name", "Zahraa Ali")
    page.fill("#phone", PHONES[run.lang, run.width])
    province = page.locator("#province option:not([value=''])").first.get_attribute("value") or ""
    page.select_option("#province", province)
    areas = page.locator("#area option:not([value=''])")
    try:
        areas.first.wait_for(state="attached", timeout=5000)
    except Exception:  # no JS, or it did not answer: the server-side button
        page.locator("button[name=action][value=areas]").first.click(force=True)
        page.wait_for_load_state("load")
        areas.first.wait_for(state="attached", timeout=5000)
    page.select_option("#area", areas.first.get_attribute("value") or "")
    if page.locator("#address").count():
        page.fill("#address", "Street 14, house 7, near the mosque")
    with page.expect_navigation():
        page.locator("button[name=action][value=continue]").first.click()


def code(run: Run) -> None:
    """The code page; remembers the demo code."""
    if "/checkout/code" not in run.page.url:
        said = " / ".join(t.strip() for t in run.page.locator(".err, .flash, .notice, [role=alert]").all_inner_texts())
        raise RuntimeError(f"the details were not accepted (still on {run.page.url}): {said}")
    run.found["code"] = run.page.locator(".demo-code").first.inner_text().strip()
    run.shoot("code")


def confirmation(run: Run) -> None:
    """The code entered: the order is placed. Remembers the status link."""
    page = run.page
    page.fill("#code", run.found["code"])
    with page.expect_navigation():
        page.locator("button[name=action][value=verify]").first.click()
    link = page.locator("a[href*='/track/']").first
    if link.count():
        run.found["tracking"] = urljoin(page.url, link.get_attribute("href") or "")
    run.shoot("confirmation")


def tracking(run: Run) -> None:
    """The order status page, through the confirmation's link."""
    if "tracking" not in run.found:
        raise RuntimeError("no status link on the confirmation page")
    run.go(run.found["tracking"])
    run.shoot("tracking")


def page_at(name: str, slug: str, path: str = "") -> Callable[[Run], None]:
    """A step that only opens one address and shoots it."""
    def step(run: Run) -> None:
        run.go(run.url(slug, path))
        run.shoot(name)
    return step


def whatsapp_cart(run: Run) -> None:
    """The cart of a store without an API key: the order goes over WhatsApp."""
    run.go(run.url(WHATSAPP_STORE))
    href = run.page.locator("a[href*='/p/']").first.get_attribute("href")
    _add(run, urljoin(run.page.url, href or ""), [])
    run.go(run.url(WHATSAPP_STORE, "cart"))
    run.shoot("cart-whatsapp")


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Run], None]
    needs: tuple[str, ...] = ()   # steps that must run first (in the same context)


STEPS = [
    Step("index", index), Step("home", home), Step("category", category), Step("search", search),
    Step("product", product), Step("cart", cart), Step("checkout", checkout, ("cart",)),
    Step("code", code, ("checkout",)), Step("confirmation", confirmation, ("code",)),
    Step("tracking", tracking, ("confirmation",)), Step("about", page_at("about", STORE, "about")),
    Step("faq", page_at("faq", STORE, "faq")), Step("policy", page_at("policy", STORE, "policies/shipping")),
    Step("404-product", page_at("404-product", STORE, "p/NOPE")),  # a vanished product: still the store
    Step("404-store", page_at("404-store", "nope-store")),
    Step("cart-whatsapp", whatsapp_cart),
]
NAMES = [step.name for step in STEPS]


def plan(only: list[str] | None) -> list[Step]:
    """The steps to run for the pages asked for: those and everything they need, in walking order."""
    wanted = set(only or NAMES)
    by_name = {step.name: step for step in STEPS}
    todo = set(wanted)
    while True:
        more = {need for name in todo for need in by_name[name].needs} - todo
        if not more:
            break
        todo |= more
    return [step for step in STEPS if step.name in todo]


def shoot_context(browser: Browser, base: str, outdir: Path, lang: str, width: int,
                  steps: list[Step], wanted: set[str]) -> list[str]:
    """Walk the steps in a fresh context for one language and width; the names of the failed ones."""
    context = browser.new_context(locale=LANGS[lang][0], extra_http_headers={"Accept-Language": LANGS[lang][0]},
                                  **SIZES[width])
    context.set_default_timeout(15000)
    run = Run(base, lang, width, outdir, context.new_page(), wanted)
    broken: set[str] = set()
    try:
        for step in steps:
            if broken & set(step.needs):
                broken.add(step.name)
                run.failed.append(f"{step.name}-{lang}-{width}: skipped ({', '.join(broken & set(step.needs))} failed)")
                continue
            try:
                step.run(run)
            except Exception as error:  # log it and go on with the other pages
                broken.add(step.name)
                message = str(error).splitlines()[0] if str(error) else type(error).__name__
                run.failed.append(f"{step.name}-{lang}-{width}: {message}")
                print(f"  FAILED {step.name}-{lang}-{width}: {message}", file=sys.stderr)
    finally:
        context.close()
    return run.failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running app, e.g. http://127.0.0.1:5000")
    parser.add_argument("outdir", type=Path, help="where the PNGs go (created)")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME",
                        help="only these pages (the checkout steps they need still run): " + ", ".join(NAMES))
    parser.add_argument("--langs", nargs="+", choices=list(LANGS), default=["ar", "en"],
                        help="the UI languages to shoot (default: ar en; an older build may not have ckb)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    steps = plan(args.only)
    wanted = set(args.only or NAMES)
    failed: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for lang in args.langs:
                for width in SIZES:
                    print(f"{lang} {width}px")
                    failed += shoot_context(browser, args.base_url, args.outdir, lang, width, steps, wanted)
        finally:
            browser.close()
    if failed:
        print(f"\n{len(failed)} failed:\n  " + "\n  ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

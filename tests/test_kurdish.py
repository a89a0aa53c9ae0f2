"""Central Kurdish (Sorani, ``ckb``): the third language, right to left, with its own URLs.

What a Kurdish reader sees: the page's language and direction, the switcher, the alternates,
the catalog (complete in all three languages), money, plurals and dates through Babel, a store
whose Sendy language is Kurdish, and a whole checkout in Kurdish with JavaScript off and on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_timedelta, gettext, ngettext
from helpers.app import FLORA, TIGRIS, make_app
from helpers.checkout import add_to_cart, enter_code, fill_checkout
from helpers.pages import iqd, text

from storefront.sendy.models import language_code
from storefront.sendy.sandbox import Sandbox
from storefront.sendy.wire import parse_store

SLEMANI = "slemani-honey"  # Kurdish-first demo store in Sulaymaniyah, with an API key
COMB = "SLM-HNY-COMB"  # in stock, 55,000 IQD (was 60,000)
SU_CENTRE = "fcb9eb39-f061-539c-b61f-59da8ebd85ba"  # مركز السليمانية, Sulaymaniyah (SU)
PHONE_TYPED = "٠٧٥٠ ١١٢ ٢٣٣٤"  # Arabic-Indic digits, as many phones type them
PHONE = "9647501122334"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text by tag id."""

    def __init__(self, body: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(body)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def html_tag(body: str) -> dict[str, str]:
    return _Tags(body).find("html")[0]


def ckb(message: str, **params: Any) -> str:
    with force_locale("ckb_IQ"):
        return gettext(message, **params)


@pytest.fixture
def site(app: Flask) -> FlaskClient:
    return app.test_client()


# -- the page's language and direction ------------------------------------------------------
@pytest.mark.parametrize("url", [f"/{FLORA}/ckb/", f"/{FLORA}/ckb/p/FLR-ROSE-12", f"/{TIGRIS}/ckb/faq",
                                 f"/{FLORA}/ckb/cart", f"/{SLEMANI}/", f"/{SLEMANI}/about"])
def test_a_kurdish_page_is_ckb_right_to_left(site: FlaskClient, url: str) -> None:
    response = site.get(url)
    assert response.status_code == 200
    body = text(response)
    assert html_tag(body) == {"lang": "ckb", "dir": "rtl"}
    with site.application.test_request_context():
        assert ckb("Skip to content") == "بازدان بۆ ناوەڕۆک" and ckb("Skip to content") in body


def test_merchant_text_keeps_its_own_language(site: FlaskClient) -> None:
    flora = text(site.get(f"/{FLORA}/ckb/"))
    assert '<span lang="ar-IQ" dir="auto">فلورا بغداد</span>' in flora  # an Arabic store on a Kurdish page
    slemani = text(site.get(f"/{SLEMANI}/ar/"))
    assert html_tag(slemani)["lang"] == "ar-IQ"
    assert '<span lang="ckb" dir="auto">هەنگوینی سلێمانی</span>' in slemani  # and the other way round
    assert 'dir="auto">هەنگوینی سلێمانی' not in text(site.get(f"/{SLEMANI}/"))  # in its own language: no mark


# -- alternates and the switcher -------------------------------------------------------------
@pytest.mark.parametrize(("url", "own"), [
    (f"/{FLORA}/", f"/{FLORA}/"), (f"/{FLORA}/en/p/FLR-ROSE-12", f"/{FLORA}/p/FLR-ROSE-12"),
    (f"/{FLORA}/ckb/faq", f"/{FLORA}/faq"), (f"/{SLEMANI}/", f"/{SLEMANI}/"),
    (f"/{SLEMANI}/ar/about", f"/{SLEMANI}/about"), (f"/{SLEMANI}/en/p/{COMB}", f"/{SLEMANI}/p/{COMB}"),
])
def test_every_page_has_an_alternate_in_every_language(site: FlaskClient, url: str, own: str) -> None:
    links = {a["hreflang"]: a["href"].removeprefix("http://localhost")
             for a in _Tags(text(site.get(url))).find("link", rel="alternate")}
    path = own.removeprefix(f"/{own.split('/')[1]}")
    slug = own.split("/")[1]
    base = {"ar-IQ": "ar", "en": "en", "ckb": "ckb"}
    store_lang = "ckb" if slug == SLEMANI else "ar"
    assert links == {tag: f"/{slug}" + ("" if code == store_lang else f"/{code}") + path
                     for tag, code in base.items()} | {"x-default": own}


def test_the_sitemap_lists_the_kurdish_pages(site: FlaskClient) -> None:
    body = text(site.get(f"/{FLORA}/sitemap-pages.xml"))
    assert '<xhtml:link rel="alternate" hreflang="ckb" href="http://localhost/flora-baghdad/ckb/"/>' in body
    assert "<loc>http://localhost/flora-baghdad/ckb/faq</loc>" in body
    kurdish = text(site.get(f"/{SLEMANI}/sitemap-products-1.xml"))
    assert f'hreflang="x-default" href="http://localhost/{SLEMANI}/p/{COMB}"' in kurdish


def test_the_switcher_offers_kurdish_in_its_own_name(site: FlaskClient) -> None:
    page = _Tags(text(site.get(f"/{FLORA}/p/FLR-ROSE-12")))
    options = {a["lang"]: a for a in page.find("a", **{"class": "lang"})}
    assert list(options) == ["ar-IQ", "en", "ckb"]
    assert options["ckb"]["hreflang"] == "ckb"
    assert options["ckb"]["href"] == f"/{FLORA}/language/ckb?next=/{FLORA}/ckb/p/FLR-ROSE-12"
    assert options["ar-IQ"].get("aria-current") == "page" and "aria-current" not in options["ckb"]
    assert ">کوردی</a>" in text(site.get(f"/{FLORA}/"))
    kurdish = {a["lang"]: a for a in _Tags(text(site.get(f"/{FLORA}/ckb/about"))).find("a", **{"class": "lang"})}
    assert kurdish["ckb"].get("aria-current") == "page"
    assert kurdish["ar-IQ"]["href"] == f"/{FLORA}/language/ar?next=/{FLORA}/about"


def test_the_kurdish_choice_is_remembered(client: FlaskClient) -> None:
    response = client.get(f"/{FLORA}/language/ckb?next=/{FLORA}/ckb/", headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{FLORA}/ckb/")
    assert response.headers["Set-Cookie"].startswith("sf_lang=ckb;")
    assert html_tag(text(client.get("/", headers={"Accept-Language": "en"})))["lang"] == "ckb"


@pytest.mark.parametrize(("header", "lang"), [
    ("ckb", "ckb"), ("ckb-IQ,ar;q=0.5", "ckb"), ("ku", "ckb"), ("ku-Arab-IQ", "ckb"), ("ku_IQ", "ckb"),
    ("ku-Latn-TR,en;q=0.8", "en"), ("fr,ckb;q=0.3,en;q=0.2", "ckb"), ("ckb;q=0,en", "en"), ("de", "ar-IQ"),
])
def test_the_browser_language_picks_kurdish(client: FlaskClient, header: str, lang: str) -> None:
    assert html_tag(text(client.get("/", headers={"Accept-Language": header})))["lang"] == lang


# -- a store whose Sendy language is Kurdish ---------------------------------------------------
def test_a_kurdish_store_speaks_kurdish_without_a_prefix(site: FlaskClient) -> None:
    body = text(site.get(f"/{SLEMANI}/"))
    assert html_tag(body)["lang"] == "ckb"
    assert "هەنگوینی سروشتیی چیا - 1 کیلۆ" in body
    redirect = site.get(f"/{SLEMANI}/ckb/p/{COMB}")
    assert redirect.status_code == 301 and redirect.headers["Location"].endswith(f"/{SLEMANI}/p/{COMB}")
    assert html_tag(text(site.get(f"/{SLEMANI}/en/")))["lang"] == "en"


@pytest.mark.parametrize(("sent", "language"), [
    ("ckb", "ckb"), ("CKB", "ckb"), ("ckb-IQ", "ckb"), ("ckb_IQ", "ckb"), (" ku ", "ckb"), ("ku-Arab", "ckb"),
    ("Sorani", "ckb"), ("ku-Latn", "ar"), ("EN", "en"), ("en-GB", "en"), ("ar_IQ", "ar"), ("fr", "ar"),
    ("", "ar"), (None, "ar"), (7, "ar"), (["ckb"], "ar"),
])
def test_the_store_language_from_sendy_is_read_tolerantly(sent: object, language: str) -> None:
    assert parse_store({"slug": "s", "name": "S", "language": sent}).language == language


def test_language_codes() -> None:
    assert [language_code(v) for v in ("ar-IQ", "English", "کوردی", "ku-arab-iq", "kmr", "")] == [
        "ar", "en", "ckb", "ckb", None, None]


def test_a_sandbox_store_sent_as_ckb_iq_is_kurdish(sandbox: Sandbox) -> None:
    sandbox.add_store({"slug": "kurd-test", "name": "تاقیکردنەوە", "language": "ckb-IQ", "products": []})
    app = make_app(sandbox)
    assert html_tag(text(app.test_client().get("/kurd-test/")))["lang"] == "ckb"
    app.extensions["sendy"].close()


# -- money, numbers, plurals and dates through Babel ------------------------------------------
def test_iqd_in_kurdish_puts_the_currency_last_as_arabic_does() -> None:
    assert iqd(12500, "ckb") == "\u200f12,500\xa0د.ع.\u200f"  # issue 22: the amount, then the symbol (as ar)
    assert iqd(1_250_000, "ckb") == "\u200f1,250,000\xa0د.ع.\u200f"  # Western digits, as in the Arabic UI


def test_kurdish_plurals_and_times(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("ckb_IQ"):
            assert [ngettext("%(num)d item", "%(num)d items", n) for n in (1, 3)] == ["1 دانە", "3 دانە"]
            assert ngettext("%(num)d product", "%(num)d products", 12) == "12 بەرهەم"
            assert format_timedelta(timedelta(minutes=5), threshold=1.1, add_direction=True) == "دوای 5 خولەک"
            assert format_timedelta(timedelta(seconds=40), add_direction=True) == "دوای 40 چرکە"
        with force_locale("ar_IQ"):  # the patterns added for ckb leave the other languages alone
            assert format_timedelta(timedelta(minutes=5), add_direction=True) == "خلال 5 دقائق"
        from flask import g

        from storefront.views.tracking import order_time
        g.lang = "ckb"
        assert order_time(datetime(2026, 12, 1, 10, 53, tzinfo=UTC)) == "سێشەممە، 1ی کانونی یەکەم 1:53 د.ن"


# -- the catalogs ------------------------------------------------------------------------------
def _catalog(path: Path) -> Any:
    with path.open("rb") as f:
        return read_po(f)


@pytest.mark.parametrize("lang", ["ar", "en", "ckb"])
def test_every_shopper_string_is_translated(lang: str) -> None:
    template = _catalog(TRANSLATIONS / "messages.pot")
    catalog = _catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    assert catalog.locale is not None and str(catalog.locale) == lang
    problems = []
    for wanted in template:
        if not wanted.id:
            continue
        found = catalog.get(wanted.id)
        ids = wanted.id if isinstance(wanted.id, tuple) else (wanted.id,)
        if found is None:
            problems.append(f"missing: {ids[0]!r}")
            continue
        forms = found.string if isinstance(found.string, tuple) else (found.string,)
        if found.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(forms) or (len(ids) == 2 and len(forms) != catalog.num_plurals):
            problems.append(f"empty: {ids[0]!r}")
        names = {n for i in ids for n in _PLACEHOLDER.findall(i)}
        for form in forms:  # a plural form may leave the number out ("one item"), never add a name
            used = set(_PLACEHOLDER.findall(form))
            if not used <= names or (len(ids) == 1 and used != names):
                problems.append(f"placeholders: {ids[0]!r} → {form!r}")
    assert problems == []


def test_the_kurdish_catalog_header() -> None:
    catalog = _catalog(TRANSLATIONS / "ckb" / "LC_MESSAGES" / "messages.po")
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    strings = " ".join(m.string for m in catalog if m.id and isinstance(m.string, str))
    assert "ي" not in strings and "ك" not in strings  # Kurdish ی and ک, not the Arabic letters
    assert all(letter in strings for letter in "ەێۆڕڵ")


# -- a whole checkout in Kurdish ---------------------------------------------------------------
def test_a_whole_checkout_in_kurdish_without_javascript(client: FlaskClient, sandbox: Sandbox) -> None:
    base = f"/{SLEMANI}"
    added = add_to_cart(client, base, COMB, "٢")  # quantity in Arabic-Indic digits
    assert added.status_code in (302, 303)
    cart = text(client.get(f"{base}/cart"))
    assert html_tag(cart)["lang"] == "ckb" and "\u200f110,000\xa0د.ع.\u200f" in cart
    details = client.get(f"{base}/checkout")
    assert html_tag(text(details))["lang"] == "ckb"
    assert ">سلێمانی</option>" in text(details) and ">هەولێر</option>" in text(details)  # governorates in Sorani
    response = fill_checkout(client, base, name="ئاراس محەمەد", phone=PHONE_TYPED, province="SU", area=SU_CENTRE,
                             address="شەقامی سالم، نزیک بازاڕی گەورە", notes="پێش گەیشتن پەیوەندی بکە")
    assert response.status_code == 303, text(response)
    code_page = text(client.get(f"{base}/checkout/code"))
    assert html_tag(code_page)["lang"] == "ckb"
    with client.application.test_request_context():
        assert ckb("Enter your code") in code_page
    code = sandbox.last_otp(PHONE)
    assert code
    placed = enter_code(client, base, "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in code))
    assert placed.status_code == 303, text(placed)
    confirmation = text(client.get(placed.headers["Location"]))
    assert html_tag(confirmation)["lang"] == "ckb"
    with client.application.test_request_context():
        assert ckb("Order number") in confirmation
    [order] = sandbox.orders
    sent = order["request"]
    assert (sent["customerPhone"], sent["addressProvinceCode"], sent["addressAreaId"]) == (PHONE, "SU", SU_CENTRE)
    assert sent["items"] == [{"sku": COMB, "quantity": 2}] and sent["orderValue"] == 110_000
    assert sent["customerName"] == "ئاراس محەمەد"


# -- the same checkout in a real browser, JavaScript on ------------------------------------------
try:
    from test_browser import _fill_details, _submit_add, browser, page, served  # noqa: F401 - fixtures
except pytest.skip.Exception:  # no Playwright: only the browser test is skipped
    @pytest.fixture
    def page() -> Iterator[Any]:
        pytest.skip("Playwright is not installed")
        yield None

    @pytest.fixture
    def served() -> Iterator[Any]:
        yield None


@pytest.mark.browser
def test_a_whole_checkout_in_kurdish_with_javascript(page: Any, served: tuple[str, Sandbox]) -> None:
    from playwright.sync_api import expect

    base, sandbox = served
    page.goto(f"{base}/{SLEMANI}/p/{COMB}")
    expect(page.locator("html")).to_have_attribute("lang", "ckb")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _submit_add(page, base, SLEMANI, javascript=True)
    page.locator(f'a[href="/{SLEMANI}/checkout"]').click()
    page.wait_for_url(f"{base}/{SLEMANI}/checkout")
    _fill_details(page, PHONE_TYPED)
    page.locator("select[name=province]").select_option("SU")
    area = page.locator("select[name=area]")
    expect(area.locator("option").nth(1)).to_be_attached()  # fetched by checkout.js, named in Arabic
    area.select_option(SU_CENTRE)
    page.locator("#address").fill("شەقامی سالم، نزیک بازاڕی گەورە")
    page.locator("button[value=continue]").click()
    page.wait_for_url(f"{base}/{SLEMANI}/checkout/code")
    expect(page.locator("h1")).to_have_text("کۆدەکەت بنووسە")
    page.locator("#code").fill(sandbox.last_otp(PHONE) or "")
    page.locator("button[value=verify]").click()
    page.wait_for_url(re.compile(rf"/{SLEMANI}/orders/[^/]+$"))
    expect(page.locator("html")).to_have_attribute("lang", "ckb")
    [order] = sandbox.orders
    assert page.url.endswith(order["response"]["publicId"])
    assert order["request"]["items"] == [{"sku": COMB, "quantity": 1}]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.slow
def test_every_string_in_the_code_is_in_the_template_catalog() -> None:
    """What the templates and the code ask for is in messages.pot (so the test above sees it)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = TRANSLATIONS.parent
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    asked = set()
    for directory in ("storefront", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                root / directory, [(f"**{p.partition('**')[2]}", m) for p, m in method_map],
                options_map, keywords=keywords,
                directory_filter=lambda d: not Path(d).name.startswith(".")):  # _partials too
            asked.add(message[0] if isinstance(message, tuple) else message)
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog(TRANSLATIONS / "messages.pot") if m.id}
    assert len(asked) > 200  # the extraction found the strings at all
    assert sorted(asked - known) == []
    assert sorted(known - asked) == []  # and the catalogs carry nothing no page asks for


def test_every_governorate_has_its_sorani_name_and_others_fall_back_to_arabic() -> None:
    import json

    from storefront.sendy.models import SORANI_GOVERNORATES, Province

    reference = json.loads((TRANSLATIONS.parent / "storefront/sendy/sandbox/data/provinces.json").read_text("utf-8"))
    assert {p["code"] for p in reference} == set(SORANI_GOVERNORATES)
    erbil = Province("AR", "أربيل", "Erbil")
    assert (erbil.name("ckb"), erbil.name("ar"), erbil.name("en")) == ("هەولێر", "أربيل", "Erbil")
    assert Province("XX", "حلبجة", "Halabja").name("ckb") == "حلبجة"  # not in the list: the Arabic-script name

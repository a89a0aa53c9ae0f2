"""Attack round 2: the cart steppers and badge, error pages' "Try again", PLATFORM_NAME, the footer's
social links, Kurdish (ckb) URLs, the language switcher and cookie, the checkout banners and the
platform index — driven as a hostile shopper, a hostile merchant (Sendy store data) or a hostile network.

Passing tests are regression tests. A test marked ``xfail(strict=True)`` is a bug found by this round.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, PHONE, TIGRIS, make_app, tiny_store
from helpers.checkout import (
    ORDER_PATH,
    SEND_OTP_PATH,
    add_to_cart,
    cart_items,
    enter_code,
    fill_checkout,
    resend_code,
    sendy_calls,
    start_checkout,
    update_cart,
    url,
)
from helpers.pages import EN, SCRIPT, alert, badge, body_of, browser_host, flashes, text

from storefront.config import load_settings
from storefront.sendy.errors import SendyRejected
from storefront.sendy.sandbox import Sandbox
from storefront.services import catalog, checkout

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"
_TRY = re.compile(r'<a class="button primary" href="([^"]*)" rel="nofollow">')


def try_again(page: str) -> str | None:
    """The raw href of the error page's "Try again" link (entities decoded), None without one."""
    match = _TRY.search(page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def crashing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """A client on an app whose store home and product pages crash (the 500 page with "Try again")."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "browse", crash)
    return app.test_client()


# == error pages: "Try again" never leaves the site, never reflects script ==================
@pytest.mark.parametrize("query", [
    "q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "next=//evil.example/&x=javascript:alert(1)",
    "q=%0d%0aSet-Cookie:%20x=1",
    "q=" + "%D8%B2" * 2000,
    "q=%ff%fe%00",
])
def test_try_again_after_a_crash_keeps_a_hostile_query_on_this_page(crashing: FlaskClient, query: str) -> None:
    response = crashing.get(f"/{FLORA}/en/?{query}")
    page = body_of(response)
    assert response.status_code == 500
    href = try_again(page)
    assert href is not None and href.startswith(f"/{FLORA}/en/?")
    assert browser_host(href) == "localhost"
    assert "<script>" not in page and "Set-Cookie" not in str(response.headers)


@pytest.mark.parametrize("path", ["%09/%5Cevil.example", "%2F%2Fevil.example", "%5C%5Cevil.example",
                                  "%ff%fe", "a%0d%0aLocation:%20//evil.example"])
def test_try_again_on_a_crashing_product_page_with_a_hostile_sku(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                                 path: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "find", crash)
    response = app.test_client().get(f"/{FLORA}/en/p/{path}")
    if response.status_code == 308:  # werkzeug merges the slashes first
        assert browser_host(response.headers["Location"]) == "localhost"
        return
    assert response.status_code in (404, 500)  # a control character in the SKU: not a product
    href = try_again(body_of(response))
    assert href is None or (href.startswith(f"/{FLORA}/en/p/") and browser_host(href) == "localhost")


@pytest.mark.parametrize("referer", [
    "https://evil.example/phish",
    "http://localhost.evil.example/flora-baghdad/cart",
    "http://localhost@evil.example/flora-baghdad/cart",
    "http://evil.example@localhost//evil.example/",
    "http://localhost//evil.example/x",
    "http://localhost/\\evil.example/x",
    "http://localhost/\t/evil.example",
    "http://localhost/\t\\evil.example",
    "http://localhost/%09/evil.example",
    "javascript://localhost/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//localhost//evil.example",
    "http://LOCALHOST//evil.example",
    "http://localhost/" + SCRIPT,
])
def test_try_again_after_an_expired_form_never_follows_a_hostile_referer(client: FlaskClient, referer: str) -> None:
    response = client.post(f"/{FLORA}/en/checkout", data={"action": "continue"}, headers={"Referer": referer})
    page = body_of(response)
    assert response.status_code == 400
    href = try_again(page)
    assert href is None or browser_host(href) == "localhost"
    assert "evil.example" not in (href or "") or browser_host(href) == "localhost"
    assert "<script>" not in page and "javascript:" not in page.lower()


def test_try_again_on_a_custom_domain_is_the_domain_path(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(sandbox, PROPAGATE_EXCEPTIONS=False, STORE_DOMAINS='{"shop.example.com": "flora-baghdad"}')

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "browse", crash)
    client = app.test_client()
    response = client.get("/en/?sort=price", headers={"Host": "shop.example.com"})
    assert response.status_code == 500 and try_again(body_of(response)) == "/en/?sort=price"
    # a POST on the domain: the Referer of the domain itself only
    expired = client.post("/checkout", data={"action": "continue"}, headers={
        "Host": "shop.example.com", "Referer": "http://shop.example.com/cart"})
    assert try_again(body_of(expired)) == "/cart"
    other = client.post("/checkout", data={"action": "continue"}, headers={
        "Host": "shop.example.com", "Referer": "http://localhost/flora-baghdad/cart"})
    assert try_again(body_of(other)) is None


def test_a_hostile_host_or_forwarded_host_is_refused_when_hosts_are_configured(sandbox: Sandbox) -> None:
    app = make_app(sandbox, PLATFORM_HOST="shops.example.com", TRUSTED_PROXIES="1")
    client = app.test_client()
    assert client.get(f"/{FLORA}/", headers={"Host": "evil.example"}).status_code == 404
    forwarded = client.get(f"/{FLORA}/", headers={"Host": "shops.example.com", "X-Forwarded-Host": "evil.example"})
    assert forwarded.status_code == 404 and "evil.example" not in body_of(forwarded)
    odd_scheme = client.get(f"/{FLORA}/", headers={"Host": "shops.example.com", "X-Forwarded-Proto": "javascript"})
    assert odd_scheme.status_code == 200 and "javascript://" not in body_of(odd_scheme)
    assert 'href="http://shops.example.com/flora-baghdad/"' in body_of(odd_scheme)


def test_a_hostile_store_name_on_the_error_page_is_text(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("xss-shop", name=SCRIPT))
    page = body_of(make_app(sandbox).test_client().get("/xss-shop/p/NOPE"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<bdi>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</bdi>' in page


# == the cart's −/+ and the line fragment ==================================================
@pytest.mark.parametrize("line", ["1#x", "javascript:alert(1)", "١", "123", "1\r\nSet-Cookie: x=1", "-1", "0x1",
                                  "//evil.example", "²"])
def test_a_hostile_line_number_never_shapes_the_redirect(client: FlaskClient, line: str) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    response = update_cart(client, base, ROSES, action="inc", line=line)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{base}/cart"
    assert "Set-Cookie: x" not in str(response.headers)


def test_steppers_stay_within_1_and_99_and_never_create_lines(app: Flask, client: FlaskClient) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    response = update_cart(client, base, ROSES, action="dec", line="1")
    assert response.headers["Location"] == f"{base}/cart#l-1"
    assert cart_items(app, client, FLORA) == {ROSES: 1}  # − on 1 does not remove the line
    update_cart(client, base, ROSES, "99")
    update_cart(client, base, ROSES, action="inc", line="1")
    assert cart_items(app, client, FLORA) == {ROSES: 99}
    update_cart(client, base, SUNFLOWERS, action="inc", line="2")  # not in the cart: nothing added
    update_cart(client, base, "FLR-NOPE", action="inc")
    assert cart_items(app, client, FLORA) == {ROSES: 99}
    page = text(client.get(f"{base}/cart"))
    assert badge(client.get(f"{base}/cart")) == "99"
    assert re.search(r'value="inc" class="step-btn"[^>]*disabled', page)


def test_steppers_without_a_csrf_token_change_nothing(app: Flask, client: FlaskClient) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    forged = client.post(f"{base}/cart/update", data={"sku": ROSES, "action": "inc", "line": "1"},
                         headers={"Origin": "https://evil.example"})
    assert forged.status_code == 400
    assert cart_items(app, client, FLORA) == {ROSES: 1}


def test_the_badge_and_its_cookie_drop_lines_that_sold_out_or_vanished(app: Flask, client: FlaskClient,
                                                                       sandbox: Sandbox) -> None:
    base = url(TIGRIS)
    add_to_cart(client, base, "TGR-CHG-20W", "3")
    add_to_cart(client, base, "NOT-A-SKU")  # refused, never counted
    assert badge(client.get(f"{base}/cart")) == "3"
    next(p for p in sandbox.state.stores[TIGRIS].storefront["products"]
         if p["sku"] == "TGR-CHG-20W")["inStock"] = False
    with app.app_context():
        catalog.forget_store(TIGRIS)
    page = client.get(f"{base}/cart")
    assert '<span class="badge">' not in body_of(page)  # nothing orderable: no number
    assert any(c.startswith("sf_cart=;") and "Expires=Thu, 01 Jan 1970" in c
               for c in page.headers.getlist("Set-Cookie"))  # the shared pages' script shows no number either
    # pressing + on the sold-out line (crafted: the page hides the stepper) does not make it count
    update_cart(client, base, "TGR-CHG-20W", action="inc", line="1")
    assert '<span class="badge">' not in body_of(client.get(f"{base}/cart"))
    json_add = client.post(f"{base}/cart/add", data={"sku": "TGR-CHG-20W"},
                           headers={"Origin": "http://localhost", "Accept": "application/json"})
    assert json_add.get_json().get("go") and "count" not in json_add.get_json()


# == PLATFORM_NAME ========================================================================
def test_a_platform_name_with_quotes_ampersands_and_braces_is_text_everywhere(sandbox: Sandbox) -> None:
    name = "Tom & Jerry's \"Souq\" 100% {{7*7}}"
    client = make_app(sandbox, PLATFORM_NAME=name).test_client()
    escaped = "Tom &amp; Jerry&#39;s &#34;Souq&#34; 100% {{7*7}}"
    for path in ("/", f"/{FLORA}/en/", "/no-such-store/"):
        page = body_of(client.get(path, headers=EN))
        assert escaped in page, path  # escaped, and {{7*7}} not evaluated
        assert "Jerry's \"Souq\"" not in page


@pytest.mark.parametrize("value", ["ckb=<img src=x>", "ckb=a;ckb=b", "ku=Kurd", "ckb=Name\u2028x", "*=", "=Name",
                                   "ar=x;;en=" + "y" * 61])
def test_hostile_platform_names_for_kurdish_stop_start_up(value: str) -> None:
    with pytest.raises(Exception, match="PLATFORM_NAME"):
        load_settings({"PLATFORM_NAME": value})


def test_the_kurdish_platform_name_is_used_on_kurdish_pages(sandbox: Sandbox) -> None:
    client = make_app(sandbox, PLATFORM_NAME="CKB=بازاڕ; *=Souq").test_client()
    assert "Powered by" not in body_of(client.get(f"/{FLORA}/ckb/")) and \
        "بازاڕ" in body_of(client.get(f"/{FLORA}/ckb/"))
    assert "Souq" in body_of(client.get(f"/{FLORA}/en/"))


# == footer social links from merchant data ===============================================
def test_hostile_social_links_are_dropped_or_escaped(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("social-shop", socialLinks={
        "instagram": "https://instagram.com/" + SCRIPT, "facebook": "javascript:alert(1)",
        "tiktok": "data:text/html,<script>alert(1)</script>", "snapchat": ["https://x.example"],
        "telegram": " //evil.example/t", "website": "https://</script><script>alert(2)</script>",
        "evilnet": "https://evil.example", "__proto__": "https://evil.example",
        **{f"net{i}": "https://spam.example" for i in range(5000)},
    }))
    page = body_of(make_app(sandbox).test_client().get("/social-shop/"))
    foot = page[page.index('<footer class="foot">'):]
    hrefs = re.findall(r'<a href="([^"]*)" rel="noopener" target="_blank">', foot)
    assert [html.unescape(h) for h in hrefs] == ["https://instagram.com/" + SCRIPT,
                                                 "https://</script><script>alert(2)</script>"]
    assert "<script>alert" not in page and "javascript:" not in page and "data:text" not in page
    assert "evil.example" not in page and "spam.example" not in page
    assert set(re.findall(r"#i-([\w-]+)\"/>", foot)) <= {"instagram", "website", "phone", "wa"}
    ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld and all("</script" not in block and "<script" not in block for block in ld)


def test_social_links_that_are_not_a_mapping_are_ignored(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("list-shop", socialLinks=[{"network": "instagram", "url": "https://i.example"}] * 500))
    sandbox.add_store(tiny_store("str-shop", socialLinks="https://i.example"))
    client = make_app(sandbox).test_client()
    for slug in ("list-shop", "str-shop"):
        response = client.get(f"/{slug}/")
        assert response.status_code == 200 and "foot-social" not in body_of(response)


# == Kurdish URLs, the switcher, the cookie, Accept-Language, Sendy's language ===========
@pytest.mark.parametrize("target", [
    "//evil.example/", "/%09/evil.example", "/\t/evil.example", "/\\evil.example", "/%5Cevil.example",
    "https://evil.example/", "https:evil.example", "javascript:alert(1)", "/ckb/\r\nSet-Cookie: x=1",
    "/%0d%0aSet-Cookie:x=1", "\x00//evil.example", " //evil.example", "/\x0b/evil.example",
])
def test_the_language_switcher_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    response = client.get(f"/{FLORA}/language/ckb", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert browser_host(location, f"http://localhost/{FLORA}/language/ckb") == "localhost"
    assert "\n" not in location and "Set-Cookie: x" not in str(response.headers)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("sf_lang=ckb;")


def test_the_switcher_refuses_languages_it_does_not_speak(client: FlaskClient) -> None:
    for choice in ("xx", "CKB", "ku", "ckb%00", "ckb-Latn", "../ckb"):
        response = client.get(f"/{FLORA}/language/{choice}?next=/{FLORA}/")
        assert response.status_code == 404 and "sf_lang" not in response.headers.get("Set-Cookie", "")


def test_the_switcher_on_a_custom_domain_stays_on_the_domain(sandbox: Sandbox) -> None:
    client = make_app(sandbox, STORE_DOMAINS='{"shop.example.com": "flora-baghdad"}').test_client()
    for target, expected in (("/ckb/", "/ckb/"), ("//evil.example", "/"), ("/\\evil.example", "/")):
        response = client.get("/language/ckb", query_string={"next": target}, headers={"Host": "shop.example.com"})
        assert response.status_code == 302 and response.headers["Location"] == expected


@pytest.mark.parametrize("cookie", ["CKB", "x", "", "\"><script>", "ckb; ar", "__proto__", "ckb" * 1000, "\u0643"])
def test_an_odd_language_cookie_falls_back_quietly(app: Flask, cookie: str) -> None:
    client = app.test_client()
    client.set_cookie("sf_lang", cookie)
    for path in ("/", f"/{FLORA}/cart", "/no-such-store/"):
        response = client.get(path)
        page = body_of(response)
        assert response.status_code in (200, 404)
        assert re.search(r'<html lang="(ar-IQ|en|ckb)"', page)
        assert "<script>" not in page


@pytest.mark.parametrize("header", [
    "x" * 20000, ",".join(["zz;q=0.9"] * 3000), "ckb;q=0, en;q=0.1", "en;q=abc", "ar;q=1e400", "*", "\u00ff\u00fe",
    "ku-Latn, en;q=0.5", "ckb-Arab-IQ", ";;;,,,;q=", "en-US;q=0.5;q=1",
])
def test_odd_accept_language_headers_never_break_a_page(client: FlaskClient, header: str) -> None:
    for path in ("/", "/no-such-store/", f"/{FLORA}/"):
        response = client.get(path, headers={"Accept-Language": header})
        assert response.status_code in (200, 404)
        assert re.search(r'<html lang="(ar-IQ|en|ckb)" dir="(rtl|ltr)"', body_of(response))


def test_kurdish_written_in_latin_script_is_not_served_sorani(client: FlaskClient) -> None:
    page = body_of(client.get("/", headers={"Accept-Language": "ku-Latn, en;q=0.5"}))
    assert '<html lang="en"' in page


@pytest.mark.parametrize(("language", "lang"), [
    (None, "ar-IQ"), (7, "ar-IQ"), (["ckb"], "ar-IQ"), ({"code": "ckb"}, "ar-IQ"), ("", "ar-IQ"), ("-", "ar-IQ"),
    ("ku-Latn", "ar-IQ"), ("CKB_IQ", "ckb"), ("ku-Arab", "ckb"), ("ckb-" + "x" * 50000, "ckb"), (True, "ar-IQ"),
    (" EN ", "en"), ("<script>", "ar-IQ"),
])
def test_odd_store_languages_from_sendy_fall_back(sandbox: Sandbox, language: Any, lang: str) -> None:
    sandbox.add_store(tiny_store("odd-lang", language=language))
    client = make_app(sandbox).test_client()
    response = client.get("/odd-lang/")
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in body_of(response)
    for other in ("ar", "en", "ckb"):
        page = client.get(f"/odd-lang/{other}/")
        assert page.status_code in (200, 301)


@pytest.mark.parametrize("query", ["utm=%22%3E%3Cscript%3E", "next=//evil.example", "x=javascript:alert(1)&y=%0d%0a"])
def test_hreflang_alternates_and_switcher_drop_hostile_query_arguments(client: FlaskClient, query: str) -> None:
    page = body_of(client.get(f"/{FLORA}/ckb/p/{ROSES}?{query}"))
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))
    assert set(alternates) == {"ar-IQ", "en", "ckb", "x-default"}
    assert alternates["ckb"] == f"http://localhost/{FLORA}/ckb/p/{ROSES}"
    assert alternates["x-default"] == alternates["ar-IQ"] == f"http://localhost/{FLORA}/p/{ROSES}"
    switcher = re.findall(r'<a class="lang" href="([^"]+)"', page)
    assert len(switcher) == 3
    for href in switcher + list(alternates.values()):
        assert "evil" not in href and "script" not in href and "javascript" not in href
        assert browser_host(html.unescape(href)) == "localhost"


# == checkout: areas button, resend while disabled, banners, maybe-placed ===============
def test_the_areas_button_on_a_custom_domain_stays_on_the_domain(sandbox: Sandbox) -> None:
    app = make_app(sandbox, STORE_DOMAINS='{"shop.example.com": "flora-baghdad"}')
    client = app.test_client()
    headers = {"Host": "shop.example.com", "Origin": "http://shop.example.com"}
    client.post("/cart/add", data={"sku": ROSES}, headers=headers)
    page = body_of(client.get("/checkout", headers=headers))
    actions = re.findall(r'value="areas"[^>]*formaction="([^"]*)"', page)
    assert actions == ["/checkout#area-field", "/checkout#area-field"]


def test_show_areas_with_a_hostile_province_sends_no_code(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    response = fill_checkout(client, base, action="areas", province="BG' OR 1=1--" + SCRIPT, area="x")
    page = body_of(response)
    assert response.status_code == 200 and "<script>alert" not in page
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


def test_pressing_an_aria_disabled_resend_sends_no_second_code(app: Flask, client: FlaskClient,
                                                               sandbox: Sandbox) -> None:
    base = url(TIGRIS)
    start_checkout(client, base, "TGR-CHG-20W")
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1
    for _ in range(3):
        response = resend_code(client, base)  # the button only looks disabled: the form still posts
        assert response.status_code == 429
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 1


def test_a_sendy_refusal_reason_is_shown_as_text(app: Flask, client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise SendyRejected("<img src=x onerror=alert(1)> " + SCRIPT, status=422)

    base = url(FLORA, "en")
    add_to_cart(client, base, ROSES)
    monkeypatch.setattr(checkout, "request_code", refuse)
    response = fill_checkout(client, base)
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    page = body_of(response)
    assert "<img src=x" not in page and "<script>alert" not in page
    assert any("<img src=x onerror=alert(1)>" in message for _, message in flashes(response))


def test_after_maybe_placed_a_crafted_resend_sends_no_new_code(app: Flask, client: FlaskClient,
                                                              sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)  # placed, but the answer is lost
    enter_code(client, base, code)
    sends = sendy_calls(sandbox, SEND_OTP_PATH)
    response = resend_code(client, base)  # the notice hides the button; the form field is forged
    assert response.status_code in (409, 400)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == sends
    assert len(sandbox.orders) == 1


def test_a_retry_after_maybe_placed_confirms_only_what_sendy_has(app: Flask, client: FlaskClient,
                                                                 sandbox: Sandbox) -> None:
    base = url(FLORA, "en")
    start_checkout(client, base, ROSES)
    code = sandbox.last_otp(PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)
    first = enter_code(client, base, code)
    assert first.status_code == 400 and alert(first)
    add_to_cart(client, base, SUNFLOWERS, "3")  # another tab, while the notice is up

    retry = enter_code(client, base, code)  # "the same code again is safe"

    assert sendy_calls(sandbox, ORDER_PATH) >= 1 and len(sandbox.orders) == 1
    assert sandbox.orders[0]["request"]["items"] == [{"sku": ROSES, "quantity": 1}]
    shown = text(client.get(retry.headers["Location"])) if retry.status_code == 303 else text(retry)
    confirmation = shown[shown.index("<main"):shown.index("</main>")]
    # the shopper is told only what Sendy will deliver, and keeps the products that were not sent
    assert "باقة دوّار الشمس" not in confirmation and "باقة 12" in confirmation
    assert cart_items(app, client, FLORA) == {SUNFLOWERS: 3}


# == the platform index: hostile store names, niches and logos ============================
def test_hostile_store_cards_on_the_index_are_text_and_stay_on_site(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("xss-card", name=SCRIPT, niche=SCRIPT, logoUrl="https://cdn.example/a.png\"" + SCRIPT))
    sandbox.add_store(tiny_store("js-logo", logoUrl="javascript:alert(1)"))
    sandbox.add_store(tiny_store("proto-logo", logoUrl="//evil.example/x.png"))
    sandbox.add_store(tiny_store("bs-logo", logoUrl="/\\evil.example/x.png"))
    sandbox.add_store(tiny_store("svg-logo", logoUrl='/static/"onerror="alert(1).svg'))
    sandbox.add_store(tiny_store("data-logo", logoUrl="data:image/svg+xml,<svg onload=alert(1)>"))
    page = body_of(make_app(sandbox).test_client().get("/", headers=EN))
    assert "<script>" not in page and "javascript:" not in page and "data:image" not in page
    assert 'onerror="alert' not in page
    for src in re.findall(r'(?:src|srcset)="([^"]*)"', page):
        assert browser_host(html.unescape(src)) == "localhost", src
    card = re.search(r'href="/js-logo/">(.*?)</a>', page, re.S).group(1)
    assert '<span class="avatar" aria-hidden="true">S</span>' in card


def test_a_huge_niche_shows_its_first_line_only(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("long-niche", niche="Honey\n" + "spam " * 20000))
    page = body_of(make_app(sandbox).test_client().get("/", headers=EN))
    assert "<bdi>Honey</bdi>" in page and "spam" not in page


def test_a_store_without_a_name_is_not_a_card_called_none(sandbox: Sandbox) -> None:
    sandbox.add_store(tiny_store("nameless", name=None))
    client = make_app(sandbox).test_client()
    page = body_of(client.get("/", headers=EN))
    card = re.search(r'href="/nameless/">(.*?)</a>', page, re.S)
    assert card is None or "<bdi>None</bdi>" not in card.group(1)


@pytest.mark.parametrize(("sku", "link"), [("A%3FB", "/p/A%3FB"), ("A%23B", "/p/A%23B"), ("A%20B", "/p/A%20B"),
                                           ("%D9%88%D8%B1%D8%AF", "/p/%D9%88%D8%B1%D8%AF")])
def test_try_again_leads_back_to_the_very_same_address(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                       sku: str, link: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "find", crash)
    response = app.test_client().get(f"/{FLORA}/en/p/{sku}?variant=x%26y")
    assert response.status_code == 500
    assert try_again(body_of(response)) == f"/{FLORA}/en{link}?variant=x%26y"  # not /p/A?B, not a #fragment

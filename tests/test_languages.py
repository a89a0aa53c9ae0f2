"""Languages: the switcher and its cookie, Accept-Language, the store's language from Sendy, and
the hreflang alternates — never leaving the site, whatever the query, cookie or header holds."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, make_app, tiny_store
from helpers.pages import body_of, browser_host

from storefront.sendy.sandbox import Sandbox

ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


# -- the switcher, the cookie, Accept-Language, Sendy's language, the alternates ---------------------
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

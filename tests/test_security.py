"""Security posture and CDN behaviour: headers, cookies, Cache-Control per page type, CSRF."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from helpers.app import FLORA, PHONE
from helpers.checkout import submit

from storefront import create_app
from storefront.config import ConfigError

KEYS = json.dumps({"flora-baghdad": "flora01.sk_sandbox_flora_3f9c2b7e1d"})
SECRET = "k" * 48
CATALOG = ["/", "/p/FLR-ROSE-12", "/faq", "/about", "/policies/shipping", "/en/", "/en/p/FLR-ROSE-12"]
ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


@pytest.fixture
def prod(sandbox) -> Flask:
    """Production mode against the sandbox (as if it were Sendy)."""
    return create_app({"TESTING": True, "SENDY_BASE_URL": "https://sendy.test", "SECRET_KEY": SECRET,
                       "SENDY_API_KEYS": KEYS, "SENDY_TRANSPORT": sandbox.transport(), "PLATFORM_HOST": "shop.test"})


def _with_cart(client) -> None:
    response = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"},
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 303


def _placed_order(client, sandbox) -> str:
    _with_cart(client)
    page = f"/{FLORA}/en/checkout"
    areas = client.get(f"/{FLORA}/en/checkout/areas?province=BG").get_json()
    sent = submit(client, page, page, {"action": "continue", "name": "Ali", "phone": PHONE,
                                       "province": "BG", "area": areas[0]["id"], "address": "Karrada"})
    assert sent.status_code == 303
    code = sandbox.last_otp(PHONE)
    page = f"/{FLORA}/en/checkout/code"
    placed = submit(client, page, page, {"action": "verify", "code": code})
    assert placed.status_code == 303
    return placed.headers["Location"]


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_headers_on_every_page_type(client, sandbox) -> None:
    confirmation = _placed_order(client, sandbox)
    _with_cart(client)
    pages = [f"/{FLORA}{p}" for p in CATALOG] + [
        f"/{FLORA}/sitemap.xml", "/robots.txt", "/", f"/{FLORA}/cart", f"/{FLORA}/checkout",
        confirmation, "/nope/", f"/{FLORA}/p/NOPE", "/healthz", "/readyz"]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        _assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # development: no HSTS
    static = client.get("/static/css/site.css")
    static.close()
    _assert_security_headers(static)


def test_no_inline_scripts_except_json_ld(client) -> None:
    html = client.get(f"/{FLORA}/p/FLR-ROSE-12").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attrs in scripts:
        assert 'type="application/ld+json"' in attrs or "src=" in attrs
    assert " style=" not in html and " on" + "click=" not in html


def test_hsts_and_secure_cookie_in_production(prod) -> None:
    client = prod.test_client()
    response = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"}, base_url="https://shop.test",
                           headers={"Origin": "https://shop.test"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_session_cookie_flags_and_30_day_cart(client) -> None:
    response = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"}, headers={"Origin": "http://localhost"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Max-Age" in session_cookie or "Expires" in session_cookie
    count_cookie = next(c for c in cookies if c.startswith("sf_cart="))
    assert count_cookie.startswith("sf_cart=1;") and "HttpOnly" not in count_cookie
    assert f"Path=/{FLORA}/" in count_cookie


@pytest.mark.parametrize("path", CATALOG + ["/sitemap.xml"])
def test_catalog_pages_are_shareable(client, path) -> None:
    _with_cart(client)  # even for a shopper with a cart and a session
    response = client.get(f"/{FLORA}{path}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Cache-Control"].startswith("public, max-age=60")
    assert "stale-while-revalidate" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "csrf_token" not in html
    assert 'data-cart-count' in html or path == "/sitemap.xml"


def test_private_pages_are_not_cached(client, sandbox) -> None:
    confirmation = _placed_order(client, sandbox)
    _with_cart(client)
    for path in (f"/{FLORA}/cart", f"/{FLORA}/checkout", confirmation):
        assert client.get(path).headers["Cache-Control"] == "private, no-store", path


def test_static_assets_fingerprinted_and_cached_a_year(client) -> None:
    html = client.get(f"/{FLORA}/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{10})"', html)
    assert css
    response = client.get(css.group(1))
    response.close()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_responses_are_compressed(client) -> None:
    response = client.get(f"/{FLORA}/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]


def test_token_less_post_fails_with_friendly_page(client) -> None:
    _with_cart(client)
    response = client.post(f"/{FLORA}/en/checkout", data={"action": "continue", "name": "Ali"})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    assert client.get(f"/{FLORA}/en/cart").get_data(as_text=True).count("FLR-ROSE-12") >= 1  # cart kept


def test_cross_site_add_to_cart_refused(client) -> None:
    refused = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    refused = client.post(f"/{FLORA}/cart/add", data={"sku": "FLR-ROSE-12"},
                          headers={"Referer": "https://evil.example/page"})
    assert refused.status_code == 403


def test_production_refuses_to_start_without_secrets() -> None:
    base = {"SENDY_BASE_URL": "https://api.sendyiq.com"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**base, "SENDY_API_KEYS": KEYS})
    with pytest.raises(ConfigError, match="SENDY_API_KEYS"):
        create_app({**base, "SECRET_KEY": SECRET})
    with pytest.raises(ConfigError, match="at least 32"):
        create_app({**base, "SECRET_KEY": "short", "SENDY_API_KEYS": KEYS})


def test_secrets_from_files(tmp_path, sandbox) -> None:
    (tmp_path / "secret").write_text(SECRET + "\n")
    (tmp_path / "keys.json").write_text(KEYS)
    app = create_app({"SENDY_BASE_URL": "https://sendy.test", "SECRET_KEY_FILE": str(tmp_path / "secret"),
                      "SENDY_API_KEYS_FILE": str(tmp_path / "keys.json"), "SENDY_TRANSPORT": sandbox.transport(),
                      "PLATFORM_HOST": "shop.test"})
    assert app.secret_key == SECRET
    assert app.extensions["api_keys"] == json.loads(KEYS)
    with pytest.raises(ConfigError, match="cannot read"):
        create_app({"SENDY_BASE_URL": "https://sendy.test", "SECRET_KEY_FILE": str(tmp_path / "missing"),
                    "SENDY_API_KEYS": KEYS})


def test_only_an_empty_cart_is_kept_out_of_search(client) -> None:
    """A crawler never has a cart: its empty cart page says noindex; a shopper's full one need not."""
    assert 'name="robots" content="noindex"' in client.get(f"/{FLORA}/cart").get_data(as_text=True)
    _with_cart(client)
    assert 'content="noindex"' not in client.get(f"/{FLORA}/cart").get_data(as_text=True)


@pytest.mark.parametrize("asset", ["js/site.js", "js/product.js", "js/checkout.js", "css/site.css"])
def test_static_text_is_compressed(client, asset) -> None:
    response = client.get(f"/static/{asset}", headers={"Accept-Encoding": "gzip, deflate, br"})
    response.close()
    assert response.headers["Content-Encoding"] == "br"


# -- request ids -------------------------------------------------------------------------------------
def test_a_post_refused_by_csrf_has_a_request_id(client, caplog) -> None:
    caplog.set_level("INFO", logger="storefront.access")
    response = client.post(f"/{FLORA}/cart/update", data={"sku": ROSES, "quantity": "2"},
                           headers={"X-Request-ID": "attack-probe-0001"})
    assert response.status_code == 400
    assert response.headers["X-Request-ID"] == "attack-probe-0001"

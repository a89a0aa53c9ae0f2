"""Caching of Sendy data: one Sendy call serves many page views, the last good copy is served
when Sendy fails (stale-if-error), an unpublished store stops being served, and the address
reference is cached."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.app import FLORA, TIGRIS
from helpers.pages import html_of

from storefront.extensions import cache
from storefront.sendy import SendyUnavailable
from storefront.sendy.sandbox import Sandbox
from storefront.services import addresses, caches
from storefront.services.sendy import invalidate

STOREFRONT = "/api/v1/public/storefronts/{}"
PROVINCES = "/api/v1/address-reference/provinces"


def sendy_calls(sandbox: Sandbox, path: str) -> int:
    """How many GETs of this path Sendy received."""
    return sandbox.requests.count(("GET", path))


def forget(app: Flask, slug: str) -> None:
    """Expire the fresh copy of a store, as its minute in the cache running out would."""
    with app.app_context():
        caches.forget_store(slug)


def text_of(body: str, tag: str) -> str:
    """The text of the first <tag> element."""
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", body, re.S)
    assert match, tag
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_one_sendy_call_serves_many_page_views(client: FlaskClient, sandbox: Sandbox) -> None:
    for url in (f"/{FLORA}/", f"/{FLORA}/p/FLR-ROSE-12", f"/{FLORA}/en/faq", f"/{FLORA}/about",
                f"/{FLORA}/sitemap.xml", f"/{FLORA}/?q=ورد", f"/{FLORA}/"):
        html_of(client, url)
    assert sendy_calls(sandbox, STOREFRONT.format(FLORA)) == 1


def test_stores_are_cached_separately(client: FlaskClient, sandbox: Sandbox) -> None:
    html_of(client, f"/{FLORA}/")
    html_of(client, f"/{TIGRIS}/")
    html_of(client, f"/{TIGRIS}/ar/")
    assert sendy_calls(sandbox, STOREFRONT.format(FLORA)) == 1
    assert sendy_calls(sandbox, STOREFRONT.format(TIGRIS)) == 1


def test_forgetting_a_store_shows_its_changes(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    html_of(client, f"/{FLORA}/")
    sandbox.state.stores[FLORA].storefront["name"] = "فلورا الكرادة"
    assert "فلورا بغداد" in html_of(client, f"/{FLORA}/")  # still the cached copy
    forget(app, FLORA)
    assert text_of(html_of(client, f"/{FLORA}/"), "h1") == "فلورا الكرادة"
    assert sendy_calls(sandbox, STOREFRONT.format(FLORA)) == 2


def test_last_good_copy_is_served_when_sendy_fails(app: Flask, client: FlaskClient, sandbox: Sandbox,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    html_of(client, f"/{FLORA}/p/FLR-ROSE-12")
    forget(app, FLORA)
    sandbox.faults.add("storefront", "status", status=500)
    with caplog.at_level(logging.WARNING, logger="storefront"):
        body = html_of(client, f"/{FLORA}/p/FLR-ROSE-12")
    assert "باقة 12 وردة جوري حمراء" in body and "فلورا بغداد" in body
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("storefront")]
    assert any("store:flora-baghdad" in r.getMessage() and "last good copy" in r.getMessage() for r in warnings)
    assert sendy_calls(sandbox, STOREFRONT.format(FLORA)) == 1 + 3  # the first view, then a try and two retries


@pytest.mark.parametrize("fault", ["timeout", "connect", "malformed", "bad_shape"])
def test_last_good_copy_survives_every_kind_of_outage(app: Flask, client: FlaskClient, sandbox: Sandbox,
                                                      fault: str) -> None:
    html_of(client, f"/{TIGRIS}/")
    forget(app, TIGRIS)
    sandbox.faults.add("storefront", fault)
    assert "Tigris Tech" in html_of(client, f"/{TIGRIS}/faq")


def test_after_an_outage_the_next_refresh_reads_sendy_again(app: Flask, client: FlaskClient,
                                                            sandbox: Sandbox) -> None:
    html_of(client, f"/{FLORA}/about")
    forget(app, FLORA)
    sandbox.faults.add("storefront", "status", times=3, status=503)  # one page view's worth of attempts
    assert text_of(html_of(client, f"/{FLORA}/about"), "h1") == "فلورا بغداد"  # the last good copy
    sandbox.state.stores[FLORA].storefront["name"] = "فلورا الجديدة"
    forget(app, FLORA)
    assert text_of(html_of(client, f"/{FLORA}/about"), "h1") == "فلورا الجديدة"  # Sendy is back


def test_nothing_cached_and_sendy_down_is_503_and_logged(client: FlaskClient, sandbox: Sandbox,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    sandbox.faults.add("storefront", "status", status=500)
    with caplog.at_level(logging.ERROR, logger="storefront"):
        html_of(client, f"/{FLORA}/", status=503)
    assert any("store:flora-baghdad" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


def test_unpublished_store_drops_its_stale_copy(app: Flask, client: FlaskClient, sandbox: Sandbox) -> None:
    html_of(client, f"/{FLORA}/")
    sandbox.state.stores[FLORA].published = False
    forget(app, FLORA)
    html_of(client, f"/{FLORA}/", status=404)
    with app.app_context():
        invalidate(f"store:{FLORA}")  # the short-lived "not found" is gone too
    sandbox.faults.add("storefront", "status", status=500)
    html_of(client, f"/{FLORA}/", status=503)  # an outage does not bring the unpublished store back


def test_unknown_stores_are_remembered_briefly(client: FlaskClient, sandbox: Sandbox) -> None:
    for _ in range(3):
        html_of(client, "/no-such-store/", status=404)
    assert sendy_calls(sandbox, STOREFRONT.format("no-such-store")) == 1


def test_provinces_and_areas_are_cached(app: Flask, sandbox: Sandbox) -> None:
    with app.app_context():
        first = addresses.provinces()
        assert addresses.provinces() == first and len(first) == 18
        karrada = [a for a in addresses.areas("BG") if a.name_en == "Karrada"]
        assert karrada and addresses.areas("BG") == addresses.areas("BG")
        assert addresses.areas("ZZ") == []  # unknown code: Sendy is not asked
    assert sendy_calls(sandbox, PROVINCES) == 1
    assert sendy_calls(sandbox, f"{PROVINCES}/BG/areas") == 1
    assert sendy_calls(sandbox, f"{PROVINCES}/ZZ/areas") == 0


def test_cached_provinces_survive_an_outage(app: Flask, sandbox: Sandbox) -> None:
    with app.app_context():
        first = addresses.provinces()
        cache.delete("provinces")  # the day is over
        sandbox.faults.add("provinces", "status", status=502)
        assert addresses.provinces() == first
        assert len([r for r in sandbox.requests if r[1].endswith("/provinces")]) == 4  # 1 + 3 tries
        assert addresses.provinces() == first  # the stale copy serves a while without asking again
        assert len([r for r in sandbox.requests if r[1].endswith("/provinces")]) == 4
        cache.delete("provinces")
        cache.delete("stale:provinces")
        with pytest.raises(SendyUnavailable):
            addresses.provinces()


def test_areas_sorted_by_name_in_each_language(app: Flask) -> None:
    with app.app_context():
        areas = addresses.areas("BA")
    ar = [a.name_ar for a in addresses.sorted_by_name(areas, "ar")]
    en = [a.name_en for a in addresses.sorted_by_name(areas, "en")]
    assert ar == sorted(ar) and en == sorted(en)

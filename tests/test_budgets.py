"""SMS-pumping budgets (per number prefix, per store, for the platform) and the metrics endpoint.

Many numbers from many addresses, as a pumping bot would send them: each shopper its own
connection and number, released together, so each budget is shown to hold atomically.
"""

from __future__ import annotations

import html
import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.app import FLORA, PHONE, TIGRIS, make_app
from helpers.checkout import (
    DETAILS,
    SEND_OTP_PATH,
    add_to_cart,
    csrf_token,
    enter_code,
    sendy_calls,
    start_checkout,
    url,
)
from helpers.clock import install_clock
from helpers.pages import text
from helpers.servers import at_once

from storefront.sendy.sandbox import Sandbox

ROSES, CHARGER = "FLR-ROSE-12", "TGR-CHG-20W"
PAUSED = "Order confirmation codes are paused for now"
TOKEN = "metrics-" + "t" * 24
_WA = re.compile(r'class="button wa" href="(https://wa\.me/[^"]+)"')  # the page's button, not the floating one


@pytest.fixture
def budgeted(sandbox: Sandbox):
    """The storefront with small budgets: flora 4 an hour and 6 a day, the platform 7 an hour."""
    app = make_app(sandbox, METRICS_TOKEN=TOKEN, OTP_BUDGETS=json.dumps({FLORA: {"hourly": 4, "daily": 6}}),
                   OTP_PLATFORM_HOURLY="7")
    yield app
    app.extensions["sendy"].close()


def _shopper(app, slug: str, sku: str, n: int, phone: str | None = None):
    """A shopper from its own address with its own number (its own prefix unless given)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": f"10.7.{n // 250}.{n % 250 + 1}"}
    base = url(slug, "en" if slug == FLORA else None)
    add_to_cart(client, base, sku, environ_base=environ)
    token = csrf_token(client, f"{base}/checkout")
    data = {**DETAILS, "phone": phone or f"0770{100 + n:03d}4567", "action": "continue", "csrf_token": token}
    return lambda: client.post(f"{base}/checkout", data=data, environ_base=environ)


def _paused(response) -> bool:
    return response.status_code == 429 and PAUSED in text(response)


def test_the_store_budget_holds_against_many_numbers_from_many_addresses(budgeted, sandbox, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="storefront.otp")
    responses = at_once([_shopper(budgeted, FLORA, ROSES, n) for n in range(12)])

    assert sendy_calls(sandbox, SEND_OTP_PATH) == 4
    assert sum(r.status_code == 303 for r in responses) == 4
    assert sum(_paused(r) for r in responses) == 8
    exhausted = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "otp.budget_exhausted"]
    assert len(exhausted) == 1 and exhausted[0].fields["store"] == FLORA  # logged once, however many refusals
    assert exhausted[0].fields["budget"] == "store_hourly"
    warned = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "otp.budget_80"]
    assert len(warned) == 1
    # another store is not paused by this one's budget
    assert _shopper(budgeted, TIGRIS, CHARGER, 50)().status_code == 303


def test_a_paused_shopper_gets_whatsapp_with_the_cart(budgeted, sandbox) -> None:
    for n in range(4):
        assert _shopper(budgeted, FLORA, ROSES, n)().status_code == 303
    response = _shopper(budgeted, FLORA, ROSES, 9)()

    assert _paused(response)
    assert int(response.headers["Retry-After"]) > 0
    [link] = _WA.findall(text(response))
    message = parse_qs(urlsplit(html.unescape(link)).query)["text"][0]
    product = next(p["name"] for p in sandbox.state.stores[FLORA].storefront["products"] if p["sku"] == ROSES)
    assert product in message


def test_the_daily_store_budget(budgeted, sandbox, monkeypatch) -> None:
    clock = install_clock(monkeypatch, sandbox)
    for n in range(4):
        assert _shopper(budgeted, FLORA, ROSES, n)().status_code == 303
    clock.advance(3601)  # a new hour: two more make the day's six
    results = [_shopper(budgeted, FLORA, ROSES, 10 + n)() for n in range(3)]
    assert [r.status_code for r in results[:2]] == [303, 303] and _paused(results[2])
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 6


def test_the_prefix_budget_holds_across_numbers_and_addresses(app, sandbox) -> None:
    """Numbers that differ only in their last four digits: five codes an hour between them."""
    responses = at_once([_shopper(app, FLORA, ROSES, n, phone=f"0770 123 {n:04d}") for n in range(8)])
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 5
    assert sum(_paused(r) for r in responses) == 3


def test_the_platform_budget_holds_across_stores(budgeted, sandbox) -> None:
    shoppers = [_shopper(budgeted, TIGRIS, CHARGER, n) for n in range(6)]
    shoppers += [_shopper(budgeted, FLORA, ROSES, 20 + n) for n in range(3)]
    responses = at_once(shoppers)
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 7
    assert sum(_paused(r) for r in responses) == 2


def test_few_codes_entered_correctly_is_logged_as_pumping(app, sandbox, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="storefront.otp")
    for n in range(10):
        assert _shopper(app, FLORA, ROSES, n)().status_code == 303  # codes sent, none ever entered
    signals = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "otp.low_verification"]
    assert len(signals) == 1 and signals[0].fields["store"] == FLORA
    assert signals[0].fields["sent"] >= 9 and signals[0].fields["verified"] == 0


# -- /metrics ----------------------------------------------------------------------------------
def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in exposition.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.startswith(name + "{") or metric == name:
            got = ",".join(sorted(metric[len(name) + 1:-1].split(","))) if "{" in metric else ""
            if got == want:
                return float(value)
    return 0.0


def test_metrics_need_the_token(client, budgeted) -> None:
    assert client.get("/metrics").status_code == 404  # no token configured
    metrics = budgeted.test_client()
    assert metrics.get("/metrics").status_code == 401
    assert metrics.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    response = metrics.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "storefront_http_requests_total" in text(response)


def test_metrics_count_what_happened_and_name_no_one(budgeted, sandbox) -> None:
    scrape = budgeted.test_client()

    def read() -> str:
        return text(scrape.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))

    before = read()
    shopper = budgeted.test_client()
    base = url(FLORA, "en")
    for _ in range(3):
        assert shopper.get(f"{base}/about").status_code == 200
    start_checkout(shopper, base, ROSES)
    assert enter_code(shopper, base, "000000" if sandbox.last_otp(PHONE) != "000000" else "111111").status_code == 400
    assert enter_code(shopper, base, sandbox.last_otp(PHONE)).status_code == 303
    after = read()

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("storefront_http_requests_total", route="store.about", status="200") == 3
    assert delta("storefront_otp_sends_total", outcome="sent") == 1
    assert delta("storefront_otp_verifications_total", outcome="wrong") == 1
    assert delta("storefront_otp_verifications_total", outcome="correct") == 1
    assert delta("storefront_orders_total", outcome="placed") == 1
    assert delta("storefront_sendy_requests_total", endpoint="send_otp", outcome="2xx") == 1
    assert delta("storefront_cache_lookups_total", cache="page", result="hit") >= 2
    for secret in (PHONE, PHONE[3:], sandbox.last_otp(PHONE) or "", *budgeted.extensions["api_keys"].values()):
        assert secret and secret not in after


def test_metrics_count_image_resizes_and_cache_hits(sandbox, tmp_path) -> None:
    """The image pipeline is measured too: a cold variant is one resize, the next ask a cache hit."""
    app = make_app(sandbox, METRICS_TOKEN=TOKEN, IMAGE_CACHE_DIR=str(tmp_path))
    scrape = app.test_client()

    def read() -> str:
        return text(scrape.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))

    home = text(app.test_client().get(f"/{FLORA}/"))
    src = re.search(r'src="(/img/[^"]+\.jpg)"', home)
    assert src, "no image of ours on the home page"
    before = read()
    shopper = app.test_client()
    first, again = shopper.get(src.group(1)), shopper.get(src.group(1))
    assert first.status_code == again.status_code == 200 and first.mimetype == "image/jpeg"
    after = read()

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("storefront_image_resize_duration_seconds_count", format="jpg") == 1
    assert delta("storefront_cache_lookups_total", cache="image", result="miss") == 1
    assert delta("storefront_cache_lookups_total", cache="image", result="hit") == 1
    app.extensions["sendy"].close()

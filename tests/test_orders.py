"""Order status by link: the signed link, what a stranger and the shopper see, the timeline,
Sendy refusing or failing, restarts (with and without Redis), caching and indexing."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from helpers.app import FLORA, PHONE, TIGRIS, make_app
from helpers.checkout import enter_code, place_order, start_checkout, url
from helpers.pages import assert_sane, iqd, text, tr

from storefront.extensions import cache
from storefront.runtime.state import state
from storefront.sendy.models import Courier, Order, StatusChange
from storefront.sendy.sandbox import Sandbox
from storefront.services import orders

SKU = {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CHG-20W"}
NAME = {FLORA: "باقة 12 وردة جوري حمراء", TIGRIS: "20W USB-C Fast Charger"}
LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(TIGRIS, None, "en", id="en"),
         pytest.param(FLORA, "en", "en", id="flora-en")]
READ_PATH = "/api/v1/store/integrations/orders/"
UNAVAILABLE = "Live status unavailable right now."
SECRET = "orders-test-" + "s" * 40
#: A shopper's phone unlike any store's, and every way it could be written; the address and note typed.
SHOPPER = {"phone": "9647815550123", "typed": "0781 555 0123"}
PERSONAL = ("9647815550123", "07815550123", "0781 555 0123", "781 555 0123", "555 0123", "5550123",
            "زينب علي", "شارع ٥٢", "قرب جامع الكرادة", "عيد ميلاد سعيد")


# -- helpers -------------------------------------------------------------------------------------
def status_link(page) -> str:
    """The status link the confirmation page offers to copy."""
    match = re.search(r'id="status-link" type="url" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "no status link on the page"
    return html.unescape(match.group(1))


def whatsapp_text(page) -> str:
    """The prefilled message of the page's WhatsApp button."""
    href = re.search(r'<a class="button wa" href="([^"]+)"', page.get_data(as_text=True)).group(1)
    parts = urlsplit(html.unescape(href))
    assert (parts.scheme, parts.netloc) == ("https", "wa.me")
    return parse_qs(parts.query)["text"][0]


def order_reads(sandbox: Sandbox) -> int:
    """How many order reads Sendy received."""
    return sum(1 for method, path in sandbox.requests if method == "GET" and path.startswith(READ_PATH))


def forget_live(app: Flask, order_id: str) -> None:
    """The 30 seconds of the cached live order are over."""
    with app.app_context():
        cache.delete(f"order-status:{FLORA}:{order_id}")
        cache.delete(f"order-status:{TIGRIS}:{order_id}")


def placed(app, client, sandbox, slug=FLORA, lang=None, phone=None):
    """Place an order (with the shopper's phone, by default PHONE); (public id, Sendy id, status link)."""
    if phone is None:
        page = place_order(client, sandbox, url(slug, lang), SKU[slug], "2")
    else:
        start_checkout(client, url(slug, lang), SKU[slug], "2", phone=phone["typed"])
        done = enter_code(client, url(slug, lang), sandbox.last_otp(phone["phone"]))
        page = client.get(done.headers["Location"])
    answer = sandbox.orders[-1]["response"]
    return answer["publicId"], answer["id"], status_link(page)


# -- the link -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
def test_the_link_works_in_a_fresh_browser_without_cookies(app, client, sandbox, slug, url_lang, lang):
    public_id, _, link = placed(app, client, sandbox, slug, url_lang)
    assert urlsplit(link).path.startswith(f"{url(slug, url_lang)}/track/")

    stranger = app.test_client()
    page = stranger.get(link)

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert "Set-Cookie" not in page.headers
    body = text(page)
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert f'<bdi dir="ltr" class="order-id">{public_id}</bdi>' in body
    assert tr(app, lang, "The store has your order and will confirm it soon.") in body
    assert re.search(r'<li class="step current" aria-current="step">\s*<span class="step-name">'
                     + re.escape(tr(app, lang, "Placed")), body)
    for stage in ("Confirmed", "Shipped", "Out for delivery", "Delivered"):
        assert tr(app, lang, stage) in body
    assert NAME[slug] in body
    assert iqd(2 * (35000 if slug == FLORA else 15000), lang) in body
    assert tr(app, lang, UNAVAILABLE) not in body


def test_the_receipt_keeps_sendy_id_for_the_life_of_the_link(app, client, sandbox):
    public_id, order_id, _ = placed(app, client, sandbox)
    with app.app_context():
        kept = state().get(f"order:{FLORA}:{public_id}")
        assert kept["sendy_id"] == order_id
        assert state().ttl(f"order:{FLORA}:{public_id}") > orders.LINK_TTL


def test_the_link_carries_no_personal_data(app, client, sandbox):
    _, _, link = placed(app, client, sandbox)
    token = urlsplit(link).path.rsplit("/", 1)[1]
    payload = orders.URLSafeTimedSerializer("x").load_payload(token.split(".")[0].encode())
    assert not any(part in str(payload) for part in (PHONE, "زينب", "شارع"))


def test_anyone_with_the_link_sees_no_phone_or_address(app, client, sandbox):
    public_id, _, link = placed(app, client, sandbox, phone=SHOPPER)
    sandbox.set_order_status(public_id, "out_for_delivery")

    body = text(app.test_client().get(link))

    for personal in PERSONAL:
        assert personal not in body, personal
    assert "<bdi>زينب</bdi>" in body  # the first name, at most
    assert tr(app, "ar", "Phone ending in %(digits)s", digits='<bdi dir="ltr">123</bdi>') in body


def test_the_shopper_who_placed_it_sees_the_full_details(app, client, sandbox):
    _, _, link = placed(app, client, sandbox)

    body = text(client.get(link))

    assert "<bdi>زينب علي</bdi>" in body
    assert "+964 770 123 4567" in body
    assert "شارع ٥٢، قرب جامع الكرادة" in body


@pytest.mark.parametrize("change", ["signature", "payload", "truncated", "store", "garbage"])
def test_a_tampered_link_is_not_found(app, client, sandbox, change):
    _, _, link = placed(app, client, sandbox)
    path = urlsplit(link).path
    token = path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    tampered = {
        "signature": f"{url(FLORA)}/track/{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        "payload": f"{url(FLORA)}/track/{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{stamp}.{signature}",
        "truncated": path[:-5],
        "store": f"{url(TIGRIS)}/track/{token}",
        "garbage": f"{url(FLORA)}/track/not-a-token",
    }[change]

    page = app.test_client().get(tampered)

    assert page.status_code == 404
    assert_sane(page)
    assert order_reads(sandbox) == 0


def test_an_expired_link_says_so_and_offers_whatsapp(app, client, sandbox, monkeypatch):
    clock = app.extensions["clock"]
    clock.advance(-orders.LINK_TTL - 3600)  # the order was placed 60 days and an hour ago
    public_id, _, link = placed(app, client, sandbox)
    clock.offset = 0

    page = app.test_client().get(link)

    assert page.status_code == 410
    body = text(page)
    assert tr(app, "ar", "This link has expired") in body
    assert f'<bdi dir="ltr">{public_id}</bdi>' in body
    assert whatsapp_text(page) == tr(app, "ar", "Hello %(store)s, about my order %(order)s",
                                     store="فلورا بغداد", order=public_id)
    assert order_reads(sandbox) == 0


def test_a_link_59_days_old_still_works(app, client, sandbox, monkeypatch):
    clock = app.extensions["clock"]
    clock.advance(-59 * 24 * 3600)
    _, _, link = placed(app, client, sandbox)
    clock.offset = 0
    assert app.test_client().get(link).status_code == 200


def test_the_whatsapp_message_carries_the_order_number_and_the_link(app, client, sandbox):
    base = url(FLORA)
    page = place_order(client, sandbox, base, SKU[FLORA])
    public_id, link = sandbox.orders[0]["response"]["publicId"], status_link(page)

    message = whatsapp_text(page)

    assert message == tr(app, "ar", "Hello %(store)s, about my order %(order)s\n%(link)s",
                         store="فلورا بغداد", order=public_id, link=link)
    opened = app.test_client().get(message.split("\n")[-1])  # the store taps the link in the chat
    assert opened.status_code == 200 and public_id in text(opened)
    assert whatsapp_text(opened) == message  # the status page asks the same way


def test_the_confirmation_offers_copy_and_share_with_a_plain_fallback(app, client, sandbox):
    page = place_order(client, sandbox, url(FLORA), SKU[FLORA])
    body = text(page)
    link = status_link(page)
    assert "readonly" in re.search(r'<input id="status-link"[^>]*>', body).group(0)  # select and copy by hand
    assert f'<a href="{link}">{tr(app, "ar", "Open the order status page")}</a>' in body
    assert re.search(r'<button type="button" data-copy hidden>', body)  # shown by share.js
    assert re.search(r'<script src="/static/js/share\.js\?v=\w+" defer></script>', body)


# -- the timeline -----------------------------------------------------------------------------
def _current(body: str) -> list[str]:
    return re.findall(r'<li class="step (?:current|stopped)" aria-current="step">\s*<span class="step-name">([^<]+)',
                      body)


def test_the_timeline_follows_the_order_to_the_door(app, client, sandbox):
    public_id, order_id, link = placed(app, client, sandbox, TIGRIS)
    stranger = app.test_client()
    seen = []
    for status in ("confirmed", "shipped", "out_for_delivery", "delivered"):
        sandbox.set_order_status(public_id, status)
        forget_live(app, order_id)
        seen.append(text(stranger.get(link)))

    confirmed, shipped, out, delivered = seen
    assert _current(confirmed) == ["Confirmed"]
    assert "The store confirmed your order and is preparing it." in confirmed
    assert iqd(5000, "en") in confirmed and iqd(35000, "en") in confirmed  # the fee the store added
    assert "Courier" not in confirmed
    assert _current(out) == ["Out for delivery"]
    assert "Rafidain Express" in out and "+964 790 111 2233" in out
    assert re.search(r'<bdi dir="ltr" class="tracking">RFD\d{8}</bdi>', out)
    assert "Rafidain Express" in shipped
    assert _current(delivered) == ["Delivered"]
    assert "Paid on delivery" in delivered
    assert len(re.findall(r'class="step done"', delivered)) == 4


@pytest.mark.parametrize(("status", "label", "sentence"), [
    ("cancelled", "Cancelled", "This order was cancelled."),
    ("returned", "Returned", "This order was returned to the store."),
    ("on_hold", "In progress", "Your order is in progress."),
    ("", "In progress", "Your order is in progress."),
])
def test_cancelled_returned_and_unknown_statuses(app, client, sandbox, status, label, sentence):
    public_id, order_id, link = placed(app, client, sandbox, TIGRIS)
    sandbox.set_order_status(public_id, "confirmed")
    sandbox.state.tracked[order_id]["history"].append({"status": status, "at": time.time()})

    page = app.test_client().get(link)

    assert page.status_code == 200
    body = text(page)
    assert _current(body) == [label]
    assert sentence in body
    if status in ("cancelled", "returned"):
        assert "class=\"step todo\"" not in body  # nothing more will happen
        assert "Order total" in body and "Total to pay on delivery" not in body


def test_timeline_steps():
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)

    def steps(stage, *history):
        order = Order("id", "SF-1", stage, tuple(StatusChange(s, at) for s in history), created_at=at)
        return [(s.stage, s.state) for s in orders.timeline(order)]

    assert steps("placed") == [("placed", "current"), ("confirmed", "todo"), ("shipped", "todo"),
                               ("out_for_delivery", "todo"), ("delivered", "todo")]
    assert steps("cancelled", "placed", "confirmed", "cancelled") == [
        ("placed", "done"), ("confirmed", "done"), ("cancelled", "stopped")]
    assert steps("returned", "shipped", "out_for_delivery") == [
        ("placed", "done"), ("confirmed", "done"), ("shipped", "done"), ("out_for_delivery", "done"),
        ("returned", "stopped")]
    assert steps("in_progress", "confirmed") == [
        ("placed", "done"), ("confirmed", "done"), ("in_progress", "current"), ("shipped", "todo"),
        ("out_for_delivery", "todo"), ("delivered", "todo")]
    assert orders.timeline(Order("id", "SF-1", "placed", created_at=at))[0].at == at


def test_first_names():
    assert orders.first_name("زينب علي") == "زينب"
    assert orders.first_name("عبد الله حسن") == "عبد الله"
    assert orders.first_name("Abu Ali") == "Abu Ali"
    assert orders.first_name("  ") == ""


# -- Sendy refusing or failing ------------------------------------------------------------------
def _shows_the_receipt(app, page, lang="ar") -> None:
    assert page.status_code == 200
    assert_sane(page)
    body = text(page)
    assert tr(app, lang, UNAVAILABLE) in body
    assert NAME[FLORA] in body and iqd(70000, lang) in body
    assert 'class="timeline"' not in body


def test_a_key_without_orders_read_shows_what_was_placed(app, client, sandbox, caplog):
    _, _, link = placed(app, client, sandbox)
    sandbox.state.stores[FLORA].scopes = frozenset({"orders:write"})

    page = app.test_client().get(link)

    _shows_the_receipt(app, page)
    assert order_reads(sandbox) == 1
    assert any("SendyForbidden" in r.getMessage() for r in caplog.records if r.name == "storefront.orders")
    app.test_client().get(link)
    assert order_reads(sandbox) == 1  # the refusal is remembered for a few seconds


@pytest.mark.parametrize(("kind", "status"), [("status", 500), ("status", 503), ("timeout", 500),
                                              ("connect", 500), ("malformed", 500), ("bad_shape", 500),
                                              ("success_false", 500), ("status", 404)])
def test_sendy_failing_shows_what_was_placed(app, client, sandbox, kind, status):
    _, _, link = placed(app, client, sandbox)
    sandbox.faults.add("order_read", kind, status=status)

    _shows_the_receipt(app, app.test_client().get(link))


def test_an_unreachable_store_still_shows_the_order(sandbox):
    before = _app(sandbox)
    public_id, _, link = placed(before, before.test_client(), sandbox)
    before.extensions["sendy"].close()
    after = _app(sandbox)  # restarted: nothing cached, and Sendy can't give us the store
    sandbox.faults.add("storefront", "status", status=500)

    page = after.test_client().get(link)

    assert page.status_code == 200
    assert_sane(page)
    assert public_id in text(page) and NAME[FLORA] in text(page)
    assert tr(after, "ar", "The store has your order and will confirm it soon.") in text(page)
    assert after.test_client().get(f"{url(FLORA)}/").status_code == 503
    assert after.test_client().get(link[:-3]).status_code == 404  # tampered: still not found
    after.extensions["sendy"].close()


# -- caching and indexing -----------------------------------------------------------------------
def test_the_live_order_is_cached_for_a_while(app, client, sandbox):
    public_id, order_id, link = placed(app, client, sandbox)
    stranger = app.test_client()
    for _ in range(3):
        assert stranger.get(link).status_code == 200
    assert order_reads(sandbox) == 1

    sandbox.set_order_status(public_id, "shipped")
    assert tr(app, "ar", "Your order has been handed to the courier.") not in text(stranger.get(link))
    with app.app_context():
        cache.delete(f"order-status:{FLORA}:{order_id}")  # 30 seconds later
    assert tr(app, "ar", "Your order has been handed to the courier.") in text(stranger.get(link))
    assert order_reads(sandbox) == 2


def test_status_pages_stay_out_of_the_sitemap(app, client, sandbox):
    placed(app, client, sandbox)
    sitemap = client.get(f"{url(FLORA)}/sitemap.xml").get_data(as_text=True)
    assert "/track/" not in sitemap and "/orders/" not in sitemap


# -- restarts ---------------------------------------------------------------------------------------
def _app(sandbox: Sandbox, **config) -> Flask:
    return make_app(sandbox, SECRET_KEY=SECRET, **config)


def test_after_a_restart_without_redis_the_order_comes_back_from_sendy(sandbox):
    before = _app(sandbox)
    public_id, order_id, link = placed(before, before.test_client(), sandbox)
    before.extensions["sendy"].close()

    after = _app(sandbox)  # the same secret key, an empty memory
    sandbox.faults.add("order_read", "status", status=500, times=3)
    page = after.test_client().get(link)
    assert page.status_code == 200
    assert public_id in text(page) and tr(after, "ar", UNAVAILABLE) in text(page)  # nothing else is known

    forget_live(after, order_id)
    assert NAME[FLORA] in text(after.test_client().get(link))  # Sendy answers again: all of it
    sandbox.faults.add("order_read", "status", status=500)
    forget_live(after, order_id)
    _shows_the_receipt(after, after.test_client().get(link))  # and it is kept from now on
    after.extensions["sendy"].close()


@pytest.mark.slow
def test_after_a_restart_with_redis_the_link_and_the_receipt_survive(sandbox, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    before = _app(sandbox, REDIS_URL=redis_url)
    public_id, order_id, link = placed(before, before.test_client(), sandbox)
    assert before.test_client().get(link).status_code == 200
    assert 0 < redis.Redis.from_url(redis_url).ttl(f"storefront:order-status:{FLORA}:{order_id}") <= 30
    before.extensions["sendy"].close()

    after = _app(sandbox, REDIS_URL=redis_url)
    fresh = after.test_client()
    page = fresh.get(link)
    assert page.status_code == 200
    assert public_id in text(page) and tr(after, "ar", UNAVAILABLE) not in text(page)

    forget_live(after, order_id)
    sandbox.faults.add("order_read", "status", status=503)
    _shows_the_receipt(after, fresh.get(link))  # the receipt kept in Redis at placing time
    after.extensions["sendy"].close()


def test_a_courier_without_a_name_or_an_order_without_items_still_renders(app, client, sandbox, monkeypatch):
    public_id, order_id, link = placed(app, client, sandbox)
    live = Order(order_id, public_id, "out_for_delivery", courier=Courier("", "9647901112233"))
    monkeypatch.setattr("storefront.services.orders.client", lambda: type("C", (), {"get_order": lambda *a: live})())

    body = text(app.test_client().get(link))

    assert "+964 790 111 2233" in body
    assert NAME[FLORA] in body  # the items of the receipt


def test_a_store_on_its_own_domain_gets_links_on_that_domain(sandbox):
    app = _app(sandbox, STORE_DOMAINS='{"flora.example": "flora-baghdad"}')
    public_id, _, link = placed(app, app.test_client(), sandbox)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "flora.example")
    assert parts.path.startswith("/track/")

    page = app.test_client().get(parts.path, base_url="https://flora.example")

    assert page.status_code == 200 and public_id in text(page)
    app.extensions["sendy"].close()

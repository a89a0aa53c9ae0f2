"""The live domain registry: a store's published customDomain served by every worker, the TLS ask endpoint.

A merchant sets a domain in Sendy (the sandbox's store hook); the storefront serves it once it has
read the store (or `flask domains add` confirmed it), stops when the store is unpublished or lets
go, serves neither of two stores claiming one host, redirects the www./bare twin, and answers Caddy's
``/-/tls/ask`` from memory — also while Redis is down. The last test runs gunicorn with two workers
on a real redis-server and times a domain added while it runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import FLORA, TIGRIS, make_app
from flask import Flask
from flask.testing import FlaskClient
from helpers.servers import free_port, redis_server

from storefront.sendy.sandbox import Sandbox, serve_in_thread
from storefront.services import caches, domains
from storefront.wsgi.registry import Claim, LiveDomains, build

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = "shops.example"
SHOP = "shop.flora.iq"
FLORA_NAME = "فلورا بغداد"


def _ask(client: FlaskClient, host: str) -> int:
    """What Caddy hears when it asks whether it may get a certificate for ``host`` (it asks by IP)."""
    return client.get(f"/-/tls/ask?domain={host}", base_url="http://127.0.0.1:9000").status_code


def _read(client: FlaskClient, slug: str) -> None:
    """A shopper opens the store on the platform: the app reads it from Sendy."""
    assert client.get(f"/{slug}/", base_url=f"https://{PLATFORM}").status_code == 200


def _on(client: FlaskClient, host: str, path: str = "/"):
    return client.get(path, base_url=f"https://{host}")


def _reread(app: Flask, client: FlaskClient, slug: str) -> None:
    """The store's minute is up (or a change webhook came): the next view reads it from Sendy again."""
    with app.app_context():
        caches.forget_store(slug)
    client.get(f"/{slug}/", base_url=f"https://{PLATFORM}")


@pytest.fixture
def app(sandbox: Sandbox) -> Iterator[Flask]:
    app = make_app(sandbox, PLATFORM_HOST=PLATFORM)
    yield app
    app.extensions["sendy"].close()


def test_a_published_store_s_domain_is_served_once_the_store_is_read(app, client, sandbox) -> None:
    sandbox.update_store(FLORA, custom_domain="Shop.Flora.IQ.")  # as a merchant may type it
    assert _ask(client, SHOP) == 404 and _on(client, SHOP).status_code == 404  # nobody has read it yet
    _read(client, FLORA)
    assert _ask(client, SHOP) == 200
    home = _on(client, SHOP)
    assert home.status_code == 200 and FLORA_NAME in home.get_data(as_text=True)
    product = _on(client, SHOP, "/p/FLR-ROSE-12").get_data(as_text=True)
    assert f'rel="canonical" href="https://{SHOP}/p/FLR-ROSE-12"' in product
    platform = client.get(f"/{FLORA}/p/FLR-ROSE-12", base_url=f"https://{PLATFORM}").get_data(as_text=True)
    assert f'rel="canonical" href="https://{SHOP}/p/FLR-ROSE-12"' in platform  # one address for search engines


def test_the_ask_endpoint_refuses_unclaimed_and_malformed_hosts(app, client, sandbox) -> None:
    _read(client, FLORA)
    assert _ask(client, PLATFORM) == 200  # the platform's own certificate
    assert _ask(client, "nobody.example") == 404
    assert _ask(client, "flora.example") == 404  # STORE_DOMAINS is empty here and Sendy publishes none
    for bad in ("", "a..b", "evil.example:8443", "x/y", "user@host.example", "%00"):
        assert _ask(client, bad) == 400, bad
    answer = client.get(f"/-/tls/ask?domain={PLATFORM}", base_url=f"https://{PLATFORM}")  # on any host
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"


def test_an_unpublished_store_or_a_removed_claim_stops_being_served(app, client, sandbox) -> None:
    sandbox.update_store(FLORA, custom_domain=SHOP)
    sandbox.update_store(TIGRIS, custom_domain="shop.tigris.iq")
    _read(client, FLORA)
    _read(client, TIGRIS)
    assert _ask(client, SHOP) == 200 and _ask(client, "shop.tigris.iq") == 200

    sandbox.update_store(FLORA, published=False)
    with app.app_context():
        caches.forget_store(FLORA)  # its minute is up
    assert _on(client, SHOP).status_code == 404  # the shopper's view reads it again: gone
    assert _ask(client, SHOP) == 404
    assert _on(client, SHOP).get_data(as_text=True) == "Unknown host.\n"

    sandbox.update_store(TIGRIS, custom_domain=None)  # the merchant cleared the field
    _reread(app, client, TIGRIS)
    assert _ask(client, "shop.tigris.iq") == 404 and _on(client, "shop.tigris.iq").status_code == 404
    assert client.get(f"/{TIGRIS}/", base_url=f"https://{PLATFORM}").status_code == 200  # still on the platform


def test_a_change_webhook_s_recheck_applies_at_once(app, client, sandbox) -> None:
    sandbox.update_store(FLORA, custom_domain=SHOP)
    with app.app_context():
        domains.recheck(FLORA)  # what a storefront.updated webhook calls: Sendy is read, not the event
    assert _ask(client, SHOP) == 200
    sandbox.update_store(FLORA, published=False)
    with app.app_context():
        domains.recheck(FLORA)
    assert _ask(client, SHOP) == 404 and _on(client, SHOP).status_code == 404


def test_two_stores_claiming_one_host_get_neither(app, client, sandbox, caplog) -> None:
    sandbox.update_store(FLORA, custom_domain=SHOP)
    sandbox.update_store(TIGRIS, custom_domain=SHOP)
    _read(client, FLORA)
    assert _ask(client, SHOP) == 200
    with caplog.at_level(logging.WARNING, logger="storefront.domains"):
        _read(client, TIGRIS)
    assert _ask(client, SHOP) == 404 and _on(client, SHOP).status_code == 404
    assert f"domain {SHOP} is claimed by several stores ({FLORA}, {TIGRIS})" in caplog.text

    sandbox.update_store(TIGRIS, custom_domain="shop.tigris.iq")  # one lets go: the other gets it
    _reread(app, client, TIGRIS)
    assert _ask(client, SHOP) == 200 and FLORA_NAME in _on(client, SHOP).get_data(as_text=True)


@pytest.mark.parametrize(("claimed", "twin"), [(SHOP, f"www.{SHOP}"), (f"www.{SHOP}", SHOP)])
def test_the_www_or_bare_twin_redirects_to_the_claimed_host(app, client, sandbox, claimed, twin) -> None:
    sandbox.update_store(FLORA, custom_domain=claimed)
    _read(client, FLORA)
    moved = _on(client, twin, "/p/FLR-ROSE-12?ref=ig%20story")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"https://{claimed}/p/FLR-ROSE-12?ref=ig%20story"
    assert _ask(client, twin) == 200  # Caddy needs a certificate to send the redirect over HTTPS
    assert _on(client, claimed).status_code == 200


@pytest.mark.parametrize("host", [PLATFORM, f"www.{PLATFORM}"])
def test_a_store_cannot_claim_the_platform_host(app, client, sandbox, caplog, host) -> None:
    sandbox.update_store(FLORA, custom_domain=host)
    with caplog.at_level(logging.WARNING, logger="storefront.domains"):
        _read(client, FLORA)
    assert "publishes the platform host" in caplog.text
    assert _ask(client, f"www.{PLATFORM}") == 404 and _on(client, f"www.{PLATFORM}").status_code == 404
    index = client.get("/", base_url=f"https://{PLATFORM}")
    assert index.status_code == 200 and f'href="/{TIGRIS}/"' in index.get_data(as_text=True)  # still the platform


def test_static_domains_and_operator_pins_decide_before_claims() -> None:
    claims = {"a": Claim("x.iq", 0), "b": Claim("x.iq", 0), "c": Claim("static.iq", 0), "d": Claim("p.iq", 0),
              "e": Claim("www.p.iq", 0)}
    snap = build({"static.iq": "s"}, claims, {}, frozenset({"p.iq"}))
    assert snap.slugs == {"static.iq": "s"} and snap.conflicts == {"x.iq": ("a", "b")}
    assert snap.redirects == {"www.static.iq": "static.iq"}
    pinned = build({}, claims, {"x.iq": "pin:b"}, frozenset())
    assert pinned.slugs["x.iq"] == "b" and pinned.redirects["www.x.iq"] == "x.iq"
    blocked = build({}, {"a": Claim("y.iq", 0)}, {"y.iq": "block"}, frozenset())
    assert blocked.slugs == {} and blocked.redirects == {}


# -- shared through Redis ----------------------------------------------------------------------
@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def _eventually(check, seconds: float = 8.0) -> float:
    """Seconds until ``check()`` is true (bounded)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the bound"
        time.sleep(0.05)
    return time.monotonic() - start


def test_the_cli_adds_only_what_sendy_publishes_and_every_process_follows(sandbox, redis_url) -> None:
    worker = make_app(sandbox, PLATFORM_HOST=PLATFORM, REDIS_URL=redis_url)
    operator = make_app(sandbox, PLATFORM_HOST=PLATFORM, REDIS_URL=redis_url)  # `flask domains …`, apart
    client, cli = worker.test_client(), operator.test_cli_runner()
    assert _ask(client, SHOP) == 404

    refused = cli.invoke(args=["domains", "add", SHOP, FLORA])
    assert refused.exit_code != 0 and f"Sendy publishes no custom domain for {FLORA}, not {SHOP}" in refused.output
    sandbox.update_store(FLORA, custom_domain="other.iq")
    refused = cli.invoke(args=["domains", "add", SHOP, FLORA])
    assert refused.exit_code != 0 and f"Sendy publishes other.iq for {FLORA}" in refused.output
    assert cli.invoke(args=["domains", "add", "https://shop.flora.iq/", FLORA]).exit_code != 0  # not a host
    assert _ask(client, SHOP) == 404

    sandbox.update_store(FLORA, custom_domain=SHOP)
    added = cli.invoke(args=["domains", "add", SHOP.upper(), FLORA])
    assert added.exit_code == 0, added.output
    _eventually(lambda: _ask(client, SHOP) == 200)  # the other process, without a restart
    assert FLORA_NAME in _on(client, SHOP).get_data(as_text=True)
    listing = cli.invoke(args=["domains", "list"]).output
    assert SHOP in listing and "served" in listing and f"www.{SHOP}" in listing

    removed = cli.invoke(args=["domains", "remove", SHOP])
    assert removed.exit_code == 0 and FLORA in removed.output
    _eventually(lambda: _ask(client, SHOP) == 404)
    _reread(worker, client, FLORA)  # Sendy still publishes it: the block holds
    assert _ask(client, SHOP) == 404 and "blocked" in cli.invoke(args=["domains", "list"]).output

    sandbox.update_store(TIGRIS, custom_domain="shop.tigris.iq")  # nobody has visited it yet
    synced = cli.invoke(args=["domains", "sync"])
    assert synced.exit_code == 0 and f"{TIGRIS}" in synced.output and "claims shop.tigris.iq" in synced.output
    _eventually(lambda: _ask(client, "shop.tigris.iq") == 200)
    for app in (worker, operator):
        app.extensions["sendy"].close()


def test_a_process_s_first_lookup_reads_the_registry_not_the_snapshot_it_was_born_with(redis_url) -> None:
    # gunicorn preloads the app and forks: a worker (or the image lane's) starts with its parent's
    # snapshot, which may be hours old. A claim made since must be served on its very first request.
    born = LiveDomains({}, [PLATFORM], redis_url, refresh=60.0)  # no refresher would run in time
    elsewhere = LiveDomains({}, [PLATFORM], redis_url)
    elsewhere.observe(FLORA, SHOP)
    assert born.slug_for(SHOP) == FLORA
    assert born.redirect_for(f"www.{SHOP}") == SHOP


def test_the_cli_refuses_without_a_shared_registry(app) -> None:
    result = app.test_cli_runner().invoke(args=["domains", "list"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def test_the_ask_endpoint_keeps_its_answers_while_redis_is_down(sandbox) -> None:
    with redis_server() as url:
        app = make_app(sandbox, PLATFORM_HOST=PLATFORM, REDIS_URL=url)
        client = app.test_client()
        sandbox.update_store(FLORA, custom_domain=SHOP)
        _read(client, FLORA)
        assert _ask(client, SHOP) == 200
    # redis-server is gone now
    registry = app.extensions["domains"]
    assert registry.reload() is False  # it cannot be read: the last known answers stand
    started = time.monotonic()
    answers = [_ask(client, host) for host in (SHOP, f"www.{SHOP}", PLATFORM, "nobody.example")]
    assert answers == [200, 200, 200, 404]
    assert time.monotonic() - started < 1.0  # memory only: no Redis timeout on the way
    app.extensions["sendy"].close()


# -- two gunicorn workers ------------------------------------------------------------------------
def test_a_domain_added_while_gunicorn_runs_is_served_by_both_workers_within_seconds(tmp_path) -> None:
    sandbox = Sandbox()
    server, sendy_url = serve_in_thread(sandbox)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with redis_server() as redis_url, log.open("wb") as stderr:
        env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "SENDY_BASE_URL": sendy_url,
               "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()), "SECRET_KEY": "d" * 48,
               "REDIS_URL": redis_url, "STOREFRONT_ENV": "development", "LOG_FORMAT": "json",
               "PLATFORM_HOST": f"127.0.0.1:{port}"}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            base = f"http://127.0.0.1:{port}"
            _eventually(lambda: _up(base), 30)
            assert _get(base, "/", SHOP).status_code == 404  # not ours yet, in any worker

            sandbox.update_store(FLORA, custom_domain=SHOP)
            added_at = time.monotonic()
            cli = subprocess.run([sys.executable, "-m", "flask", "--app", "storefront", "domains", "add", SHOP, FLORA],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            assert cli.returncode == 0, cli.stderr
            command = time.monotonic() - added_at  # mostly Python starting up (slow on a loaded machine)
            added_at = time.monotonic()  # the registry holds the domain from here on
            served: dict[int, float] = {}  # worker pid → seconds from `domains add` to its first page
            deadline = time.monotonic() + 15
            while len(served) < 2 and time.monotonic() < deadline:
                response = _get(base, "/", SHOP)
                pid = _pid(log, response.headers.get("X-Request-Id", ""))
                if response.status_code == 200 and pid:
                    assert FLORA_NAME in response.text
                    served.setdefault(pid, time.monotonic() - added_at)
                elif pid in served:
                    raise AssertionError(f"worker {pid} served the domain, then refused it")
                time.sleep(0.02)
            assert len(served) == 2, f"not every worker serves {SHOP}: {served}"
            assert max(served.values()) < 10
            print(f"\n`domains add` ran {command:.2f} s; both workers served it {max(served.values()):.2f} s later")
            ask = httpx.get(f"{base}/-/tls/ask", params={"domain": SHOP}, timeout=5)
            assert ask.status_code == 200
        finally:
            proc.terminate()
            proc.wait(20)
            server.shutdown()
            server.server_close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _get(base: str, path: str, host: str) -> httpx.Response:
    """One request on its own connection (any worker may take it), as a browser on ``host``."""
    with httpx.Client(timeout=5) as client:
        return client.get(base + path, headers={"Host": host})


def _pid(log: Path, request_id: str) -> int | None:
    """The worker that served a request, from the JSON access log."""
    if not request_id:
        return None
    for _ in range(50):  # the line is written as the response leaves
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{") and request_id in line:
                entry = json.loads(line)
                if entry.get("request_id") == request_id:
                    return int(entry["pid"])
        time.sleep(0.02)
    return None

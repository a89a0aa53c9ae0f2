"""deploy/varnish.vcl under a real Varnish (Debian's varnish 7.1 + varnish-modules' xkey), on loopback.

Started by the test: varnishd in the foreground with a generated backend.vcl pointing at the app
served over HTTP; the app purges it by xkey (CDN_PURGE=varnish+http://…) when a webhook arrives.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import FLORA, TIGRIS, make_app
from helpers.servers import free_port, serve_wsgi, stop
from test_webhooks import PATH, ROSE, ROSE_URL, SECRET, change_price, event, signed

from storefront.sendy.sandbox import Sandbox
from storefront.services import cdn

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("varnishd"),
                                                   reason="varnishd not installed (make test installs it)")]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Counting:
    """The app's WSGI callable, counting the requests that reach it (Varnish's misses and passes)."""

    def __init__(self, app: Any) -> None:
        self.app, self.paths = app, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.paths.append(environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)


def start_varnish(workdir: Path, backend_port: int, purgers: tuple[str, ...] = ("127.0.0.1",)) -> tuple[
        subprocess.Popen[bytes], str]:
    """varnishd on a free loopback port, deploy/varnish.vcl with a backend.vcl written for this app."""
    port = free_port()
    acl = "\n".join(f'    "{address}";' for address in purgers)
    (workdir / "backend.vcl").write_text(
        f'backend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; }}\nacl purgers {{\n{acl}\n}}\n')
    with (workdir / "varnishd.log").open("wb") as log:
        proc = subprocess.Popen(["varnishd", "-F", "-j", "none", "-n", str(workdir / "n"), "-a", f"127.0.0.1:{port}",
                                 "-T", "none", "-f", str(ROOT / "deploy" / "varnish.vcl"),
                                 "-p", f"vcl_path={workdir}:{ROOT / 'deploy'}", "-s", "malloc,32m"],
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError((workdir / "varnishd.log").read_text(errors="replace")[-3000:])
        try:
            httpx.get(url + "/healthz", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("varnishd did not come up")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("varnish")
    sandbox = Sandbox()
    app = make_app(sandbox, SENDY_WEBHOOK_SECRETS=json.dumps({FLORA: SECRET}), SANDBOX_WEBHOOKS=False,
                   CDN_PURGE="varnish+http://127.0.0.1:9", WEBHOOK_SLEEP=lambda seconds: None)
    counting = Counting(app.wsgi_app)
    app.wsgi_app = counting  # type: ignore[method-assign]
    server, app_url = serve_wsgi(app, "storefront")
    proc, url = start_varnish(workdir, int(app_url.rsplit(":", 1)[1]))
    app.extensions["cdn"].close()
    app.extensions["cdn"] = cdn.build(f"varnish+{url}")  # Varnish's port is known only now
    try:
        yield {"url": url, "app": app, "sandbox": sandbox, "backend": counting, "workdir": workdir}
    finally:
        proc.terminate()
        proc.wait(20)
        stop(server)
        app.extensions["sendy"].close()
        app.extensions["cdn"].close()


def shopper(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Origin": base}, timeout=10)


def add_to_cart(client: httpx.Client, prefix: str, sku: str) -> None:
    response = client.post(f"{prefix}/cart/add", data={"sku": sku})
    assert response.status_code == 303, response.text[:300]
    assert client.cookies  # the session (and the cart count) cookies


def test_public_pages_are_cached_for_shoppers_with_cookies(stack: dict[str, Any]) -> None:
    base, backend = stack["url"], stack["backend"]
    with shopper(base) as ana, shopper(base) as bob, shopper(base) as nobody:
        add_to_cart(ana, f"/{FLORA}/en", ROSE)
        add_to_cart(bob, f"/{FLORA}/en", "FLR-TULIP-10")
        url = f"/{FLORA}/en/"
        first = nobody.get(url)
        assert first.status_code == 200
        before = backend.paths.count(url)
        for client in (ana, bob, nobody, ana, bob):
            page = client.get(url)
            assert page.status_code == 200 and page.headers["X-Cache"] == "HIT"
            assert "xkey" not in page.headers and "set-cookie" not in page.headers
        assert backend.paths.count(url) == before  # five views, none reached the app


def test_private_pages_are_never_cached_for_two_shoppers(stack: dict[str, Any]) -> None:
    base, backend = stack["url"], stack["backend"]
    with shopper(base) as ana, shopper(base) as bob:
        add_to_cart(ana, f"/{TIGRIS}", "TGR-CASE-IP15")
        add_to_cart(bob, f"/{TIGRIS}", "TGR-CHG-20W")
        for _ in range(2):
            carts = {name: client.get(f"/{TIGRIS}/cart") for name, client in (("ana", ana), ("bob", bob))}
            assert "TGR-CASE-IP15" in carts["ana"].text and "TGR-CHG-20W" not in carts["ana"].text
            assert "TGR-CHG-20W" in carts["bob"].text and "TGR-CASE-IP15" not in carts["bob"].text
            for response in carts.values():
                assert response.headers["X-Cache"] == "MISS"
                assert response.headers["Cache-Control"] == "private, no-store"
        checkout = ana.get(f"/{TIGRIS}/checkout")
        token = CSRF.search(checkout.text)
        assert token and checkout.headers["X-Cache"] == "MISS"
        assert CSRF.search(bob.get(f"/{TIGRIS}/checkout").text).group(1) != token.group(1)
    assert backend.paths.count(f"/{TIGRIS}/cart") >= 4


def test_a_webhook_purges_the_store_from_varnish(stack: dict[str, Any]) -> None:
    base, sandbox = stack["url"], stack["sandbox"]
    with shopper(base) as client:
        client.get(ROSE_URL)
        cached = client.get(ROSE_URL)
        assert cached.headers["X-Cache"] == "HIT" and "35,000" in cached.text
        change_price(sandbox, 21_000)
        assert "35,000" in client.get(ROSE_URL).text  # Varnish still has the old page
        body, headers = signed(event())
        answer = client.post(PATH, content=body, headers=headers)  # through Varnish (passed)
        assert answer.status_code == 200 and answer.json()["status"] == "recorded"
        deadline = time.monotonic() + 3
        while "21,000" not in client.get(ROSE_URL).text and time.monotonic() < deadline:
            time.sleep(0.05)
        fresh = client.get(ROSE_URL)
        assert "21,000" in fresh.text and "35,000" not in fresh.text


def test_purges_only_from_the_app(stack: dict[str, Any]) -> None:
    base = stack["url"]
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as outsider:
        refused = outsider.request("PURGE", base + "/", headers={"xkey-purge": f"store:{FLORA}"})
        assert refused.status_code == 403
    allowed = httpx.request("PURGE", base + "/", headers={"xkey-purge": "store:nothing-here"})
    assert allowed.status_code == 200
    assert httpx.request("PURGE", base + "/").status_code == 400


def test_the_index_is_not_shared_between_languages(stack: dict[str, Any]) -> None:
    base = stack["url"]
    for _ in range(2):
        arabic = httpx.get(base + "/", headers={"Accept-Language": "ar"})
        english = httpx.get(base + "/", headers={"Accept-Language": "en"})
        assert 'lang="ar-IQ"' in arabic.text and 'lang="en' in english.text
        assert arabic.headers["X-Cache"] == "MISS"
    chosen = httpx.get(base + "/", headers={"Accept-Language": "ar", "Cookie": "sf_lang=en"})
    assert 'lang="en' in chosen.text  # the language cookie still reaches the index


def test_a_missing_page_is_cached_briefly(stack: dict[str, Any]) -> None:
    base = stack["url"]
    url = base + f"/{FLORA}/en/p/NO-SUCH-PRODUCT"
    first = httpx.get(url)
    second = httpx.get(url, headers={"Cookie": "session=whatever"})
    assert first.status_code == second.status_code == 404
    assert second.headers["X-Cache"] == "HIT" and second.headers["Cache-Control"] == "public, max-age=60"


def test_a_whole_order_through_varnish(stack: dict[str, Any]) -> None:
    """Cart, checkout, code and confirmation keep the shopper's session through Varnish."""
    base, sandbox = stack["url"], stack["sandbox"]
    with shopper(base) as client:
        add_to_cart(client, f"/{FLORA}/en", ROSE)
        areas = client.get(f"/{FLORA}/en/checkout/areas?province=BG").json()
        form = CSRF.search(client.get(f"/{FLORA}/en/checkout").text)
        assert form
        sent = client.post(f"/{FLORA}/en/checkout", data={
            "csrf_token": form.group(1), "action": "continue", "name": "Ali Hassan", "phone": "07701112233",
            "province": "BG", "area": areas[0]["id"], "address": "Karrada, near the mosque"})
        assert sent.status_code == 303, sent.text[:300]
        page = client.get(f"/{FLORA}/en/checkout/code")
        token = CSRF.search(page.text)
        assert token and page.headers["X-Cache"] == "MISS"
        placed = client.post(f"/{FLORA}/en/checkout/code", data={
            "csrf_token": token.group(1), "action": "verify", "code": sandbox.last_otp("9647701112233")})
        assert placed.status_code == 303, placed.text[:300]
        confirmation = client.get(placed.headers["location"])
        assert confirmation.status_code == 200
        assert sandbox.orders[-1]["response"]["publicId"] in confirmation.text
        assert confirmation.headers["Cache-Control"] == "private, no-store"
        assert confirmation.headers["X-Cache"] == "MISS" and len(sandbox.orders) == 1

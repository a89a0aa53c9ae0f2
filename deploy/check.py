"""`make deploy-check`: the whole production stack on loopback, and a shopper through it over HTTPS.

Starts, each on a free 127.0.0.1 port and with Debian's own packages: redis-server with
deploy/redis.conf, the sandbox over HTTP (standing in for Sendy), gunicorn with two workers and the
production settings (keys from SENDY_API_KEYS_FILE), and Caddy with deploy/Caddyfile (its internal
CA instead of Let's Encrypt: `local_certs`, never installed into the system's trust store). Then,
while everything runs, the merchant sets a custom domain in "Sendy", the operator runs
`flask domains add`, and a shopper opens that domain over HTTPS (the test CA trusted for this
client only), adds a product, gets a code and places an order. Also checked: http → https, the
www. twin's redirect, a host nobody claims gets no certificate. Everything is torn down at the end,
also on failure. Prints the time from `domains add` to the first HTTPS page. Exit 0 when it all
worked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
METRICS_TOKEN = "deploy-check-metrics-" + "m" * 24
PLATFORM = "shops.test"
DOMAIN = "flora-shop.test"
SLUG = "flora-baghdad"
SKU = "FLR-ROSE-12"
PHONE = "07701234567"
KARRADA = "05816229-b7ca-5be1-9515-28ae95d5052f"  # an area of Baghdad in Sendy's (the sandbox's) reference
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> float:
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except (httpx.HTTPError, OSError, ssl.SSLError):
            pass
        if time.monotonic() - start > seconds:
            raise SystemExit(f"deploy-check: {what} not within {seconds:.0f} s")
        time.sleep(0.1)


@contextmanager
def process(name: str, args: list[str], env: dict[str, str], logs: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, stopped (SIGTERM, then SIGKILL) when the block ends; its output in logs/<name>.log."""
    log = (logs / f"{name}.log").open("wb")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()


class Loopback(httpx.HTTPTransport):
    """Every host name resolves to 127.0.0.1 (curl's --resolve): TLS still checks the name asked for."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        extensions = {**request.extensions, "sni_hostname": request.url.host}
        routed = httpx.Request(request.method, request.url.copy_with(host="127.0.0.1"), headers=request.headers,
                               stream=request.stream, extensions=extensions)
        return super().handle_request(routed)  # the client still files cookies under the name it asked for


def shopper(ca: Path) -> httpx.Client:
    """A browser that trusts Caddy's test CA (and nothing else new) and reaches every host on loopback."""
    context = ssl.create_default_context(cafile=str(ca))
    # no connection reuse: the pool is keyed by 127.0.0.1, and each host needs its own TLS handshake (SNI)
    transport = Loopback(verify=context, limits=httpx.Limits(max_keepalive_connections=0))
    return httpx.Client(transport=transport, timeout=20, follow_redirects=False)


def token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise SystemExit("deploy-check: no CSRF token on the page")
    return match.group(1)


def expect(response: httpx.Response, status: int, what: str) -> httpx.Response:
    if response.status_code != status:
        raise SystemExit(f"deploy-check: {what}: {response.status_code}, expected {status}\n{response.text[:500]}")
    return response


@dataclass
class Stack:
    """The running stack: where each part listens, the app's environment, Caddy's test CA."""

    ports: dict[str, int]
    app_env: dict[str, str]
    tmp: Path

    @property
    def sendy(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendy']}"

    @property
    def app(self) -> str:
        return f"http://127.0.0.1:{self.ports['app']}"

    @property
    def ca(self) -> Path:
        return self.tmp / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"


@contextmanager
def stack(name: str = "deploy-check") -> Iterator[Stack]:
    """Redis, the sandbox as Sendy, gunicorn (2 workers) and Caddy on free loopback ports; all stopped after."""
    for tool in ("caddy", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"{name}: {tool} is not installed (make deploy-check installs it)")
    from storefront.sendy.sandbox import Sandbox  # the seed's demo keys, as an operator would copy them

    keys = Sandbox().demo_api_keys()
    ports = {part: free_port() for part in ("redis", "sendy", "app", "images", "http", "https", "admin")}
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f"storefront-{name}-"))
    logs = tmp / "logs"
    logs.mkdir()
    keys_file = tmp / "api-keys.json"
    keys_file.write_text(json.dumps(keys), encoding="utf-8")
    keys_file.chmod(0o600)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDY_", "STORE_", "REDIS_"))}
    sendy = f"http://127.0.0.1:{ports['sendy']}"
    app_env = {**base_env,
               "SENDY_BASE_URL": sendy, "SENDY_API_KEYS_FILE": str(keys_file),
               "SECRET_KEY": "deploy-check-" + "s" * 48, "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
               "STOREFRONT_ENV": "production", "PLATFORM_HOST": PLATFORM, "TRUSTED_PROXIES": "1",
               "BIND": f"127.0.0.1:{ports['app']}", "WEB_CONCURRENCY": "2", "IMAGE_CACHE_DIR": str(tmp / "images"),
               "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"), "LOG_LEVEL": "WARNING",
               "METRICS_TOKEN": METRICS_TOKEN}
    # The image lane (deploy/storefront-images.service): the same settings, its own port and metrics.
    images_env = {**app_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics-images")}
    caddy_env = {**base_env, "UPSTREAM": f"127.0.0.1:{ports['app']}", "IMAGE_UPSTREAM": f"127.0.0.1:{ports['images']}",
                 "ACME_EMAIL": "deploy-check@example.com",
                 "HTTP_PORT": str(ports["http"]), "HTTPS_PORT": str(ports["https"]),
                 "HTTPS_REDIRECT_PORT": f":{ports['https']}", "CADDY_ADMIN": f"127.0.0.1:{ports['admin']}",
                 "CADDY_ISSUER": "local_certs\nskip_install_trust",
                 "XDG_DATA_HOME": str(tmp / "caddy-data"), "XDG_CONFIG_HOME": str(tmp / "caddy-config")}
    http, https = ports["http"], ports["https"]
    ok = False
    try:
        with ExitStack() as running:
            step(f"redis-server (deploy/redis.conf) on {ports['redis']}")
            running.enter_context(process("redis", ["redis-server", str(ROOT / "deploy" / "redis.conf"),
                                                    "--port", str(ports["redis"]), "--dir", str(tmp)], base_env, logs))
            step(f"the sandbox over HTTP as Sendy on {ports['sendy']}")
            running.enter_context(process("sendy", [str(BIN / "flask"), "--app", "storefront", "sandbox", "serve",
                                                    "--port", str(ports["sendy"]), "--no-demo"], base_env, logs))
            step(f"gunicorn, 2 workers, on {ports['app']}")
            running.enter_context(process("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], app_env,
                                          logs))
            step(f"the image lane: gunicorn at idle CPU priority on {ports['images']}")
            running.enter_context(process("gunicorn-images", ["chrt", "--idle", "0", "nice", "-n", "10",
                                                              str(BIN / "gunicorn"), "-c",
                                                              "gunicorn.conf.py", "--bind",
                                                              f"127.0.0.1:{ports['images']}"], images_env, logs))
            step(f"caddy (deploy/Caddyfile, internal CA) on {http} and {https}")
            running.enter_context(process("caddy", ["caddy", "run", "--config", str(ROOT / "deploy" / "Caddyfile"),
                                                    "--adapter", "caddyfile"], caddy_env, logs))
            wait_for("the sandbox", lambda: httpx.get(f"{sendy}/api/v1/address-reference/provinces").is_success)
            wait_for("gunicorn", lambda: httpx.get(f"http://127.0.0.1:{ports['app']}/readyz").is_success)
            wait_for("the image lane", lambda: httpx.get(f"http://127.0.0.1:{ports['images']}/healthz").is_success)
            wait_for("caddy", lambda: httpx.get(f"http://127.0.0.1:{http}/").status_code == 308)
            step(f"all up in {time.monotonic() - started:.1f} s")
            up = Stack(ports, app_env, tmp)
            wait_for("Caddy's test CA", up.ca.exists, 10)

            def platform_up() -> bool:
                with shopper(up.ca) as browser:  # the platform host gets its certificate on the first visit
                    return browser.get(f"https://{PLATFORM}:{https}/healthz").status_code == 200

            wait_for("the platform over HTTPS", platform_up, 30)
            yield up
        ok = True
    finally:
        if not ok:
            for log in sorted(logs.glob("*.log")):
                print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-25:]))
        shutil.rmtree(tmp, ignore_errors=True)
    step(f"{name}: everything torn down ({time.monotonic() - started:.1f} s in all)")


def main() -> int:
    with stack() as up:
        run_shopper(up.ca, up.sendy, up.app_env, up.ports["https"], up.ports["http"], up.ports["app"],
                    up.ports["images"])
    step("deploy-check passed")
    return 0


def image_requests(port: int) -> float:
    """How many image requests (route ``images.image``) the gunicorn on ``port`` has answered."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("storefront_http_requests_total{") and 'route="images.image"' in line)


def run_shopper(ca: Path, sendy: str, app_env: dict[str, str], https: int, http: int, app_port: int,
                images_port: int) -> None:
    platform = f"https://{PLATFORM}:{https}"
    with shopper(ca) as browser:
        expect(browser.get(f"{platform}/{SLUG}/"), 200, "the store on the platform host")
        try:
            early = browser.get(f"https://{DOMAIN}:{https}/")
            raise SystemExit(f"deploy-check: {DOMAIN} got a certificate before any store claimed it "
                             f"({early.status_code} {early.text[:80]!r})")
        except httpx.ConnectError:
            pass  # no certificate for a host the app does not serve
    step(f"the merchant sets {DOMAIN} in Sendy; the operator runs `flask domains add {DOMAIN} {SLUG}`")
    expect(httpx.post(f"{sendy}/__sandbox/stores/{SLUG}", json={"customDomain": DOMAIN}), 200, "the sandbox hook")
    added = time.monotonic()
    command = subprocess.run([str(BIN / "flask"), "--app", "storefront", "domains", "add", DOMAIN, SLUG], cwd=ROOT,
                             env=app_env, capture_output=True, text=True, timeout=60)
    if command.returncode != 0:
        raise SystemExit(f"deploy-check: domains add failed: {command.stdout}{command.stderr}")
    ran = time.monotonic() - added

    def domain_up() -> bool:
        with shopper(ca) as browser:
            return browser.get(f"https://{DOMAIN}:{https}/").status_code == 200

    served = wait_for(f"{DOMAIN} over HTTPS", domain_up, 30)
    step(f"`domains add` ran {ran:.1f} s; the first HTTPS page on {DOMAIN} {served:.1f} s later "
         f"({ran + served:.1f} s in all)")

    base = f"https://{DOMAIN}:{https}"
    with shopper(ca) as browser:
        product = expect(browser.get(f"{base}/p/{SKU}"), 200, "the product page on the custom domain")
        if f'href="https://{DOMAIN}' not in product.text and 'rel="canonical"' in product.text:
            raise SystemExit("deploy-check: the canonical link is not on the custom domain")
        # Caddy hands the app host names as they are on 443 (header_up Host {host}): the Origin a browser
        # sends there. (On this test port a browser would add ":port", which production never has.)
        photo = re.search(r'/img/[^"\s]+?\.(?:jpg|webp|avif)', product.text)
        if photo is None:
            raise SystemExit("deploy-check: no product photo on the product page")
        shown = expect(browser.get(base + photo.group(0)), 200, "a product photo through Caddy")
        if not shown.headers.get("Content-Type", "").startswith("image/"):
            raise SystemExit(f"deploy-check: the photo came back as {shown.headers.get('Content-Type')}")
        lane, pages = image_requests(images_port), image_requests(app_port)
        if lane < 1 or pages:
            raise SystemExit(f"deploy-check: images answered by the image lane {lane:g}, by the pages' "
                             f"gunicorn {pages:g} (Caddy must route /img/* to the lane only)")
        step("a product photo over HTTPS came from the image lane (Caddy's /img/* route), none from the pages")
        origin = {"Origin": f"https://{DOMAIN}", "Referer": f"https://{DOMAIN}/p/{SKU}"}
        expect(browser.post(f"{base}/cart/add", data={"sku": SKU, "quantity": "1"}, headers=origin), 303,
               "add to cart")
        form = expect(browser.get(f"{base}/checkout"), 200, "the checkout form")
        details = {"csrf_token": token(form.text), "name": "زبون التجربة", "phone": PHONE, "province": "BG",
                   "area": KARRADA, "address": "الكرادة، شارع 62، قرب الجسر", "action": "continue"}
        origin["Referer"] = f"https://{DOMAIN}/checkout"
        sent = expect(browser.post(f"{base}/checkout", data=details, headers=origin), 303, "the delivery form")
        page = expect(browser.get(base + sent.headers["Location"]), 200, "the code page")
        code = expect(httpx.get(f"{sendy}/__sandbox/otp/964{PHONE[1:]}"), 200, "the sandbox's code").json()["code"]
        origin["Referer"] = f"https://{DOMAIN}/checkout/code"
        placed = expect(browser.post(f"{base}/checkout/code", data={"csrf_token": token(page.text), "code": code,
                                                                    "action": "verify"}, headers=origin),
                        303, "place the order")
        receipt = expect(browser.get(base + placed.headers["Location"]), 200, "the order page")
        if "/orders/" not in placed.headers["Location"] or SKU not in json.dumps(_orders(sendy)):
            raise SystemExit("deploy-check: the order did not reach Sendy")
        if "sk_sandbox" in receipt.text or "sk_sandbox" in product.text:
            raise SystemExit("deploy-check: an API key in a page")
        step("a shopper placed an order over HTTPS on the custom domain")
        moved = expect(browser.get(f"http://{DOMAIN}:{http}/p/{SKU}"), 308, "http → https")
        if moved.headers["Location"] != f"{base}/p/{SKU}":
            raise SystemExit(f"deploy-check: http redirected to {moved.headers['Location']}")
    # The www. twin gets its own certificate on its first visit, as the domain did: a handshake may
    # fail while Caddy obtains it (on a loaded machine), so the first 301 is waited for like the domain.
    twins: list[httpx.Response] = []

    def twin_up() -> bool:
        with shopper(ca) as browser:
            twins.append(browser.get(f"https://www.{DOMAIN}:{https}/p/{SKU}"))
            return twins[-1].status_code == 301

    wait_for(f"www.{DOMAIN} over HTTPS", twin_up, 30)
    if twins[-1].headers["Location"] != f"https://{DOMAIN}/p/{SKU}":
        raise SystemExit(f"deploy-check: www. redirected to {twins[-1].headers['Location']}")
    ask = httpx.get(f"http://127.0.0.1:{app_port}/-/tls/ask", params={"domain": "nobody.test"})
    expect(ask, 404, "the ask endpoint for a host nobody claims")
    step("http → https, www. → the domain, no certificate for strangers: ok")


def _orders(sendy: str) -> Any:
    return httpx.get(f"{sendy}/__sandbox/orders").json()


if __name__ == "__main__":
    sys.exit(main())

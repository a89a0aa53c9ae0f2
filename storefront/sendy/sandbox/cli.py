"""Sandbox layer: serving the sandbox over real HTTP (a Flask CLI group and a test helper)."""

from __future__ import annotations

import json
import threading

import click
from flask.cli import AppGroup
from werkzeug.serving import BaseWSGIServer, make_server, run_simple

from storefront.sendy.sandbox.core import Sandbox

sandbox_cli = AppGroup("sandbox", help="The Sendy sandbox (a local stand-in for the Sendy API).")


@sandbox_cli.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data",
    "data_path",
    envvar="SANDBOX_DATA",
    type=click.Path(exists=True, dir_okay=False),
    help="Extra stores/provinces JSON overlaid on the seed (default: $SANDBOX_DATA).",
)
@click.option("--demo/--no-demo", default=True, show_default=True, help="Log each OTP code.")
@click.option("--dedupe/--no-dedupe", default=True, show_default=True,
              help="Answer an order under an externalRef already accepted with the first order.")
def serve(host: str, port: int, data_path: str | None, demo: bool, dedupe: bool) -> None:
    """Serve the sandbox over HTTP."""
    try:
        sandbox = Sandbox(data_path, demo=demo, dedupe=dedupe)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for slug, key in sandbox.demo_api_keys().items():
        click.echo(f"Store {slug}: key id {key.split('.', 1)[0]}")
    run_simple(host, port, sandbox.wsgi_app, threaded=True)


@sandbox_cli.command("keys", with_appcontext=False)
@click.option("--data", "data_path", envvar="SANDBOX_DATA", type=click.Path(exists=True, dir_okay=False))
def keys(data_path: str | None) -> None:
    """Print the sandbox stores' demo API keys as SENDY_API_KEYS JSON (sandbox keys only)."""
    click.echo(json.dumps(Sandbox(data_path).demo_api_keys()))


def serve_in_thread(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> tuple[BaseWSGIServer, str]:
    """Serve sandbox over HTTP from a daemon thread; return the server and its base URL."""
    server = make_server(host, port, sandbox.wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, name="sendy-sandbox", daemon=True).start()
    return server, f"http://{host}:{server.server_port}"


_URL_HELP = ("Where the sandbox's hooks answer: the storefront of `make run` (its embedded sandbox, loopback only), "
             "or `flask sandbox serve` (http://127.0.0.1:5001).")


@sandbox_cli.command("set-price", with_appcontext=False)
@click.argument("slug")
@click.argument("sku")
@click.argument("price", type=click.IntRange(min=0))
@click.option("--url", envvar="SANDBOX_URL", default="http://127.0.0.1:5000", show_default=True, help=_URL_HELP)
def set_price(slug: str, sku: str, price: int, url: str) -> None:
    """Change a product's price (IQD) in a running sandbox; the storefront hears of it by webhook."""
    _change(url, f"/__sandbox/stores/{slug}/products/{sku}", {"price": price})


@sandbox_cli.command("set-stock", with_appcontext=False)
@click.argument("slug")
@click.argument("sku")
@click.argument("quantity", type=click.IntRange(min=0))
@click.option("--url", envvar="SANDBOX_URL", default="http://127.0.0.1:5000", show_default=True, help=_URL_HELP)
def set_stock(slug: str, sku: str, quantity: int, url: str) -> None:
    """Change how many of a product are on hand (0: sold out) in a running sandbox."""
    _change(url, f"/__sandbox/stores/{slug}/products/{sku}", {"quantity": quantity})


def _change(base: str, path: str, body: dict[str, int]) -> None:
    import httpx

    try:
        response = httpx.post(base.rstrip("/") + path, json=body, timeout=30)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"no sandbox answered at {base} ({type(exc).__name__}): start `make run` "
                                   "(or `flask sandbox serve` and pass --url)") from None
    if response.status_code != 200:
        try:
            message = response.json().get("message")
        except ValueError:
            message = response.text[:200]
        raise click.ClickException(f"{response.status_code}: {message}")
    click.echo(f"Changed {path.rsplit('/products/', 1)[-1]}: {json.dumps(body)} (webhooks delivered)")

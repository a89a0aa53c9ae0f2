"""The image endpoint: signed URLs, safe fetching and decoding, stripped metadata, caching, limits.

Remote sources are served by a real HTTP server on loopback (allowed through IMAGE_HOSTS), or,
for the address checks, answered by an httpx mock transport behind an injected resolver, so the
test sees exactly which address the storefront would have connected to.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from helpers.app import FLORA
from helpers.app import make_app as storefront_app
from PIL import Image

from storefront.config import ConfigError, load_settings
from storefront.images import process
from storefront.images.diskcache import DiskCache
from storefront.images.sources import is_public
from storefront.images.urls import key_for, parse_variant
from storefront.sendy.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
SHOP = "pics"
GPS_TAG = 0x8825


# -- test images ------------------------------------------------------------------------------
def photo(size: tuple[int, int] = (800, 600), orientation: int = 1, colour: tuple[int, int, int] = (200, 60, 80),
          fmt: str = "JPEG") -> bytes:
    """A photo as a phone writes it: EXIF with make, orientation and a GPS position."""
    image = Image.new("RGB", size, colour)
    image.paste((250, 250, 250), (0, 0, size[0] // 2, size[1] // 4))  # the top-left is light
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "DemoPhone", orientation
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (33.0, 18.0, 50.0), 3: "E", 4: (44.0, 21.0, 40.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif, icc_profile=process._SRGB.tobytes(), **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a pixel bomb: no need to hold the pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def gif_two_frames() -> bytes:
    frames = [Image.new("P", (300, 200), 1), Image.new("P", (300, 200), 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


# -- a real origin on loopback ---------------------------------------------------------------
class Origin:
    """A threaded HTTP server on 127.0.0.1 with named routes; counts the hits of each path."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.hits: dict[str, int] = {}
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                origin.hits[self.path] = origin.hits.get(self.path, 0) + 1
                route = origin.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def body(self, path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        self.routes[path] = send
        return self.url(path)

    def redirect(self, path: str, location: str) -> str:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        self.routes[path] = send
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def shop(images: list[str], logo: str = "", cover: str = "") -> dict[str, Any]:
    """A store whose products show these images, one product each."""
    return {
        "slug": SHOP, "name": "Pics", "language": "en", "logoUrl": logo or None, "coverImageUrl": cover or None,
        "products": [{"id": f"p{i}", "sku": f"P-{i}", "name": f"Product {i}", "price": 1000, "imageUrls": [u],
                      "inStock": True} for i, u in enumerate(images)],
    }


def make_app(tmp_path: Path, sandbox: Sandbox, **config: Any) -> Flask:
    return storefront_app(sandbox, IMAGE_CACHE_DIR=str(tmp_path / "images"), IMAGE_FETCH_TIMEOUT=0.5,
                          IMAGE_FETCH_DEADLINE=1.5, **config)


@pytest.fixture
def images_app(tmp_path: Path, sandbox: Sandbox, origin: Origin) -> Iterator[Flask]:
    """The storefront with the loopback origin allowed (IMAGE_HOSTS) and a fresh image cache."""
    app = make_app(tmp_path, sandbox, IMAGE_HOSTS=origin.host)
    yield app
    app.extensions["sendy"].close()
    app.extensions["images"].fetcher.close()


def signed(app: Flask, source: str, name: str = "480.jpg", slug: str = SHOP) -> str:
    with app.test_request_context():
        return f"/img/{slug}/{key_for(slug, source)}/{name}"


def fetch_image(app: Flask, source: str, name: str = "480.jpg", slug: str = SHOP, **kwargs: Any) -> Any:
    return app.test_client().get(signed(app, source, name, slug), **kwargs)


def decoded(response: Any) -> Image.Image:
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image


def assert_placeholder(response: Any, fmt: str = "JPEG", size: tuple[int, int] = (480, 480)) -> None:
    assert response.status_code == 200
    image = decoded(response)
    assert (image.format, image.size) == (fmt, size)
    assert image.convert("RGB").getpixel((size[0] // 2, size[1] // 2)) == pytest.approx(process.NEUTRAL, abs=3)
    assert response.headers["Cache-Control"] == "public, max-age=600"


# -- signed URLs ------------------------------------------------------------------------------
def test_pages_emit_signed_picture_markup_for_every_merchant_image(app: Flask) -> None:
    html = app.test_client().get(f"/{FLORA}/").get_data(as_text=True)
    assert "/static/img/photos/" not in html.split("</head>")[1]  # no original reaches the page body
    picture = re.search(r"<picture>.*?</picture>", html.split('class="hero"')[1], re.S)
    assert picture
    markup = picture.group(0)
    assert '<source type="image/avif" srcset="' in markup and '<source type="image/webp" srcset="' in markup
    assert re.search(r'<img src="/img/flora-baghdad/[\w-]{16}/720\.jpg" srcset="[^"]+ 480w,[^"]+1440w" sizes=', markup)
    assert 'width="1200" height="630"' in markup and 'fetchpriority="high"' in markup


def test_the_first_card_is_eager_and_far_cards_lazy(app: Flask) -> None:
    html = app.test_client().get(f"/{FLORA}/").get_data(as_text=True)
    cards = re.findall(r'<li class="card">.*?</li>', html, re.S)
    imgs = [re.search(r"<img [^>]+>", card).group(0) for card in cards]  # type: ignore[union-attr]
    assert 'fetchpriority="high"' in imgs[0] and "loading" not in imgs[0]
    assert all('loading' not in img for img in imgs[1:4])  # the first two rows of two, on a phone
    assert all('loading="lazy" decoding="async"' in img for img in imgs[4:])
    assert all('width="400" height="400"' in img for img in imgs)


def test_every_demo_image_resolves_and_comes_back_resized(app: Flask) -> None:
    html = app.test_client().get(f"/{FLORA}/p/FLR-ROSE-12").get_data(as_text=True)
    src = re.search(r'<div class="gallery"[^>]*>.*?<img src="([^"]+)"', html, re.S).group(1)  # type: ignore[union-attr]
    response = app.test_client().get(src)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = decoded(response)
    assert image.width == 720 and image.format == "JPEG"
    assert "Set-Cookie" not in response.headers
    assert "accept" not in [v.strip().lower() for v in response.headers.get("Vary", "").split(",")]


@pytest.mark.parametrize("change", ["key", "slug", "width", "format", "og", "zero", "unsigned"])
def test_tampered_and_unsigned_urls_are_404(app: Flask, change: str) -> None:
    source = "/static/img/photos/flora-baghdad/flr-rose-12.jpg"
    url = signed(app, source, "480.jpg", FLORA)
    key = url.split("/")[3]
    bad = {
        "key": url.replace(key, key[:-1] + ("A" if key[-1] != "A" else "B")),
        "slug": url.replace(f"/{FLORA}/", "/tigris-tech/"),  # a key of one store is not another's
        "width": url.replace("480.jpg", "500.jpg"),
        "format": url.replace("480.jpg", "480.png"),
        "og": url.replace("480.jpg", "og.webp"),
        "zero": url.replace("480.jpg", "0480.jpg"),
        "unsigned": f"/img/{FLORA}/{'A' * 16}/480.jpg",
    }[change]
    response = app.test_client().get(bad)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert app.test_client().get(url).status_code == 200


def test_a_signed_url_for_an_image_the_store_does_not_show_is_404(app: Flask) -> None:
    """Signing alone is not enough: the key must be one of the store's own images."""
    for source in ("/static/css/site.css", "https://example.com/a.jpg", "/static/img/photos/tigris-tech/cover.jpg"):
        assert fetch_image(app, source, slug=FLORA).status_code == 404
    assert app.test_client().get(f"/img/no-such-store/{'A' * 16}/480.jpg").status_code == 404


def test_parse_variant() -> None:
    assert parse_variant("480.avif") and parse_variant("og.jpg") and parse_variant("1440.webp")
    for name in ("480", "480.gif", "481.jpg", "og.avif", "-480.jpg", "480.jpg.jpg", "４８０.jpg", ""):
        assert parse_variant(name) is None, name


# -- decoding, stripping, formats ---------------------------------------------------------------
def test_metadata_is_stripped_in_every_format(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    source = origin.body("/gps.jpg", photo())
    sandbox.add_store(shop([source]))
    original = Image.open(io.BytesIO(photo()))
    assert original.getexif().get_ifd(GPS_TAG) and original.info.get("icc_profile")  # the source has them
    for name, fmt, ctype in (("480.jpg", "JPEG", "image/jpeg"), ("480.webp", "WEBP", "image/webp"),
                             ("480.avif", "AVIF", "image/avif"), ("og.jpg", "JPEG", "image/jpeg")):
        response = fetch_image(images_app, source, name)
        assert response.status_code == 200 and response.mimetype == ctype
        image = decoded(response)
        assert image.format == fmt
        assert not image.getexif() and not image.getexif().get_ifd(GPS_TAG)
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(image.info)
        for marker in (b"Exif\0", b"GPS", b"DemoPhone", b"ICC_PROFILE", b"http://ns.adobe.com/xap"):
            assert marker not in response.data, (name, marker)
    assert origin.hits["/gps.jpg"] == 1  # four variants, one fetch


def test_the_url_names_the_format_whatever_the_accept_header(images_app: Flask, sandbox: Sandbox,
                                                             origin: Origin) -> None:
    source = origin.body("/a.jpg", photo())
    sandbox.add_store(shop([source]))
    for accept in ("image/avif,image/webp,*/*", "image/jpeg", "*/*", ""):
        response = fetch_image(images_app, source, "360.avif", headers={"Accept": accept})
        assert response.mimetype == "image/avif" and decoded(response).size == (360, 270)
        assert "accept" not in [v.strip().lower() for v in response.headers.get("Vary", "").split(",")]


def test_exif_orientation_is_applied(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    source = origin.body("/sideways.jpg", photo((800, 600), orientation=6))
    sandbox.add_store(shop([source]))
    image = decoded(fetch_image(images_app, source, "240.jpg"))
    assert image.size == (240, 320)  # stored landscape, shown portrait
    assert image.getpixel((image.width - 10, 10))[1] > 200  # the light corner turned to the top-right


def test_png_with_transparency_and_gif_first_frame(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    rgba = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    rgba.paste((10, 120, 200, 255), (100, 100, 300, 300))
    out = io.BytesIO()
    rgba.save(out, "PNG")
    logo = origin.body("/logo.png", out.getvalue(), "image/png")
    anim = origin.body("/anim.gif", gif_two_frames(), "image/gif")
    sandbox.add_store(shop([anim], logo=logo))
    flat = decoded(fetch_image(images_app, logo, "160.jpg"))
    assert flat.size == (160, 160) and flat.getpixel((2, 2)) == pytest.approx((255, 255, 255), abs=3)
    frame = decoded(fetch_image(images_app, anim, "160.webp"))
    assert frame.size == (160, 107) and not getattr(frame, "is_animated", False)


def test_a_small_original_is_not_enlarged(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    source = origin.body("/small.jpg", photo((300, 200)))
    sandbox.add_store(shop([source]))
    assert decoded(fetch_image(images_app, source, "1440.jpg")).size == (300, 200)


def test_the_link_preview_is_a_1200x630_jpeg_under_300_kb(images_app: Flask, sandbox: Sandbox,
                                                          origin: Origin) -> None:
    noisy = Image.effect_noise((2400, 1800), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    source = origin.body("/noisy.jpg", out.getvalue())
    sandbox.add_store(shop([source], cover=source))
    response = fetch_image(images_app, source, "og.jpg")
    assert decoded(response).size == (1200, 630) and len(response.data) <= 300_000
    html = images_app.test_client().get(f"/{SHOP}/").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://localhost{signed(images_app, source, "og.jpg")}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="630">' in html


def test_the_demo_photo_tool_writes_gps_so_stripping_is_exercised() -> None:
    sample = ROOT / "static" / "img" / "photos" / FLORA / "flr-rose-12.jpg"
    with Image.open(sample) as image:
        assert image.size == (4000, 3000) and image.getexif().get_ifd(GPS_TAG)
    assert 1_000_000 < sample.stat().st_size < 4_000_000


# -- failing sources: placeholder, remembered, logged once ---------------------------------------
def test_a_non_image_gets_the_placeholder_remembered_and_logged_once(images_app: Flask, sandbox: Sandbox,
                                                                     origin: Origin,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    source = origin.body("/page.html", b"<html>not an image</html>", "text/html")
    sandbox.add_store(shop([source]))
    with caplog.at_level(logging.WARNING, "storefront.images"):
        for name in ("480.jpg", "480.jpg", "480.webp"):
            response = fetch_image(images_app, source, name)
    assert_placeholder(response, "WEBP")
    assert origin.hits["/page.html"] == 1  # remembered: not fetched again
    assert len([r for r in caplog.records if "image source failed" in r.getMessage()]) == 1


@pytest.mark.parametrize("kind", ["svg", "bomb", "bomb-warning", "truncated", "empty", "missing", "tiff"])
def test_what_is_not_an_accepted_image_gets_the_placeholder(images_app: Flask, sandbox: Sandbox,
                                                            origin: Origin, kind: str) -> None:
    tiff = io.BytesIO()
    Image.new("RGB", (50, 50)).save(tiff, "TIFF")
    body = {"svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
            "bomb": png_header(20_000, 20_000),  # 400 MP: refused before decoding
            "bomb-warning": png_header(7_000, 7_000),  # 49 MP: between our cap and Pillow's hard limit
            "truncated": photo()[:2000], "empty": b"", "tiff": tiff.getvalue()}.get(kind)
    source = origin.body(f"/{kind}", body) if body is not None else origin.url("/missing")
    sandbox.add_store(shop([source]))
    assert_placeholder(fetch_image(images_app, source))


def test_pixel_cap_is_checked_before_decoding() -> None:
    with pytest.raises(process.BadImage, match="pixels|bomb"):
        process.open_image(png_header(7_000, 6_000))
    process.open_image(png_header(6_000, 6_000))  # 36 MP: allowed


def test_oversized_sources_are_cut_off(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    def declared(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(25 * 1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"\xff\xd8" + b"\0" * 1024)

    def streamed(handler: BaseHTTPRequestHandler) -> None:  # no length: counted while reading
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"\0" * (1024 * 1024)
        try:
            for _ in range(22):
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the storefront hung up, as it should

    origin.routes["/declared"], origin.routes["/streamed"] = declared, streamed
    sources = [origin.url("/declared"), origin.url("/streamed")]
    sandbox.add_store(shop(sources))
    for source in sources:
        assert_placeholder(fetch_image(images_app, source))


@pytest.mark.slow
def test_a_slow_source_times_out_to_the_placeholder(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(2)
        handler.send_response(200)
        handler.end_headers()

    def trickle(handler: BaseHTTPRequestHandler) -> None:  # each byte within the read timeout
        handler.send_response(200)
        handler.end_headers()
        try:
            for _ in range(20):
                handler.wfile.write(b"\0")
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass

    origin.routes["/slow"], origin.routes["/trickle"] = slow, trickle
    sources = [origin.url("/slow"), origin.url("/trickle")]
    sandbox.add_store(shop(sources))
    for source in sources:
        started = time.monotonic()
        assert_placeholder(fetch_image(images_app, source))
        assert time.monotonic() - started < 2.5


def test_image_hosts_is_the_allow_list(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    other = Origin()
    try:
        allowed = origin.body("/ok.jpg", photo())
        refused = other.body("/ok.jpg", photo())  # the same loopback address, another port
        bounced = origin.redirect("/away", refused)
        sandbox.add_store(shop([allowed, refused, bounced]))
        assert decoded(fetch_image(images_app, allowed)).size == (480, 360)
        assert_placeholder(fetch_image(images_app, refused))
        assert_placeholder(fetch_image(images_app, bounced))
        assert other.hits == {}  # never connected to
    finally:
        other.close()


def test_redirects_are_followed_three_times_at_most(images_app: Flask, sandbox: Sandbox, origin: Origin) -> None:
    final = origin.body("/final.jpg", photo())
    hop3 = origin.redirect("/hop3", final)
    hop2 = origin.redirect("/hop2", hop3)
    hop1 = origin.redirect("/hop1", hop2)
    hop0 = origin.redirect("/hop0", hop1)
    sandbox.add_store(shop([hop1, hop0]))
    assert decoded(fetch_image(images_app, hop1)).size == (480, 360)  # three redirects
    assert_placeholder(fetch_image(images_app, hop0))  # four


# -- no open proxy: schemes, static paths, private addresses ---------------------------------------
@pytest.mark.parametrize("source", [
    "file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=", "ftp://example.com/a.jpg", "gopher://example.com/",
    "//example.com/a.jpg", "/static/../storefront/config.py", "/static/%2e%2e/storefront/config.py",
    "/static/css/../../README.md", "/etc/passwd", "/static/", "http://user:pw@example.com/a.jpg",
])
def test_other_schemes_and_paths_outside_static_are_never_read(tmp_path: Path, sandbox: Sandbox,
                                                               source: str) -> None:
    calls: list[httpx.Request] = []
    app = make_app(tmp_path, sandbox, IMAGE_TRANSPORT=httpx.MockTransport(lambda r: calls.append(r) or
                                                                           httpx.Response(500)))
    sandbox.add_store(shop([source]))
    # the client drops what is not http(s) or site-relative; pages never sign it: sign it by hand
    response = fetch_image(app, source)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert_placeholder(response)
    assert calls == []


PRIVATE = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
           "0.0.0.0", "224.0.0.1", "240.0.0.1",  # noqa: S104 - addresses to refuse; nothing binds
            "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
           "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
           "198.18.0.1", "192.0.2.1", "2001:db8::1"]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_public_addresses_are_public() -> None:
    assert all(is_public(a) for a in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"))


class FakeNet:
    """An injected resolver and a mock transport: what the fetcher resolved and where it connected."""

    def __init__(self, answers: dict[str, list[list[str]]], responses: dict[str, httpx.Response]) -> None:
        self.answers, self.responses = answers, responses
        self.lookups: list[str] = []
        self.requests: list[httpx.Request] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses[request.headers["Host"]]


def net_app(tmp_path: Path, sandbox: Sandbox, net: FakeNet) -> Flask:
    return make_app(tmp_path, sandbox, IMAGE_RESOLVER=net.resolve, IMAGE_TRANSPORT=httpx.MockTransport(net.handle))


@pytest.mark.parametrize("address", PRIVATE)
def test_a_dns_answer_pointing_inward_is_refused(tmp_path: Path, sandbox: Sandbox, address: str) -> None:
    net = FakeNet({"cdn.example": [[address]]}, {})
    app = net_app(tmp_path, sandbox, net)
    source = "https://cdn.example/a.jpg"
    sandbox.add_store(shop([source]))
    assert_placeholder(fetch_image(app, source))
    assert net.lookups == ["cdn.example"] and net.requests == []


def test_one_private_address_among_public_ones_is_enough_to_refuse(tmp_path: Path, sandbox: Sandbox) -> None:
    net = FakeNet({"cdn.example": [["93.184.216.34", "10.0.0.5"]]}, {})
    app = net_app(tmp_path, sandbox, net)
    sandbox.add_store(shop(["https://cdn.example/a.jpg"]))
    assert_placeholder(fetch_image(app, "https://cdn.example/a.jpg"))
    assert net.requests == []


def test_the_checked_address_is_the_one_connected_to(tmp_path: Path, sandbox: Sandbox) -> None:
    """DNS rebinding: the second answer would point inward, but the fetch uses the address it checked."""
    net = FakeNet({"cdn.example": [["93.184.216.34"], ["127.0.0.1"]]},
                  {"cdn.example": httpx.Response(200, content=photo())})
    app = net_app(tmp_path, sandbox, net)
    sandbox.add_store(shop(["https://cdn.example/a.jpg"]))
    assert decoded(fetch_image(app, "https://cdn.example/a.jpg")).size == (480, 360)
    (request,) = net.requests
    assert request.url.host == "93.184.216.34" and request.url.scheme == "https"
    assert request.headers["Host"] == "cdn.example"
    assert request.extensions["sni_hostname"] == "cdn.example"
    assert net.lookups == ["cdn.example"]


def test_a_redirect_inward_is_refused(tmp_path: Path, sandbox: Sandbox) -> None:
    net = FakeNet({"cdn.example": [["93.184.216.34"]], "metadata.example": [["169.254.169.254"]]},
                  {"cdn.example": httpx.Response(302, headers={"Location": "https://metadata.example/latest"})})
    app = net_app(tmp_path, sandbox, net)
    sources = ["https://cdn.example/a.jpg", "https://cdn.example/b.jpg"]
    sandbox.add_store(shop(sources))
    assert_placeholder(fetch_image(app, sources[0]))
    assert [r.url.host for r in net.requests] == ["93.184.216.34"]
    net.responses["cdn.example"] = httpx.Response(302, headers={"Location": "http://93.184.216.35/plain-http"})
    assert_placeholder(fetch_image(app, sources[1]))  # and to plain http, even to a public address
    assert len(net.requests) == 2


def test_without_image_hosts_plain_http_is_refused(tmp_path: Path, sandbox: Sandbox) -> None:
    net = FakeNet({"cdn.example": [["93.184.216.34"]]}, {"cdn.example": httpx.Response(200, content=photo())})
    app = net_app(tmp_path, sandbox, net)
    sandbox.add_store(shop(["http://cdn.example/a.jpg"]))
    assert_placeholder(fetch_image(app, "http://cdn.example/a.jpg"))
    assert net.lookups == [] and net.requests == []


# -- caching ----------------------------------------------------------------------------------
def test_cached_variants_are_immutable_with_an_etag_and_304(images_app: Flask, sandbox: Sandbox,
                                                           origin: Origin, tmp_path: Path) -> None:
    source = origin.body("/c.jpg", photo())
    sandbox.add_store(shop([source]))
    first = fetch_image(images_app, source, "360.webp")
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = first.headers["ETag"]
    again = fetch_image(images_app, source, "360.webp")
    assert again.data == first.data and again.headers["ETag"] == etag
    assert fetch_image(images_app, source, "360.webp", headers={"If-None-Match": etag}).status_code == 304
    fresh = make_app(tmp_path, sandbox, IMAGE_HOSTS=origin.host)  # another process, the same cache folder
    assert fetch_image(fresh, source, "360.webp").data == first.data
    assert origin.hits["/c.jpg"] == 1


def test_the_disk_cache_stays_under_its_cap_least_recently_used_first(tmp_path: Path) -> None:
    disk = DiskCache(tmp_path / "c", max_bytes=16_000)
    for i in range(5):
        disk.put("v", f"{i:02d}aaaa", "jpg", b"x" * 3_000)
        path = disk.path("v", f"{i:02d}aaaa", "jpg")
        stamp = 1_000_000 + i * 10_000
        os.utime(path, (stamp, stamp))
    disk.get("v", "00aaaa", "jpg")  # used long after the others were written: refreshed
    disk.put("v", "05aaaa", "jpg", b"x" * 3_000)
    kept = sorted(p.name for p in (tmp_path / "c").rglob("*.jpg"))
    assert sum(p.stat().st_size for p in (tmp_path / "c").rglob("*") if p.is_file()) <= 16_000 * 0.8
    assert kept == ["00aaaa.jpg", "03aaaa.jpg", "04aaaa.jpg", "05aaaa.jpg"]


@pytest.mark.slow
def test_the_endpoint_respects_the_cache_cap(tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, IMAGE_HOSTS=origin.host, IMAGE_CACHE_MB="1")
    big = Image.effect_noise((1800, 1200), 90).convert("RGB")
    sources = []
    for i in range(3):
        out = io.BytesIO()
        big.rotate(i * 90, expand=True).save(out, "JPEG", quality=95)
        sources.append(origin.body(f"/n{i}.jpg", out.getvalue()))
    sandbox.add_store(shop(sources))
    for source in sources:
        for name in ("1440.jpg", "960.jpg", "720.webp"):
            assert fetch_image(app, source, name).status_code == 200
    folder = app.extensions["images"].disk.root
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) <= 1024 * 1024


# -- the loading colour -------------------------------------------------------------------------
def test_the_box_takes_the_photos_colour_once_it_is_known(images_app: Flask, sandbox: Sandbox,
                                                          origin: Origin) -> None:
    source = origin.body("/blue.jpg", photo((600, 800), colour=(40, 80, 200)))
    sandbox.add_store(shop([source]))
    client = images_app.test_client()
    before = client.get(f"/{SHOP}/p/P-0").get_data(as_text=True)
    gallery_img = re.compile(r'<div class="gallery"[^>]*>.*?(<img [^>]+>)', re.S)
    assert ' class="c' not in gallery_img.search(before).group(1)  # type: ignore[union-attr]
    assert fetch_image(images_app, source, "360.avif").status_code == 200
    from storefront.services.caches import forget_store

    with images_app.test_request_context():
        forget_store(SHOP)
    after = gallery_img.search(client.get(f"/{SHOP}/p/P-0").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    tone = re.search(r'class="c(\d+)"', after)
    assert tone
    r, g, b = (process.LEVELS[d] for d in (int(tone.group(1)) // 16, int(tone.group(1)) // 4 % 4,
                                            int(tone.group(1)) % 4))
    assert b > r  # bluish
    assert 'width="800" height="1067"' in after  # the photo's own aspect: no layout shift


def test_the_palette_in_site_css_is_the_one_the_code_picks_from() -> None:
    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert process.palette_css() in css


# -- limits -----------------------------------------------------------------------------------
def test_when_every_slot_is_busy_a_cold_image_is_a_fast_503_and_pages_still_answer(
        sandbox: Sandbox, origin: Origin, tmp_path: Path) -> None:
    app = make_app(tmp_path / "busy", sandbox, IMAGE_HOSTS=origin.host, IMAGE_SLOTS=1, IMAGE_QUEUE=0)
    warm, cold = origin.body("/warm.jpg", photo()), origin.body("/cold.jpg", photo())
    sandbox.add_store(shop([warm, cold]))
    assert fetch_image(app, warm).status_code == 200
    with app.extensions["images"].slots.hold():  # a resize in progress
        started = time.monotonic()
        busy = fetch_image(app, cold, "480.webp")
        assert busy.status_code == 503 and time.monotonic() - started < 0.5
        assert busy.headers["Retry-After"] == "1" and busy.headers["Cache-Control"] == "no-store"
        assert decoded(busy).format == "WEBP"  # the box shows a neutral image, not a broken one
        assert fetch_image(app, warm).status_code == 200  # cached images need no slot
        assert app.test_client().get(f"/{SHOP}/").status_code == 200
    assert fetch_image(app, cold, "480.webp").status_code == 200


def test_a_short_queue_waits_for_a_slot(tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, IMAGE_HOSTS=origin.host, IMAGE_SLOTS=1, IMAGE_QUEUE=1, IMAGE_QUEUE_WAIT=2.0)
    source = origin.body("/q.jpg", photo())
    sandbox.add_store(shop([source]))
    slots = app.extensions["images"].slots
    release = threading.Event()

    def hold() -> None:
        with slots.hold():
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    threading.Timer(0.3, release.set).start()
    assert fetch_image(app, source).status_code == 200  # waited 0.3 s in the queue
    holder.join()


# -- the first view stays within one round trip ---------------------------------------------------
def test_a_24_card_home_fits_the_first_view_budget(tmp_path: Path, sandbox: Sandbox) -> None:
    photos = sorted((ROOT / "static" / "img" / "photos" / FLORA).glob("flr-*.jpg"))
    images = [f"/static/img/photos/{FLORA}/{p.name}" for p in photos]
    store = shop((images * 2)[:24], logo=f"/static/img/photos/{FLORA}/logo.png",
                 cover=f"/static/img/photos/{FLORA}/cover.jpg")
    store["description"] = "A shop with a long enough description to look like a real one. " * 3
    sandbox.add_store(store)
    app = make_app(tmp_path, sandbox)
    client = app.test_client()
    html = client.get(f"/{SHOP}/").get_data()
    assert html.count(b"<picture>") == 28  # the header's logo, the banner's cover and logo, 24 cards, the footer's logo
    total = len(gzip.compress(html, 9))
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html):
        with client.get(asset.decode()) as response:
            total += len(gzip.compress(response.get_data(), 9))
    assert total <= 14_600, total


# -- configuration ------------------------------------------------------------------------------
def test_image_settings_are_validated() -> None:
    settings = load_settings({"IMAGE_HOSTS": "cdn.example.com, 127.0.0.1:8080,[::1]:9000", "IMAGE_CACHE_MB": "64"})
    assert settings.image_hosts == ("cdn.example.com", "127.0.0.1:8080", "[::1]:9000")
    assert settings.image_cache_mb == 64
    for bad in ("https://cdn.example.com", "cdn.example.com/path", "cdn example", "a:99999"):
        with pytest.raises(ConfigError, match="IMAGE_HOSTS"):
            load_settings({"IMAGE_HOSTS": bad})
    for bad in ("0", "-1", "lots", "1.5"):
        with pytest.raises(ConfigError, match="IMAGE_CACHE_MB"):
            load_settings({"IMAGE_CACHE_MB": bad})


def test_a_failing_static_file_is_a_placeholder_not_an_error(app: Flask) -> None:
    sandbox_store = shop(["/static/img/photos/no-such.jpg"])
    app.extensions["sandbox"].add_store(sandbox_store)
    assert_placeholder(fetch_image(app, "/static/img/photos/no-such.jpg"))


def test_the_placeholder_is_the_requested_size_and_format() -> None:
    for name, fmt, size in (("160.avif", "AVIF", (160, 160)), ("og.jpg", "JPEG", (1200, 630))):
        variant = parse_variant(name)
        assert variant
        image = Image.open(io.BytesIO(process.placeholder(variant)))
        assert (image.format, image.size) == (fmt, size)


def test_images_of_a_store_on_its_own_domain_are_served_there(tmp_path: Path, sandbox: Sandbox) -> None:
    app = make_app(tmp_path, sandbox, STORE_DOMAINS='{"flora.example": "flora-baghdad"}',
                   PLATFORM_HOST="shops.example")
    client = app.test_client()
    html = client.get("/", base_url="https://flora.example").get_data(as_text=True)
    src = re.search(r'<img src="(/img/flora-baghdad/[^"]+)"', html)
    assert src
    response = client.get(src.group(1), base_url="https://flora.example")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"


@pytest.mark.browser
def test_a_browser_picks_avif_at_the_width_its_screen_needs(tmp_path: Path, sandbox: Sandbox) -> None:
    """Format choice by the browser's Accept: Chromium takes the AVIF source, at 2x a 360 px phone."""
    playwright = pytest.importorskip("playwright.sync_api")
    from helpers.servers import serve_wsgi, stop

    app = make_app(tmp_path, sandbox)
    server, base = serve_wsgi(app, "storefront-images-http")
    accepts: list[str] = []  # the types the browser was sent
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            try:
                context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
                tab = context.new_page()
                tab.on("response", lambda r: accepts.append(r.headers.get("content-type", ""))
                       if "/img/" in r.url and r.request.resource_type == "image" else None)  # not the favicon
                tab.goto(f"{base}/{FLORA}/p/FLR-ROSE-12", wait_until="networkidle")
                shown = tab.evaluate("document.querySelector('.gallery img').currentSrc")
                natural = tab.evaluate("document.querySelector('.gallery img').complete")
            finally:
                browser.close()
    finally:
        stop(server)
        app.extensions["sendy"].close()
    assert shown.endswith("/720.avif") and natural  # 328 CSS px at DPR 2: the 720 px image
    assert accepts and set(accepts) == {"image/avif"}  # logo and gallery alike


def test_made_images_are_answered_before_the_app_with_the_same_headers(images_app: Flask, sandbox: Sandbox,
                                                                       origin: Origin) -> None:
    source = origin.body("/hot.jpg", photo())
    sandbox.add_store(shop([source]))
    client, url = images_app.test_client(), signed(images_app, source, "360.jpg")
    first = client.get(url)  # made by the app, then remembered by the middleware
    assert url in images_app.extensions["hot_images"]._entries
    second = client.get(url)
    assert second.data == first.data
    for name in ("Content-Type", "Content-Length", "Cache-Control", "ETag", "Content-Security-Policy",
                 "X-Content-Type-Options", "Referrer-Policy"):
        assert second.headers[name] == first.headers[name], name
    assert "Set-Cookie" not in second.headers and second.headers["X-Request-ID"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.head(url).data == b""
    for made in images_app.extensions["images"].disk.root.glob("v/*/*.jpg"):
        made.unlink()  # evicted: the app makes it again
    assert client.get(url).data == first.data and origin.hits["/hot.jpg"] == 1

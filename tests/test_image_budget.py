"""Image work within budgets: per-client cold-image cap, memory planned from headers, a pool at a
lower priority, card images made ahead when a catalog is fetched, and a sane answer when full.

Originals are served by an httpx mock transport (allowed through IMAGE_HOSTS): small generated
photos, so the resize pool's real processes do real work quickly. Memory is measured in a child
process (its peak resident size, /proc/self/status VmHWM, reset before the making).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import make_app as storefront_app
from flask import Flask
from PIL import Image

from storefront.images import process
from storefront.images.urls import Variant, key_for
from storefront.sendy.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
SHOP = "budget-shop"
HOST = "img.example"


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


class Origin:
    """Merchant originals at https://img.example/<n>.jpg, answered in-process."""

    def __init__(self, count: int) -> None:
        self.files = {f"/{n}.jpg": jpeg((40 * n % 256, 90, 160)) for n in range(count)}
        self.hits: dict[str, int] = {}

    def urls(self) -> list[str]:
        return [f"https://{HOST}{path}" for path in self.files]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path not in self.files:
            return httpx.Response(404)
        return httpx.Response(200, content=self.files[path], headers={"Content-Type": "image/jpeg"})


def shop(images: list[str], logo: str = "") -> dict[str, Any]:
    return {
        "slug": SHOP, "name": "Budget", "language": "en", "logoUrl": logo or None, "coverImageUrl": None,
        "products": [{"id": f"p{i}", "sku": f"B-{i}", "name": f"Product {i}", "price": 1000, "imageUrls": [u],
                      "inStock": True} for i, u in enumerate(images)],
    }


@pytest.fixture
def origin() -> Origin:
    return Origin(6)


def make_app(tmp_path: Path, sandbox: Sandbox, origin: Origin, **config: Any) -> Flask:
    sandbox.add_store(shop(origin.urls()))
    config.setdefault("IMAGE_MAKE_WAIT", 30.0)  # the pool's first start, on a busy machine, is not what is tested
    return storefront_app(sandbox, IMAGE_CACHE_DIR=str(tmp_path / "images"), IMAGE_HOSTS=HOST,
                          IMAGE_TRANSPORT=httpx.MockTransport(origin.handle), **config)


@pytest.fixture
def app(tmp_path: Path, sandbox: Sandbox, origin: Origin) -> Iterator[Flask]:
    app = make_app(tmp_path, sandbox, origin, IMAGE_COLD_PER_MINUTE=3)
    yield app
    app.extensions["sendy"].close()


def url_of(app: Flask, source: str, name: str) -> str:
    with app.test_request_context():
        return f"/img/{SHOP}/{key_for(SHOP, source)}/{name}"


def get(app: Flask, source: str, name: str, client: str = "198.51.100.7") -> Any:
    """One image request from ``client`` (a fresh test client: no hot-image shortcut is assumed)."""
    return app.test_client().get(url_of(app, source, name), environ_base={"REMOTE_ADDR": client})


def shown(response: Any) -> Image.Image:
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image


def is_placeholder(response: Any, fmt: str, width: int) -> bool:
    image = shown(response)
    centre = image.convert("RGB").getpixel((width // 2, width // 2))
    return (image.format, image.size) == (fmt, (width, width)) and all(
        abs(a - b) <= 3 for a, b in zip(centre, process.NEUTRAL, strict=True))  # type: ignore[arg-type]


# -- the per-client cap ---------------------------------------------------------------------------
def test_a_client_gets_n_cold_images_a_minute_then_the_placeholder_while_cached_ones_still_come(
        app: Flask, origin: Origin) -> None:
    sources = origin.urls()
    made = [get(app, sources[n], "240.jpg") for n in range(3)]
    assert [r.status_code for r in made] == [200, 200, 200]
    refused = get(app, sources[3], "240.jpg")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and refused.headers["Cache-Control"] == "no-store"
    assert is_placeholder(refused, "JPEG", 240)  # the <img> shows the neutral box, not a broken image
    assert origin.hits.get("/3.jpg") is None  # refused before any work: not even fetched
    for n in range(3):  # cached images are never capped, through the app as through the middleware
        app.extensions["hot_images"]._entries.clear()
        again = get(app, sources[n], "240.jpg")
        assert again.status_code == 200 and again.data == made[n].data
    other = get(app, sources[3], "240.jpg", client="203.0.113.9")  # another shopper is not affected
    assert other.status_code == 200 and shown(other).size[0] == 240


def test_the_cap_counts_the_address_proxyfix_gives(tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_COLD_PER_MINUTE=1, TRUSTED_PROXIES="1")
    sources, client = origin.urls(), app.test_client()

    def ask(source: str, forwarded: str) -> int:
        return client.get(url_of(app, source, "160.webp"), headers={"X-Forwarded-For": forwarded},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code

    assert ask(sources[0], "192.0.2.1") == 200
    assert ask(sources[1], "192.0.2.1") == 429  # same shopper behind the proxy
    assert ask(sources[1], "192.0.2.2") == 200  # another shopper through the same proxy


# -- memory: planned from the header, within the plan ----------------------------------------------
MEASURE = """
import io, json, sys
from PIL import Image, ImageDraw
from storefront.images import process
from storefront.images.urls import Variant

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024

kind, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
image = Image.new("RGB", (width, height), (200, 180, 150))
ImageDraw.Draw(image).rectangle((width // 4, height // 4, width // 2, height // 2), fill=(30, 90, 160))
out = io.BytesIO()
image.save(out, kind, **({"compress_level": 1} if kind == "PNG" else {"quality": 80}))
data = out.getvalue()
del image
process.make(data, Variant(160, "jpg"))  # libraries loaded: what follows is the making alone
with process.open_image(data) as opened:
    plan = process.plan(opened, Variant(1440, "webp"))
before = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from here
made = process.make(data, Variant(1440, "webp"))
print(json.dumps({"peak": status("VmHWM:") - before, "cost": plan.cost, "factor": plan.factor,
                  "decoded": list(plan.size), "size": [made.width, made.height]}))
"""


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_big_image_is_decoded_within_the_memory_its_header_plan_allows(kind: str) -> None:
    width, height = 6000, 4000  # 24 MP: 96 MB of pixels if decoded whole in Pillow
    out = subprocess.run([sys.executable, "-c", MEASURE, kind, str(width), str(height)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    found = json.loads(out)
    assert found["size"] == [1440, 960]
    whole = width * height * 4
    assert found["cost"] < whole * 0.65  # planned without the whole image (PNG: strips; JPEG: DCT scale)
    assert found["peak"] <= found["cost"], found  # and the making stayed within its plan
    assert found["peak"] < whole / 2, found


def test_the_plan_reads_the_header_only_and_a_bomb_is_refused_before_any_pixel() -> None:
    out = io.BytesIO()
    Image.new("RGB", (7000, 5000), (1, 2, 3)).save(out, "PNG", compress_level=1)
    with process.open_image(out.getvalue()) as image:
        plan = process.plan(image, Variant(360, "avif"))
        assert image._im is None  # not decoded: the plan came from the header
    assert plan.size == (7000, 5000) and plan.factor >= 9 and plan.cost < 64 * 1024 * 1024

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (20_000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0]))
    with pytest.raises(process.BadImage, match="bomb"):  # 400 MP claimed in 33 bytes: refused unread
        process.open_image(bomb + chunk(b"IEND", b""))


def test_concurrent_big_images_never_hold_more_than_the_memory_budget(tmp_path: Path, sandbox: Sandbox) -> None:
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), (120, 140, 160)).save(big, "JPEG", quality=70)
    origin = Origin(0)
    origin.files = {f"/{n}.jpg": big.getvalue() for n in range(4)}
    app = make_app(tmp_path, sandbox, origin, IMAGE_MEMORY_MB=40, IMAGE_SLOTS=8, IMAGE_QUEUE=0,
                   IMAGE_IN_FLIGHT=12, IMAGE_MEMORY_WAIT=0.2, IMAGE_COLD_PER_MINUTE=1000)
    budget = app.extensions["images"].pool.budget
    highest, lock = [0], threading.Lock()
    acquire = budget.acquire

    def watched(cost: int, timeout: float = 0.0) -> bool:
        got = acquire(cost, timeout)
        with lock:
            highest[0] = max(highest[0], budget.used)
        return got

    budget.acquire = watched  # type: ignore[method-assign]
    names = [f"{w}.{fmt}" for w in (960, 1440) for fmt in ("jpg", "webp")]
    requests = [(source, name) for source in origin.urls() for name in names]
    answers: list[Any] = [None] * len(requests)

    def ask(i: int) -> None:
        answers[i] = get(app, *requests[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert 0 < highest[0] <= budget.total
    for (_source, name), response in zip(requests, answers, strict=True):
        width, fmt = int(name.split(".")[0]), {"jpg": "JPEG", "webp": "WEBP"}[name.split(".")[1]]
        if response.status_code == 503:  # the rest waited and got the placeholder
            assert response.headers["Retry-After"] == "1" and is_placeholder(response, fmt, width)
        else:
            assert response.status_code == 200 and shown(response).size[0] == width
    assert sum(r.status_code == 200 for r in answers) >= 1
    assert budget.used == 0  # every job gave its memory back


# -- the pool's priority --------------------------------------------------------------------------
def test_images_are_made_in_processes_at_a_lower_priority_than_pages(app: Flask, origin: Origin) -> None:
    assert get(app, origin.urls()[0], "360.webp").status_code == 200
    pool = app.extensions["images"].pool
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    # the kernel's idle class (a page's wake-up takes the core back at once), and 10 nicer
    assert pool.priority() == (min(19, mine + 10), os.SCHED_IDLE)
    assert pool.executor()._processes and os.getpid() not in pool.executor()._processes


# -- pre-made card images ---------------------------------------------------------------------------
def test_fetching_a_catalog_makes_its_card_sized_images_on_disk(tmp_path: Path, sandbox: Sandbox,
                                                                 origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_PREMAKE=True)
    assert app.test_client().get(f"/{SHOP}/").status_code == 200  # the catalog is fetched
    service = app.extensions["images"]
    wanted = [(url, Variant(w, "avif")) for url in origin.urls() for w in (240, 360, 480, 720)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        missing = [(u, v) for u, v in wanted if service.disk.get("v", service.derived(u, v), "avif") is None]
        if not missing:
            break
        time.sleep(0.1)
    assert not missing
    for url, variant in wanted:
        with Image.open(service.disk.get("v", service.derived(url, variant), "avif")) as made:
            assert (made.format, made.width) == ("AVIF", min(variant.width, 640))
    hits = dict(origin.hits)
    response = get(app, origin.urls()[0], "360.avif")  # a shopper's card: already made, not counted
    assert response.status_code == 200 and origin.hits == hits
    with app.test_request_context():
        from storefront.images import meta_key

        facts = service.disk.read("m", meta_key(origin.urls()[1]).rpartition(":")[2], "txt")
    assert facts
    # Exactly three integers: the release before parses these facts from the shared cache during a deploy.
    tone, width, height = (int(n) for n in facts.split())
    assert width * 3 == height * 4  # the photo's facts (loading colour, aspect) kept for the pages


# -- when the pool is full ----------------------------------------------------------------------------
def test_when_image_work_is_full_a_cold_image_is_a_fast_placeholder_and_pages_answer(
        tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_MEMORY_MB=1)  # no plan fits: the pool is "full"
    started = time.monotonic()
    full = get(app, origin.urls()[0], "480.avif")
    assert time.monotonic() - started < 1.5
    assert full.status_code == 503 and full.headers["Retry-After"] == "1"
    assert full.headers["Cache-Control"] == "no-store" and is_placeholder(full, "AVIF", 480)
    assert "Set-Cookie" not in full.headers
    assert app.test_client().get(f"/{SHOP}/").status_code == 200
    assert app.extensions["images"].pool.budget.used == 0


# -- refused before the app (storefront/images/gate.py) -----------------------------------------------
class Calls:
    """Counts the requests that reach the app behind the image middleware (page cache and Flask)."""

    def __init__(self, app: Flask) -> None:
        self.hot = app.extensions["hot_images"]
        self.inner, self.paths = self.hot.wsgi, []  # type: ignore[var-annotated]
        self.hot.wsgi = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.paths.append(environ["PATH_INFO"])
        return self.inner(environ, start_response)


def test_while_image_work_is_full_a_cold_image_is_refused_without_running_the_app(
        tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_SLOTS=1, IMAGE_QUEUE=0)
    service, sources = app.extensions["images"], origin.urls()
    made = get(app, sources[0], "240.jpg")
    assert made.status_code == 200
    calls = Calls(app)
    with service.slots.hold():  # a resize in progress: image work is full
        refused = get(app, sources[1], "480.webp")
        head = app.test_client().head(url_of(app, sources[1], "480.webp"))
        assert calls.paths == []  # answered by the middleware: Flask never ran
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in refused.headers
        assert refused.headers["X-Request-ID"] and refused.headers["X-Content-Type-Options"] == "nosniff"
        assert refused.headers["Content-Type"] == "image/webp" and is_placeholder(refused, "WEBP", 480)
        assert head.status_code == 503 and head.data == b""
        assert origin.hits.get("/1.jpg") is None  # no work at all for it
        app.extensions["hot_images"]._entries.clear()  # a made image is served all the same (by the app)
        again = get(app, sources[0], "240.jpg")
        assert again.status_code == 200 and again.data == made.data and calls.paths == [url_of(app, sources[0],
                                                                                               "240.jpg")]
        assert get(app, sources[0], "240.jpg").data == made.data and len(calls.paths) == 1  # then hot
        unknown = app.test_client().get(f"/img/{SHOP}/AAAAAAAAAAAAAAAA/240.jpg")
        assert unknown.status_code == 404 and len(calls.paths) == 2  # not ours: the app's 404, not a 503
        assert app.test_client().get(f"/{SHOP}/").status_code == 200  # pages are not refused
    service.pool.busy = service.pool.in_flight  # the resize pool at its bound (jobs whose callers left)
    try:
        assert get(app, sources[1], "480.webp").status_code == 503 and len(calls.paths) == 3
    finally:
        service.pool.busy = 0
    later = get(app, sources[1], "480.webp")  # room again: made
    assert later.status_code == 200 and shown(later).size[0] == 480 and len(calls.paths) == 4


def test_a_client_refused_by_its_cold_cap_is_refused_again_before_the_app(
        tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_COLD_PER_MINUTE=1)
    sources = origin.urls()
    first = get(app, sources[0], "160.jpg")
    assert first.status_code == 200
    calls = Calls(app)
    assert get(app, sources[1], "160.jpg").status_code == 429 and len(calls.paths) == 1  # the app counts it
    refused = get(app, sources[2], "240.avif")
    assert len(calls.paths) == 1  # this process knows the client is over its cap until its window ends
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store" and is_placeholder(refused, "AVIF", 240)
    assert origin.hits.get("/2.jpg") is None
    app.extensions["hot_images"]._entries.clear()
    assert get(app, sources[0], "160.jpg").data == first.data  # its made images still come
    other = get(app, sources[2], "240.avif", client="203.0.113.9")  # another shopper is not refused
    assert other.status_code == 200 and shown(other).size[0] == 240


def test_a_flood_of_cold_images_gets_images_or_refusals_never_a_500(
        tmp_path: Path, sandbox: Sandbox, origin: Origin) -> None:
    app = make_app(tmp_path, sandbox, origin, IMAGE_SLOTS=1, IMAGE_QUEUE=0, IMAGE_COLD_PER_MINUTE=1000)
    sources = origin.urls()
    assert get(app, sources[0], "160.jpg").status_code == 200  # the store's key map is read
    calls = Calls(app)
    asks = [(s, f"{w}.{fmt}") for s in sources for w in (240, 360, 480) for fmt in ("jpg", "webp")]
    answers: list[Any] = [None] * len(asks)

    def ask(i: int) -> None:
        answers[i] = get(app, *asks[i], client=f"198.51.100.{i}")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(asks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(a is not None for a in answers)
    assert {a.status_code for a in answers} <= {200, 503}
    assert len(calls.paths) < len(asks)  # some were refused before the app
    for (_source, name), answer in zip(asks, answers, strict=True):
        width, fmt = int(name.split(".")[0]), {"jpg": "JPEG", "webp": "WEBP"}[name.split(".")[1]]
        if answer.status_code == 503:
            assert answer.headers["Retry-After"] == "1" and is_placeholder(answer, fmt, width)
        else:
            assert shown(answer).size[0] == width and not is_placeholder(answer, fmt, width)
    for source, name in asks:  # nothing was lost: each is made when asked again, one at a time
        assert get(app, source, name).status_code == 200

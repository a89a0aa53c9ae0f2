"""Demo images for the sandbox stores (a developer tool, not part of the app).

Writes flat SVG illustrations under static/img/demo/<slug>/: logo.svg (256x256),
cover.svg (1200x630, also the OpenGraph image) and one 800x800 file per product
and variant image URL ending in .svg found in storefront/sendy/sandbox/data/stores.json
and stores-*.json (photo URLs are make_demo_photos.py's). The images hold no text,
no fonts and no external references, and each stays under 3 KB. They are committed:
`make run` needs nothing generated for them.

Run from anywhere:  python tools/make_demo_images.py
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
STORES_JSON = ROOT / "storefront" / "sendy" / "sandbox" / "data" / "stores.json"
STATIC = ROOT / "static"
MAX_BYTES = 3 * 1024


@dataclass(frozen=True)
class Palette:
    """Colours of one shop: background gradient, main, second, accent and ink."""

    bg1: str
    bg2: str
    main: str
    second: str
    accent: str
    ink: str


PALETTES: dict[str, Palette] = {
    "flora-baghdad": Palette("#fdf0f4", "#f7d3df", "#d6336c", "#2f9e44", "#fcc419", "#7a1f3d"),
    "tigris-tech": Palette("#eaf6ff", "#c3e0f5", "#1c7ed6", "#0b7285", "#15aabf", "#0b2545"),
    "erbil-honey": Palette("#fffaf0", "#ffe3a3", "#f59f00", "#8d5524", "#e67700", "#5c3d10"),
    "coming-soon": Palette("#f5f2ff", "#ddd3fb", "#7048e8", "#b197fc", "#e9b949", "#3b2a73"),
    "layla-boutique": Palette("#fbf3ee", "#f0dccf", "#9c4f6e", "#c9a27e", "#e9c46a", "#4a2333"),
    "rafidain-shoes": Palette("#f1f3f5", "#dbe4ee", "#1d4e89", "#c0803c", "#f08c00", "#14283f"),
}
DEFAULT_PALETTE = Palette("#f4f4f5", "#dcdce0", "#495057", "#868e96", "#fab005", "#212529")

Drawer = Callable[[Palette], str]

# --------------------------------------------------------------------------- shared pieces


def svg(width: int, height: int, body: str) -> str:
    """Wrap body in a standalone SVG document."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">{body}</svg>\n'
    )


def gradient(gid: str, c1: str, c2: str) -> str:
    """A diagonal two-stop linear gradient definition."""
    return (
        f'<linearGradient id="{gid}" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{c1}"/><stop offset="1" stop-color="{c2}"/></linearGradient>'
    )


def product_frame(p: Palette, body: str, variant: bool = False) -> str:
    """800x800 rounded card with a soft gradient and a floor shadow."""
    c1, c2 = (p.bg2, p.bg1) if variant else (p.bg1, p.bg2)
    if variant:
        body = f'<g transform="translate(400 420) rotate(-10) scale(1.1) translate(-400 -420)">{body}</g>'
    return svg(
        800,
        800,
        f"<defs>{gradient('g', c1, c2)}</defs>"
        '<rect width="800" height="800" rx="64" fill="url(#g)"/>'
        '<ellipse cx="400" cy="690" rx="230" ry="26" fill="#000" opacity=".07"/>' + body,
    )


def petals(n: int, rx: int, ry: int, dist: int, fill: str) -> str:
    """n ellipse petals around the origin."""
    return (
        f'<g fill="{fill}">'
        + "".join(f'<ellipse cy="-{dist}" rx="{rx}" ry="{ry}" transform="rotate({i * 360 // n})"/>' for i in range(n))
        + "</g>"
    )


def uses(ref: str, points: list[tuple[int, int]], scale: float = 1) -> str:
    """Place a defined shape at several points."""
    s = f" scale({scale:g})" if scale != 1 else ""
    return "".join(f'<use href="#{ref}" transform="translate({x} {y}){s}"/>' for x, y in points)


def rose_def(rid: str, fill: str, dark: str) -> str:
    """A rose head seen from above: a disc with a spiral."""
    return (
        f'<g id="{rid}"><circle r="30" fill="{fill}"/>'
        f'<path d="M-17 5a17 17 0 1 1 17 17M-7 1a8 8 0 1 1 8 8" fill="none" stroke="{dark}" '
        'stroke-width="4" stroke-linecap="round"/></g>'
    )


def bow(x: int, y: int, color: str) -> str:
    """A ribbon bow."""
    return (
        f'<g fill="{color}" transform="translate({x} {y})"><path d="M0 0L-46-26V26ZM0 0L46-26V26Z"/>'
        '<path d="M-4 4L-24 60-8 56ZM4 4L24 60 8 56Z"/><circle r="11"/></g>'
    )


def wrap(back: str, front: str) -> tuple[str, str]:
    """Back fan and front cone of a bouquet's paper."""
    return (
        f'<path d="M190 290L610 290 430 690H370Z" fill="{back}"/>',
        f'<path d="M262 440L538 440 428 690H372Z" fill="{front}"/>',
    )


LEAVES = (
    '<g fill="{c}"><ellipse cx="262" cy="330" rx="22" ry="64" transform="rotate(-40 262 330)"/>'
    '<ellipse cx="538" cy="330" rx="22" ry="64" transform="rotate(40 538 330)"/>'
    '<ellipse cx="400" cy="200" rx="18" ry="50"/></g>'
)
DOME_ROWS = (
    (350, (-124, -62, 0, 62, 124)),
    (300, (-93, -31, 31, 93)),
    (400, (-93, -31, 31, 93)),
    (250, (-31, 31)),
    (440, (-62, 0, 62)),
)
DOME = [(400 + dx, y) for y, dxs in DOME_ROWS for dx in dxs]  # centre rows first


def bouquet(heads: str, back: str, front: str, ribbon: str, leaves: str) -> str:
    """Flower heads between a paper fan and a paper cone, with a bow."""
    b, f = wrap(back, front)
    return b + LEAVES.format(c=leaves) + heads + f + bow(400, 560, ribbon)


# --------------------------------------------------------------------------- flora


def roses_bouquet(fill: str, dark: str, n: int, back: str, front: str, ribbon: str) -> Drawer:
    """Bouquet of n roses of one colour."""

    def draw(p: Palette) -> str:
        heads = f"<defs>{rose_def('r', fill, dark)}</defs>" + uses("r", DOME[:n], 1.3)
        return bouquet(heads, back, front, ribbon, "#8fb8a0")

    return draw


def single_rose(p: Palette) -> str:
    return (
        '<path d="M400 330Q410 500 420 680" stroke="#2f9e44" stroke-width="12" fill="none"/>'
        '<ellipse cx="445" cy="500" rx="20" ry="46" fill="#37b24d" transform="rotate(50 445 500)"/>'
        f"<defs>{rose_def('r', '#c92a2a', '#7a1010')}</defs>"
        + uses("r", [(400, 300)], 2.4)
        + '<path d="M290 200L510 200 425 640H395Z" fill="#fff" opacity=".35" stroke="#fff" stroke-width="4"/>'
        + bow(410, 560, "#e64980")
    )


def tulips(p: Palette) -> str:
    cols = ["#f03e3e", "#fcc419", "#e64980", "#ff922b", "#f06595"]
    head = '<path d="M-24-14Q-26 30 0 34Q26 30 24-14L12 0 0-18-12 0Z"/>'
    heads = "".join(
        f'<g fill="{cols[i % 5]}" transform="translate({x} {y}) scale(1.5)">{head}</g>'
        for i, (x, y) in enumerate(DOME[:9])
    )
    return bouquet(heads, "#e8d5b0", "#c9a36b", "#8d5524", "#51cf66")


def sunflowers(p: Palette) -> str:
    head = f'<g id="s">{petals(14, 11, 26, 40, "#fcc419")}<circle r="28" fill="#5c3d10"/></g>'
    pts = [(330, 300), (470, 300), (400, 250), (290, 390), (510, 390), (400, 360), (400, 440)]
    return bouquet(f"<defs>{head}</defs>" + uses("s", pts), "#e9d3b0", "#d2a679", "#5c3d10", "#2f9e44")


def mixed(p: Palette) -> str:
    defs = (
        rose_def("r", "#f783ac", "#c2255c")
        + f'<g id="f">{petals(5, 14, 20, 18, "#b197fc")}<circle r="10" fill="#fcc419"/></g>'
    )
    heads = f"<defs>{defs}</defs>" + uses("r", DOME[0:13:2], 1.3) + uses("f", DOME[1:13:2], 1.6)
    dots = "".join(f'<circle cx="{x + 30}" cy="{y - 30}" r="10" fill="#fff"/>' for x, y in DOME[4:12])
    return bouquet(heads + dots, "#ffe3ec", "#fcc2d7", "#d6336c", "#8fb8a0")


def lilies(p: Palette) -> str:
    head = '<g id="l">' + petals(6, 13, 40, 36, "#fff") + '<circle r="10" fill="#ffa8a8"/></g>'
    pts = [(320, 320), (480, 320), (400, 270), (340, 410), (460, 410), (400, 360)]
    return bouquet(f"<defs>{head}</defs>" + uses("l", pts, 1.15), "#d3f9d8", "#8ce99a", "#2b8a3e", "#2f9e44")


def rose_box(p: Palette) -> str:
    pts = [(x, y) for y in (335, 395) for x in range(276, 540, 62)] + [(338, 290), (400, 280), (462, 290)]
    return (
        f"<defs>{rose_def('r', '#c92a2a', '#7a1010')}</defs>"
        + uses("r", pts, 1.3)
        + '<rect x="250" y="420" width="300" height="250" rx="14" fill="#212529"/>'
        + '<rect x="250" y="470" width="300" height="26" fill="#e9c46a"/>'
    )


def choc_box(p: Palette) -> str:
    roses = uses("r", [(x, y) for y in (280, 340, 400, 460, 520) for x in (300, 360)])
    chocs = "".join(
        f'<rect x="430" y="{y}" width="110" height="50" rx="14" fill="#6b3e26"/>' for y in range(260, 560, 66)
    )
    return (
        f"<defs>{rose_def('r', '#e64980', '#a61e4d')}</defs>"
        '<rect x="230" y="210" width="340" height="380" rx="22" fill="#e9c46a"/>'
        '<rect x="250" y="230" width="300" height="340" rx="12" fill="#fff8e7"/>'
        + roses
        + chocs
        + bow(400, 600, "#d6336c")
    )


def pot(fill: str) -> str:
    return (
        f'<path d="M300 520H500L470 680H330Z" fill="{fill}"/><rect x="290"'
        f' y="500" width="220" height="34" rx="8" fill="{fill}"/>'
    )


def orchid(p: Palette) -> str:
    head = '<g id="o">' + petals(5, 20, 26, 22, "#fff") + '<circle r="9" fill="#d6336c"/></g>'
    return (
        '<g fill="#2f9e44"><ellipse cx="350" cy="500" rx="70" ry="24" transform="rotate(-20 350 500)"/>'
        '<ellipse cx="455" cy="500" rx="70" ry="24" transform="rotate(20 455 500)"/></g>'
        '<path d="M400 500Q380 260 520 220" stroke="#5c940d" stroke-width="8" fill="none"/>'
        f"<defs>{head}</defs>" + uses("o", [(392, 390), (400, 310), (445, 250), (515, 228)], 1.2) + pot("#f1f3f5")
    )


def peace_lily(p: Palette) -> str:
    leaf = "".join(
        f'<path d="M400 510Q{400 + dx} {330} {400 + dx * 2} 220Q{400 + dx * 2 - 30} 400 400 510Z" fill="#2b8a3e"/>'
        for dx in (-70, -30, 30, 70)
    )
    spathe = (
        '<g fill="#fff"><path d="M380 330Q330 260 370 200Q410 260 380 330Z"/>'
        '<path d="M440 360Q470 290 445 240Q405 300 440 360Z"/></g>'
    )
    return leaf + spathe + '<path d="M380 280v40M438 295v45" stroke="#fcc419" stroke-width="8"/>' + pot("#ced4da")


def bridal(p: Palette) -> str:
    pts = [(400, 330)] + [
        (400 + round(r * math.cos(2 * math.pi * k / n)), 335 + round(r * 0.8 * math.sin(2 * math.pi * k / n)))
        for r, n in ((68, 6), (128, 11))
        for k in range(n)
    ]
    return (
        f"<defs>{rose_def('w', '#fff', '#dee2e6')}{rose_def('k', '#fcc2d7', '#e64980')}</defs>"
        '<rect x="375" y="420" width="50" height="250" rx="18" fill="#f1f3f5"/>'
        '<ellipse cx="400" cy="340" rx="170" ry="140" fill="#8fb8a0"/>'
        + "".join(f'<use href="#{"wk"[i % 2]}" transform="translate({x} {y})"/>' for i, (x, y) in enumerate(pts))
        + bow(400, 470, "#fff")
    )


def car_decor(p: Palette) -> str:
    return (
        '<path d="M150 560V470Q160 430 230 420L300 350Q320 330 360 330H480'
        'Q520 330 545 355L600 420Q660 430 660 470V560Z" fill="#fff"/>'
        '<path d="M320 420L360 370H430V420ZM455 420V370H500L540 420Z" fill="#a5d8ff"/>'
        '<g fill="#343a40"><circle cx="260" cy="565" r="46"/><circle cx="560" cy="565" r="46"/></g>'
        '<g fill="#adb5bd"><circle cx="260" cy="565" r="18"/><circle cx="560" cy="565" r="18"/></g>'
        f"<defs>{rose_def('r', '#e64980', '#a61e4d')}</defs>"
        + uses("r", [(200, 420), (240, 400), (220, 450)], 0.9)
        + '<path d="M150 470L600 420" stroke="#e64980" stroke-width="8"/>'
    )


def balloons(p: Palette) -> str:
    out = ""
    for x, y, c in ((310, 280, "#f783ac"), (490, 270, "#4dabf7"), (400, 210, "#ffd43b")):
        out += (
            f'<path d="M{x} {y + 95}Q{x + (400 - x) // 2 + 20} {y + 250} 400 600"'
            ' stroke="#868e96" stroke-width="3" fill="none"/>'
        )
        out += (
            f'<ellipse cx="{x}" cy="{y}" rx="80" ry="95" fill="{c}"/><ellipse cx="{x - 28}"'
            f' cy="{y - 38}" rx="14" ry="22" fill="#fff" opacity=".55"/>'
        )
    return out + bow(400, 600, "#d6336c")


def custom_arrangement(p: Palette) -> str:
    defs = (
        rose_def("r", "#f783ac", "#c2255c")
        + f'<g id="f">{petals(6, 12, 22, 20, "#fff")}<circle r="10" fill="#fcc419"/></g>'
    )
    stems = "".join(f'<path d="M400 480L{x} {y}" stroke="#2f9e44" stroke-width="6"/>' for x, y in DOME[:9])
    return (
        stems
        + f"<defs>{defs}</defs>"
        + uses("r", DOME[0:9:2])
        + uses("f", DOME[1:9:2], 1.2)
        + '<path d="M330 470H470Q480 580 440 680H360Q320 580 330 470Z" fill="#91a7ff"/>'
        + '<ellipse cx="400" cy="470" rx="70" ry="14" fill="#748ffc"/>'
    )


# --------------------------------------------------------------------------- tigris


def phone_back(body: str, lenses: str, edge: str = "none", ew: int = 0) -> str:
    return (
        f'<rect x="270" y="140" width="260" height="520" rx="46" fill="{body}" stroke="{edge}" stroke-width="{ew}"/>'
        + lenses
    )


def lens(x: int, y: int, r: int = 22) -> str:
    return f'<circle cx="{x}" cy="{y}" r="{r}" fill="#212529" stroke="#adb5bd" stroke-width="5"/>'


def case_clear(p: Palette) -> str:
    return (
        phone_back(
            "#ffd8e4",
            '<rect x="295" y="165" width="110" height="110" rx="28" fill="#fcc2d7"/>' + lens(325, 195) + lens(375, 245),
        )
        + '<rect x="262" y="132" width="276" height="536" rx="52"'
        ' fill="#fff" opacity=".35" stroke="#fff" stroke-width="8"/>'
        + '<circle cx="400" cy="420" r="70" fill="none" stroke="#adb5bd" stroke-width="10" opacity=".7"/>'
    )


def case_silicone(p: Palette) -> str:
    return (
        phone_back(
            "#1d3557",
            '<rect x="292" y="162" width="128" height="128" rx="32" fill="#264b7a"/>'
            + lens(325, 195)
            + lens(325, 257)
            + lens(385, 226)
            + '<circle cx="390" cy="270" r="8" fill="#ffe066"/>',
        )
        + '<path d="M300 360Q330 330 360 360" stroke="#fff" stroke-width="6" opacity=".15" fill="none"/>'
    )


def case_rugged(p: Palette) -> str:
    corners = "".join(
        f'<rect x="{x}" y="{y}" width="70" height="70" rx="30" fill="#495057"/>' for x in (258, 472) for y in (128, 602)
    )
    return corners + phone_back(
        "#343a40", lens(320, 200, 24) + lens(320, 262, 24) + lens(320, 324, 24) + lens(380, 200, 13), "#212529", 12
    )


def glass(dark: bool) -> Drawer:
    def draw(p: Palette) -> str:
        screen = "#0b2545" if dark else "#364fc7"
        sheets = (
            ""
            if dark
            else '<rect x="300" y="120" width="250" height="510" rx="40"'
            ' fill="#fff" opacity=".35" stroke="#fff" stroke-width="4"/>'
        )
        tint = '<rect x="270" y="150" width="90" height="500" rx="40" fill="#000" opacity=".35"/>' if dark else ""
        return (
            '<rect x="250" y="140" width="260" height="520" rx="44" fill="#212529"/>'
            f'<rect x="264" y="156" width="232" height="488" rx="34" fill="{screen}"/>'
            + tint
            + sheets
            + '<path d="M300 300L420 180M320 360L470 210" stroke="#fff"'
            ' stroke-width="12" opacity=".5" stroke-linecap="round"/>'
        )

    return draw


def charger(p: Palette) -> str:
    return (
        '<g fill="#adb5bd"><rect x="330" y="520" width="30" height="90"'
        ' rx="4"/><rect x="440" y="520" width="30" height="90" rx="4"/></g>'
        '<rect x="290" y="250" width="220" height="290" rx="36" fill="#fff"/>'
        '<rect x="290" y="470" width="220" height="70" rx="30" fill="#dee2e6"/>'
        '<rect x="370" y="320" width="60" height="22" rx="11" fill="#343a40"/>'
    )


def gan_charger(p: Palette) -> str:
    return (
        '<g fill="#adb5bd"><rect x="320" y="560" width="30" height="80"'
        ' rx="4"/><rect x="450" y="560" width="30" height="80" rx="4"/></g>'
        '<rect x="270" y="200" width="260" height="380" rx="40" fill="#343a40"/>'
        '<g fill="#111"><rect x="370" y="260" width="60" height="22"'
        ' rx="11"/><rect x="370" y="320" width="60" height="22" rx="11"/>'
        '<rect x="360" y="385" width="80" height="28" rx="4"/></g>'
        '<circle cx="400" cy="500" r="10" fill="#15aabf"/>'
    )


def usb_c(x: int, y: int, angle: int, housing: str) -> str:
    return (
        f'<g transform="translate({x} {y}) rotate({angle})"><rect x="-16"'
        ' y="-70" width="32" height="40" rx="8" fill="#ced4da"/>'
        f'<rect x="-28" y="-34" width="56" height="90" rx="16" fill="{housing}"/></g>'
    )


def cable(color: str, tip: str, long: bool) -> Drawer:
    def draw(p: Palette) -> str:
        d = "M260 250C200 450 620 300 560 520S240 560 300 620" if long else "M270 260C220 470 580 330 530 560"
        end = (300, 620) if long else (530, 560)
        tip_shape = (
            f'<g transform="translate({end[0]} {end[1]}) rotate(200)">'
            '<rect x="-9" y="-64" width="18" height="36" rx="4" fill="#ced4da"/>'
            f'<rect x="-24" y="-30" width="48" height="80" rx="14" fill="{color}"/></g>'
            if tip == "lightning"
            else usb_c(end[0], end[1], 200, color)
        )
        return (
            f'<path d="{d}" stroke="{color}" stroke-width="22" fill="none" stroke-linecap="round"/>'
            f'<path d="{d}" stroke="#fff" stroke-width="4" stroke-dasharray="6 14" fill="none" opacity=".35"/>'
            + usb_c(260, 250, 20, color)
            + tip_shape
        )

    return draw


def car_charger(p: Palette) -> str:
    return (
        '<rect x="340" y="300" width="120" height="330" rx="40" fill="#343a40"/>'
        '<rect x="320" y="220" width="160" height="110" rx="30" fill="#495057"/>'
        '<rect x="330" y="232" width="140" height="86" rx="24" fill="none" stroke="#15aabf" stroke-width="8"/>'
        '<rect x="365" y="255" width="36" height="16" rx="8" fill="#111"/>'
        '<rect x="410" y="253" width="34" height="22" rx="3" fill="#111"/>'
        '<rect x="340" y="610" width="120" height="30" rx="15" fill="#adb5bd"/>'
    )


def holder(p: Palette) -> str:
    return (
        '<rect x="380" y="420" width="40" height="200" rx="14" fill="#495057"/>'
        '<rect x="340" y="600" width="120" height="40" rx="12" fill="#343a40"/>'
        '<g transform="rotate(-12 420 330)"><rect x="300" y="130" width="240" height="440" rx="40" fill="#1c7ed6"/>'
        '<rect x="314" y="146" width="212" height="408" rx="30" fill="#74c0fc"/></g>'
        '<circle cx="400" cy="420" r="70" fill="#212529"/><circle cx="400"'
        ' cy="420" r="44" fill="none" stroke="#adb5bd" stroke-width="8"/>'
    )


def power_bank(big: bool) -> Drawer:
    def draw(p: Palette) -> str:
        w, h, col = (280, 460, "#0b7285") if big else (220, 400, "#e9ecef")
        x, y = 400 - w // 2, 640 - h
        leds = "".join(
            f'<circle cx="{400 - 45 + i * 30}" cy="{y + h - 60}" r="9" fill="{"#15aabf" if i < 3 else "#adb5bd"}"/>'
            for i in range(4)
        )
        return (
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="40" fill="{col}"/>'
            f'<rect x="{x + 18}" y="{y + 18}" width="{w - 36}" height="{h - 120}" rx="28" fill="#fff" opacity=".12"/>'
            f'<rect x="370" y="{y - 4}" width="60" height="14" rx="7" fill="#343a40"/>' + leds
        )

    return draw


def earbuds(p: Palette) -> str:
    bud = (
        '<g id="b"><circle r="42" fill="#fff"/><rect x="-16" y="10" width="32"'
        ' height="110" rx="16" fill="#fff"/><circle r="18" fill="#ced4da"/></g>'
    )
    return (
        f"<defs>{bud}</defs>"
        '<rect x="250" y="380" width="300" height="230" rx="100" fill="#fff"/>'
        '<path d="M250 480H550" stroke="#dee2e6" stroke-width="6"/><circle cx="400" cy="560" r="8" fill="#40c057"/>'
        + uses("b", [(330, 230)])
        + '<use href="#b" transform="translate(470 240) rotate(18)"/>'
    )


def boxes(c1: str, c2: str) -> Drawer:
    def draw(p: Palette) -> str:
        return "".join(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{c1}"/>'
            f'<rect x="{x + w // 2 - 14}" y="{y}" width="28" height="{h}" fill="{c2}"/>'
            for x, y, w, h in ((230, 480, 200, 180), (440, 460, 160, 200), (300, 300, 200, 180))
        )

    return draw


# --------------------------------------------------------------------------- honey


def jar(x: int, y: int, s: float, honey: str, lid: str) -> str:
    """A honey jar with a drip on the lid; (x, y) is the jar's centre."""
    return (
        f'<g transform="translate({x} {y}) scale({s:g})">'
        f'<rect x="-120" y="-130" width="240" height="290" rx="50" fill="{honey}"/>'
        '<rect x="-95" y="-110" width="36" height="220" rx="18" fill="#fff" opacity=".3"/>'
        '<rect x="-120" y="-20" width="240" height="80" fill="#fff8e1"/>'
        '<path d="M0-5l22 13v25L0 46-22 33V8Z" fill="#f59f00"/>'
        f'<rect x="-100" y="-180" width="200" height="60" rx="14" fill="{lid}"/>'
        f'<path d="M-60-120v30a12 12 0 0 0 24 0v-30Z" fill="{honey}"/></g>'
    )


def honey_jar(honey: str, lid: str, extra: str = "", s: float = 1) -> Drawer:
    def draw(p: Palette) -> str:
        return extra + jar(400, 470, s, honey, lid)

    return draw


MOUNTAINS = (
    '<path d="M120 560L300 300 400 430 500 280 680 560Z" fill="#b5c99a"/>'
    '<path d="M300 300l-40 58h80ZM500 280l-44 62h88Z" fill="#fff"/>'
)
DIPPER = (
    '<path d="M560 240L470 520" stroke="#8d5524" stroke-width="16" stroke-linecap="round"/>'
    '<g fill="#8d5524"><ellipse cx="580" cy="200" rx="36" ry="50" transform="rotate(18 580 200)"/></g>'
)


def hexagons(cx: int, cy: int, cols: int, rows: int, r: int, fill: str, stroke: str) -> str:
    pts = " ".join(
        f"{round(r * math.cos(math.pi / 3 * i + math.pi / 6))},{round(r * math.sin(math.pi / 3 * i + math.pi / 6))}"
        for i in range(6)
    )
    w, h = r * math.sqrt(3), r * 1.5
    cells = [
        (round(cx + (c - (cols - 1) / 2) * w + (w / 2 if row % 2 else 0)), round(cy + (row - (rows - 1) / 2) * h))
        for row in range(rows)
        for c in range(cols)
    ]
    return f'<defs><polygon id="h" points="{pts}" fill="{fill}" stroke="{stroke}" stroke-width="6"/></defs>' + uses(
        "h", cells
    )


def comb(p: Palette) -> str:
    return '<rect x="190" y="200" width="420" height="440" rx="24" fill="#c08a3e"/>' + hexagons(
        382, 420, 5, 6, 42, "#fcc419", "#e67700"
    )


def bowl(inner: str, color: str = "#c08a3e") -> str:
    return (
        inner + f'<path d="M200 460H600Q590 660 400 660T200 460Z" fill="{color}"/>'
        f'<rect x="190" y="446" width="420" height="28" rx="14" fill="{color}"/>'
    )


def nut_pile(shape: str, pts: list[tuple[int, int]]) -> Drawer:
    def draw(p: Palette) -> str:
        rot = "".join(
            f'<use href="#n" transform="translate({x} {y}) rotate({(x * 7 + y) % 90 - 45}) scale(1.3)"/>'
            for x, y in pts
        )
        return bowl(f'<defs><g id="n">{shape}</g></defs>' + rot)

    return draw


PILE = [
    (x, y)
    for y, xs in (
        (440, range(250, 560, 60)),
        (390, range(280, 530, 60)),
        (340, range(310, 500, 60)),
        (295, range(370, 440, 60)),
    )
    for x in xs
]
WALNUT = (
    '<circle r="34" fill="#b07b3f"/><path d="M0-32v64M-18-20q10 10 0 20t0 20M18-20q-10 10 0 20t0 20"'
    ' stroke="#7c5228" stroke-width="5" fill="none"/>'
)
ALMOND = '<path d="M0-40Q30-10 0 34Q-30-10 0-40Z" fill="#c68a55"/>'
PISTACHIO = (
    '<ellipse rx="24" ry="36" fill="#e8d7b4"/><path d="M0-26Q10 0 0 26"'
    ' stroke="#74b816" stroke-width="10" fill="none"/>'
)


def mix_nuts(p: Palette) -> str:
    shapes = [WALNUT, ALMOND, PISTACHIO, '<path d="M-26 10a28 28 0 1 1 40 0q-20-14-40 0Z" fill="#f3d9a4"/>']
    defs = "".join(f'<g id="m{i}">{s}</g>' for i, s in enumerate(shapes))
    body = "".join(
        f'<use href="#m{i % 4}" transform="translate({x} {y}) rotate({i * 37 % 90}) scale(1.3)"/>'
        for i, (x, y) in enumerate(PILE)
    )
    return bowl(f"<defs>{defs}</defs>" + body)


def plate(items: str) -> str:
    return (
        '<ellipse cx="400" cy="520" rx="280" ry="110" fill="#fff"/>'
        '<ellipse cx="400" cy="510" rx="230" ry="80" fill="#f1f3f5"/>' + items
    )


def mann(p: Palette) -> str:
    pts = [(310, 490), (400, 480), (490, 490), (350, 530), (450, 530), (355, 440), (445, 440), (400, 400)]
    return plate(
        '<defs><g id="m"><circle r="48" fill="#fff"/><circle r="48" fill="#e9ecef"'
        ' opacity=".6" cy="8"/><circle r="40" fill="#fff"/></g></defs>' + uses("m", pts)
    )


def baklava(p: Palette) -> str:
    piece = (
        '<g id="k"><rect x="-38" y="-38" width="76" height="76" rx="6"'
        ' fill="#e0a240" transform="rotate(45)"/><circle r="12" fill="#74b816"/></g>'
    )
    pts = [(x, y) for y in (380, 450, 520) for x in range(270 + (y // 70 % 2) * 55, 560, 110)]
    return (
        '<rect x="190" y="320" width="420" height="270" rx="26" fill="#ced4da"/>'
        '<rect x="205" y="335" width="390" height="240" rx="18" fill="#b0701f"/>'
        + f"<defs>{piece}</defs>"
        + uses("k", pts)
    )


def dibs(p: Palette) -> str:
    grapes = "".join(
        f'<circle cx="{x}" cy="{y}" r="26" fill="#6741d9"/>'
        for x, y in ((540, 520), (590, 520), (565, 565), (515, 565), (540, 610), (615, 565))
    )
    return (
        '<rect x="290" y="300" width="180" height="360" rx="40" fill="#4a1c0c"/>'
        '<rect x="345" y="200" width="70" height="120" rx="12" fill="#4a1c0c"/>'
        '<rect x="335" y="180" width="90" height="40" rx="10" fill="#8d5524"/>'
        '<rect x="310" y="430" width="140" height="100" fill="#fff8e1"/>'
        + grapes
        + '<ellipse cx="580" cy="480" rx="30" ry="14" fill="#2f9e44"/>'
    )


def gift_box(p: Palette) -> str:
    nuts = "".join(
        f'<circle cx="{x}" cy="470" r="24" fill="{c}"/>'
        for x, c in ((460, "#b07b3f"), (510, "#c68a55"), (560, "#e8d7b4"))
    )
    return (
        '<rect x="180" y="400" width="440" height="260" rx="16" fill="#a0522d"/>'
        + jar(320, 420, 0.55, "#f59f00", "#5c3d10")
        + nuts
        + '<rect x="180" y="500" width="440" height="160" rx="16" fill="#8b4513"/>'
        '<rect x="380" y="500" width="40" height="160" fill="#d6336c"/>' + bow(400, 505, "#d6336c")
    )


def basket(p: Palette) -> str:
    weave = "".join(f'<path d="M{x} 470L{x + 40} 660" stroke="#a9791e" stroke-width="6"/>' for x in range(200, 600, 50))
    return (
        '<path d="M220 470Q400 160 580 470" stroke="#a9791e" stroke-width="18" fill="none"/>'
        + jar(330, 400, 0.5, "#f59f00", "#5c3d10")
        + jar(470, 400, 0.5, "#8a4b08", "#5c3d10")
        + '<path d="M180 460H620L580 670H220Z" fill="#d4a24c"/>'
        + weave
    )


def tin(p: Palette) -> str:
    return (
        '<rect x="260" y="220" width="280" height="430" rx="14" fill="#ced4da"/>'
        '<rect x="280" y="240" width="60" height="390" rx="10" fill="#fff" opacity=".4"/>'
        '<rect x="440" y="180" width="60" height="50" rx="8" fill="#868e96"/>'
        '<rect x="260" y="380" width="280" height="140" fill="#f59f00"/>'
        + hexagons(400, 450, 2, 1, 30, "#ffd43b", "#e67700")
    )


# --------------------------------------------------------------------------- perfume


def bottle(glass_col: str, cap: str, round_: bool) -> Drawer:
    def draw(p: Palette) -> str:
        body = (
            f'<circle cx="400" cy="480" r="170" fill="{glass_col}"/>'
            if round_
            else f'<rect x="260" y="300" width="280" height="360" rx="30" fill="{glass_col}"/>'
        )
        return (
            body + '<rect x="300" y="340" width="40" height="260" rx="20" fill="#fff" opacity=".3"/>'
            '<rect x="370" y="250" width="60" height="70" fill="#dee2e6"/>'
            f'<rect x="340" y="170" width="120" height="100" rx="16" fill="{cap}"/>'
        )

    return draw


def bakhoor(p: Palette) -> str:
    return (
        '<path d="M370 430Q330 360 380 300T380 170M430 430Q470 360 420 290T440 180"'
        ' stroke="#adb5bd" stroke-width="8" fill="none" opacity=".7"/>'
        '<path d="M250 430H550Q540 520 400 520T250 430Z" fill="#e9b949"/>'
        '<path d="M360 520H440L480 660H320Z" fill="#7048e8"/><rect x="290"'
        ' y="640" width="220" height="30" rx="10" fill="#e9b949"/>'
    )


def perfume_set(p: Palette) -> str:
    return (
        '<rect x="170" y="440" width="460" height="220" rx="20" fill="#3b2a73"/>'
        '<rect x="240" y="260" width="130" height="200" rx="20" fill="#7048e8"/>'
        '<rect x="275" y="210" width="60" height="60" rx="8" fill="#e9b949"/>'
        '<circle cx="500" cy="390" r="80" fill="#f8f9fa"/><rect x="470"'
        ' y="270" width="60" height="50" rx="8" fill="#e9b949"/>' + bow(400, 540, "#e9b949")
    )


# --------------------------------------------------------------------------- product table

PRODUCTS: dict[str, Drawer] = {
    "flr-rose-12": roses_bouquet("#c92a2a", "#7a1010", 12, "#495057", "#212529", "#c92a2a"),
    "flr-rose-red1": single_rose,
    "flr-rose-wht-15": roses_bouquet("#fff", "#dee2e6", 15, "#ffe3ec", "#fcc2d7", "#f783ac"),
    "flr-tulip-10": tulips,
    "flr-sunf-07": sunflowers,
    "flr-mix-spr": mixed,
    "flr-lily-wht": lilies,
    "flr-box-rose": rose_box,
    "flr-box-choc": choc_box,
    "flr-orch-wht": orchid,
    "flr-peace-lily": peace_lily,
    "flr-bride-01": bridal,
    "flr-car-decor": car_decor,
    "flr-balloon-hb": balloons,
    "flr-event-custom": custom_arrangement,
    "tgr-case-ip15": case_clear,
    "tgr-case-ip15pm": case_silicone,
    "tgr-case-s24u": case_rugged,
    "tgr-glass-ip15": glass(False),
    "tgr-glass-priv": glass(True),
    "tgr-chg-20w": charger,
    "tgr-chg-65w": gan_charger,
    "tgr-cbl-cc1m": cable("#343a40", "usb-c", False),
    "tgr-cbl-cl2m": cable("#f8f9fa", "lightning", True),
    "tgr-car-chg": car_charger,
    "tgr-holder-car": holder,
    "tgr-pb-10k": power_bank(False),
    "tgr-pb-20k": power_bank(True),
    "tgr-ear-tws": earbuds,
    "tgr-bulk-pack": boxes("#c9a36b", "#0b7285"),
    "ehn-hny-mtn-1kg": honey_jar("#f59f00", "#5c3d10", DIPPER),
    "ehn-hny-mtn-500": honey_jar("#f59f00", "#8d5524", MOUNTAINS, 0.8),
    "ehn-hny-comb": comb,
    "ehn-hny-sidr": honey_jar(
        "#8a4b08",
        "#343a40",
        '<g fill="#5c940d"><ellipse cx="600" cy="300" rx="22"'
        ' ry="34"/><ellipse cx="200" cy="330" rx="22" ry="34"/></g>',
    ),
    "ehn-hny-spring": honey_jar(
        "#ffd43b",
        "#e67700",
        '<g fill="#f783ac"><circle cx="200" cy="300" r="26"/><circle cx="610" cy="330" r="20"/></g>',
    ),
    "ehn-nut-walnut": nut_pile(WALNUT, PILE),
    "ehn-nut-almond": nut_pile(ALMOND, PILE),
    "ehn-nut-pist": nut_pile(PISTACHIO, PILE),
    "ehn-nut-mix": mix_nuts,
    "ehn-swt-mann": mann,
    "ehn-swt-baql": baklava,
    "ehn-swt-dibs": dibs,
    "ehn-gift-box": gift_box,
    "ehn-gift-eid": basket,
    "ehn-hny-wholesale": tin,
    "cs-oud-50": bottle("#5f3dc4", "#e9b949", False),
    "cs-musk-30": bottle("#f8f9fa", "#b197fc", True),
    "cs-bakh-250": bakhoor,
    "cs-gift-set": perfume_set,
}


# --------------------------------------------------------------------------- layla (clothing)

BLACK, NAVY, BROWN, WINE, OLIVE = "#26262b", "#1b2a4a", "#6f4a2f", "#7b1e3a", "#5d6b2f"


def robe(fill: str, trim: str = "none", dots: bool = False) -> Drawer:
    """An abaya or a jalabiya: a long robe with wide sleeves, seen from the front."""

    def draw(p: Palette) -> str:
        gold = "".join(f'<circle cx="{400 + dx}" cy="{y}" r="7" fill="#e9c46a"/>'
                       for y in range(210, 330, 28) for dx in (-34, 34)) if dots else ""
        return (
            f'<path d="M335 140Q400 175 465 140L560 200 650 430 602 452 540 320 590 690H210L260 320 198 452 150 430'
            f' 240 200Z" fill="{fill}"/>'
            f'<path d="M365 152L400 260 435 152" fill="none" stroke="{trim}" stroke-width="10"/>'
            '<path d="M400 260V680" stroke="#000" stroke-opacity=".18" stroke-width="4"/>' + gold
        )

    return draw


def gown(fill: str) -> Drawer:
    """An evening dress: a fitted bodice with beads and a long flared skirt."""

    def draw(p: Palette) -> str:
        beads = "".join(f'<circle cx="{x}" cy="{y}" r="6" fill="#fff" opacity=".8"/>'
                        for y in (190, 230, 270) for x in range(362, 446, 20))
        return (
            f'<path d="M345 165L362 125H438L455 165 470 330Q400 352 330 330Z" fill="{fill}"/>'
            f'<path d="M330 320Q400 346 470 320L610 690Q400 722 190 690Z" fill="{fill}"/>'
            '<path d="M400 345L380 690M420 345L470 688M380 345L320 690" stroke="#000" stroke-opacity=".15"'
            ' stroke-width="5"/>'
            + beads
        )

    return draw


def day_dress(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M330 150Q400 180 470 150L560 210 600 420 560 432 510 300 560 680H240L290 300 240 432 200 420'
            f' 240 210Z" fill="{fill}"/><path d="M290 470H510" stroke="#fff" stroke-width="8" opacity=".6"/>'
            '<rect x="300" y="500" width="50" height="60" rx="8" fill="#000" opacity=".12"/>'
            '<rect x="450" y="500" width="50" height="60" rx="8" fill="#000" opacity=".12"/>'
        )

    return draw


def two_piece(top: str, bottom: str, buttons: bool) -> Drawer:
    """A top and trousers: pyjamas (with buttons) or a tracksuit (with a hood string)."""

    def draw(p: Palette) -> str:
        extra = ("".join(f'<circle cx="400" cy="{y}" r="8" fill="#fff"/>' for y in (200, 260, 320, 380))
                 if buttons else '<path d="M385 160V230M415 160V230" stroke="#fff" stroke-width="6"/>')
        return (
            f'<path d="M295 150Q400 178 505 150L600 225 565 305 520 280V420H280V280L235 305 200 225Z" fill="{top}"/>'
            f'<path d="M288 428H512L535 690H420L400 520 380 690H265Z" fill="{bottom}"/>'
            '<path d="M400 150V420" stroke="#000" stroke-opacity=".15" stroke-width="4"/>' + extra
        )

    return draw


def scarf(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M190 260Q400 120 610 260L560 640Q400 710 240 640Z" fill="{fill}"/>'
            '<path d="M260 300Q400 220 540 300M290 420Q400 360 510 420M300 540Q400 500 500 540" fill="none"'
            ' stroke="#000" stroke-opacity=".14" stroke-width="8"/>'
            '<path d="M190 260Q400 120 610 260" fill="none" stroke="#fff" stroke-opacity=".5" stroke-width="6"/>'
        )

    return draw


def blouse(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<g fill="{fill}"><ellipse cx="245" cy="300" rx="80" ry="110" transform="rotate(25 245 300)"/>'
            '<ellipse cx="555" cy="300" rx="80" ry="110" transform="rotate(-25 555 300)"/>'
            '<path d="M300 190Q400 220 500 190L520 600H280Z"/></g>'
            '<rect x="360" y="150" width="80" height="55" rx="14" fill="#000" opacity=".2"/>'
        )

    return draw


def denim_skirt(p: Palette) -> str:
    return (
        '<path d="M290 150H510L580 690H220Z" fill="#4a6fa5"/>'
        '<rect x="290" y="150" width="220" height="40" fill="#3b5b8c"/>'
        '<path d="M400 190V690" stroke="#e9c46a" stroke-width="4" stroke-dasharray="10 8"/>'
        '<path d="M300 215Q330 260 360 215M440 215Q470 260 500 215" fill="none" stroke="#e9c46a" stroke-width="4"/>'
    )


def shawl(p: Palette) -> str:
    fringe = "".join(f'<path d="M{x} 600v40" stroke="#a0784c" stroke-width="6"/>' for x in range(250, 560, 22))
    return (
        '<path d="M250 160H550V600H250Z" fill="#c19a6b"/><path d="M250 250H550M250 510H550" stroke="#8d6a42"'
        ' stroke-width="14"/>' + fringe
    )


def handbag(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M310 330Q310 190 400 190T490 330" fill="none" stroke="{fill}" stroke-width="26"/>'
            f'<path d="M220 330H580L620 640H180Z" fill="{fill}"/><path d="M220 330H580L560 420H240Z" fill="#000"'
            ' opacity=".18"/><rect x="370" y="400" width="60" height="40" rx="8" fill="#e9c46a"/>'
        )

    return draw


# --------------------------------------------------------------------------- rafidain (shoes)


def sneaker(fill: str, sole: str = "#f8f9fa", studs: bool = False, lights: bool = False, scale: float = 1) -> Drawer:
    """A trainer seen from the side (a football boot with studs, a child's with lights)."""

    def draw(p: Palette) -> str:
        under = "".join(f'<rect x="{x}" y="610" width="26" height="34" rx="6" fill="#343a40"/>'
                        for x in (210, 290, 470, 550, 610)) if studs else ""
        glow = "".join(f'<circle cx="{x}" cy="597" r="11" fill="{c}"/>'
                       for x, c in ((240, "#f03e3e"), (330, "#fcc419"), (420, "#40c057"), (510, "#4dabf7"),
                                    (590, "#cc5de8"))) if lights else ""
        body = (
            f'<path d="M170 540Q165 430 255 405L380 360Q435 345 465 392L525 455Q605 470 645 525Q665 565 632 585'
            f'H185Q162 570 170 540Z" fill="{fill}"/>'
            f'<path d="M158 578H648Q662 604 632 618H182Q148 606 158 578Z" fill="{sole}"/>'
            '<path d="M395 395L430 440M420 380L455 425M445 368L478 410" stroke="#fff" stroke-width="9"'
            ' stroke-linecap="round"/><path d="M240 520Q380 470 560 520" fill="none" stroke="#fff"'
            ' stroke-width="14" opacity=".55"/>' + under + glow
        )
        if scale == 1:
            return body
        return f'<g transform="translate(400 500) scale({scale:g}) translate(-400 -500)">{body}</g>'

    return draw


def oxford(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M150 560Q160 480 250 470L420 440Q470 430 520 465L610 500Q670 520 660 560L655 585H165Z"'
            f' fill="{fill}"/><path d="M150 583H660V608H200Z" fill="#212529"/>'
            '<rect x="165" y="590" width="90" height="45" rx="6" fill="#343a40"/>'
            '<path d="M430 452L470 500M455 446L492 492" stroke="#f1f3f5" stroke-width="5"/>'
            '<path d="M250 520Q400 500 560 540" fill="none" stroke="#000" stroke-opacity=".25" stroke-width="5"/>'
        )

    return draw


def heel_sandal(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            '<path d="M200 430Q300 460 420 560L650 585Q670 600 650 612H420Q300 520 200 470Z" fill="#343a40"/>'
            '<path d="M205 470L215 660H245L240 478Z" fill="#343a40"/>'
            f'<g fill="none" stroke="{fill}" stroke-width="22" stroke-linecap="round">'
            '<path d="M250 380Q215 440 265 470"/>'
            '<path d="M470 520Q520 470 560 560"/><path d="M530 540Q585 510 615 580"/></g>'
            f'<circle cx="252" cy="392" r="12" fill="{fill}"/>'
        )

    return draw


def boot(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M250 150H420L430 420Q520 440 600 500Q660 545 640 585H230Z" fill="{fill}"/>'
            '<path d="M228 583H645Q655 610 630 622H228Z" fill="#3b2a1f"/>'
            '<path d="M250 150H420V205H250Z" fill="#f1e3cf"/>'
            '<path d="M420 205L428 420" stroke="#000" stroke-opacity=".2" stroke-width="6"/>'
        )

    return draw


def med_sandal(p: Palette) -> str:
    return (
        '<path d="M160 560Q170 530 220 528H600Q660 530 660 565L655 600H170Z" fill="#343a40"/>'
        '<path d="M160 598H660Q668 622 640 630H185Q150 620 160 598Z" fill="#868e96"/>'
        '<g fill="#212529"><path d="M300 530Q330 430 420 440Q470 450 480 530Z"/><path d="M500 530Q520 470 580 480'
        'Q610 490 610 530Z"/></g><path d="M320 490H470" stroke="#495057" stroke-width="6" stroke-dasharray="12 10"/>'
    )


def slipper(fill: str) -> Drawer:
    def draw(p: Palette) -> str:
        return (
            f'<path d="M170 570Q160 520 220 515H520Q640 500 655 560Q660 590 630 598H200Q172 595 170 570Z"'
            f' fill="{fill}"/>'
            '<path d="M160 592H660Q662 616 632 622H190Q158 614 160 592Z" fill="#dee2e6"/>'
            f'<path d="M430 515Q450 420 560 450Q640 475 650 550Z" fill="{fill}"/>'
            '<path d="M440 505Q470 445 560 465" fill="none" stroke="#fff" stroke-width="8" opacity=".6"/>'
        )

    return draw


def socks(p: Palette) -> str:
    def one(x: int, fill: str) -> str:
        return (f'<path d="M{x} 170H{x + 110}V470Q{x + 110} 520 {x + 170} 540Q{x + 215} 560 {x + 200} 610Q{x + 185} 650'
                f' {x + 130} 640L{x + 30} 600Q{x} 585 {x} 540Z" fill="{fill}"/>'
                f'<rect x="{x}" y="170" width="110" height="50" fill="#000" opacity=".15"/>')

    return one(220, "#f8f9fa") + one(380, "#343a40")


def care_kit(p: Palette) -> str:
    return (
        '<ellipse cx="300" cy="560" rx="120" ry="40" fill="#495057"/><rect x="180" y="480" width="240" height="80"'
        ' fill="#868e96"/><ellipse cx="300" cy="480" rx="120" ry="40" fill="#ced4da"/>'
        '<ellipse cx="300" cy="480" rx="70" ry="20" fill="#212529"/>'
        '<rect x="460" y="330" width="200" height="70" rx="30" fill="#8d5524" transform="rotate(-25 560 365)"/>'
        '<g stroke="#343a40" stroke-width="8">' + "".join(
            f'<path d="M{x} {y}l-14 40"/>' for x, y in ((480, 430), (510, 418), (540, 404), (570, 390), (600, 376)))
        + "</g>"
    )


PRODUCTS.update({
    "lyl-aby-crepe": robe(BLACK), "lyl-aby-crepe-navy": robe(NAVY), "lyl-aby-crepe-brown": robe(BROWN),
    "lyl-aby-emb": robe(BLACK, "#e9c46a", dots=True),
    "lyl-drs-eve": gown(WINE), "lyl-drs-eve-navy": gown(NAVY), "lyl-drs-eve-olive": gown(OLIVE),
    "lyl-drs-day": day_dress("#5c7cfa"),
    "lyl-pjm-cot": two_piece("#f783ac", "#fcc2d7", True), "lyl-pjm-cot-sky": two_piece("#74c0fc", "#a5d8ff", True),
    "lyl-hjb-chf": scarf(BLACK), "lyl-hjb-chf-white": scarf("#f8f9fa"), "lyl-hjb-chf-beige": scarf("#e6d5b8"),
    "lyl-hjb-chf-pink": scarf("#f783ac"),
    "lyl-bls-sat": blouse("#f1f3f5"), "lyl-skr-jns": denim_skirt, "lyl-jlb-mor": robe("#2f9e44", "#fcc419"),
    "lyl-set-spt": two_piece("#343a40", "#343a40", False), "lyl-shl-wol": shawl,
    "lyl-bag-lth": handbag(BLACK), "lyl-bag-lth-brown": handbag(BROWN),
    "rfd-run-m": sneaker(BLACK), "rfd-run-m-white": sneaker("#e9ecef", "#adb5bd"), "rfd-run-m-grey": sneaker("#868e96"),
    "rfd-oxf": oxford(BLACK), "rfd-oxf-brown": oxford(BROWN), "rfd-ftb": sneaker("#1c7ed6", "#343a40", studs=True),
    "rfd-heel-w": heel_sandal("#d4a017"), "rfd-heel-w-silver": heel_sandal("#adb5bd"),
    "rfd-heel-w-black": heel_sandal(BLACK),
    "rfd-boot-w": boot(BLACK), "rfd-boot-w-brown": boot(BROWN), "rfd-boot-w-camel": boot("#c19a6b"),
    "rfd-kid-led": sneaker("#e64980", lights=True, scale=0.85), "rfd-med": med_sandal,
    "rfd-slp": slipper("#868e96"), "rfd-slp-navy": slipper(NAVY), "rfd-slp-pink": slipper("#f783ac"),
    "rfd-sck-6": socks, "rfd-care-kit": care_kit,
})


def generic(p: Palette) -> str:
    """Fallback for a product image with no drawer: a gift box."""
    return (
        f'<rect x="250" y="360" width="300" height="290" rx="16" fill="{p.main}"/>'
        f'<rect x="385" y="360" width="30" height="290" fill="{p.accent}"/>' + bow(400, 360, p.accent)
    )


# --------------------------------------------------------------------------- logos and covers

LOGO_EMBLEMS: dict[str, str] = {
    "flora-baghdad": petals(5, 26, 38, 40, "#fff") + '<circle r="24" fill="#fcc419"/>',
    "tigris-tech": '<rect x="-40" y="-70" width="80" height="140" rx="16" fill="none" stroke="#fff" stroke-width="10"/>'
    '<path d="M8-40L-18 6H4L-6 44 22-4H0Z" fill="#15aabf"/>',
    "erbil-honey": '<path d="M0-70L61-35V35L0 70-61 35V-35Z" fill="#fff"/>'
    '<path d="M0-34Q26 0 26 14A26 26 0 0 1-26 14Q-26 0 0-34Z" fill="#f59f00"/>',
    "coming-soon": '<rect x="-38" y="-20" width="76" height="90" rx="14" fill="#fff"/>'
    '<rect x="-18" y="-60" width="36" height="40" rx="6" fill="#e9b949"/>',
    "layla-boutique": '<path d="M0-62a16 16 0 1 1 16 16v14L70 20H-70L-16-32" fill="none" stroke="#fff"'
    ' stroke-width="10" stroke-linejoin="round"/>',
    "rafidain-shoes": '<path d="M-70 30Q-72-10-40-16L10-40Q30-46 42-26L60 0Q80 6 78 30Z" fill="#fff"/>'
    '<path d="M-74 36H80V48H-74Z" fill="#f08c00"/>',
}


def logo(slug: str, p: Palette) -> str:
    emblem = LOGO_EMBLEMS.get(slug, '<circle r="50" fill="#fff"/>')
    return svg(
        256,
        256,
        f"<defs>{gradient('g', p.main, p.ink)}</defs>"
        f'<circle cx="128" cy="128" r="128" fill="url(#g)"/><g transform="translate(128 128)">{emblem}</g>',
    )


COVER_MOTIFS: dict[str, str] = {
    "flora-baghdad": petals(5, 26, 38, 40, "{main}") + '<circle r="24" fill="{accent}"/>',
    "tigris-tech": '<rect x="-50" y="-90" width="100" height="180" rx="20" fill="{main}"/>'
    '<rect x="-40" y="-78" width="80" height="150" rx="12" fill="{bg1}"/>',
    "erbil-honey": '<path d="M0-60L52-30V30L0 60-52 30V-30Z" fill="{main}" stroke="{accent}" stroke-width="8"/>',
    "coming-soon": '<rect x="-40" y="-20" width="80" height="100" rx="16" fill="{main}"/>'
    '<rect x="-18" y="-60" width="36" height="44" rx="6" fill="{accent}"/>',
    "layla-boutique": '<path d="M0-62a16 16 0 1 1 16 16v14L70 20H-70L-16-32" fill="none" stroke="{main}"'
    ' stroke-width="10" stroke-linejoin="round"/>',
    "rafidain-shoes": '<path d="M-70 30Q-72-10-40-16L10-40Q30-46 42-26L60 0Q80 6 78 30Z" fill="{main}"/>'
    '<path d="M-74 36H80V48H-74Z" fill="{accent}"/>',
}
COVER_SPOTS = [
    (150, 180, 1.2),
    (330, 430, 0.8),
    (520, 220, 1.5),
    (700, 470, 1.0),
    (860, 170, 0.9),
    (1040, 380, 1.4),
    (1120, 120, 0.6),
]


def cover(slug: str, p: Palette) -> str:
    motif = COVER_MOTIFS.get(slug, '<circle r="50" fill="{main}"/>').format(main=p.main, accent=p.accent, bg1=p.bg1)
    spots = "".join(
        f'<use href="#m" transform="translate({x} {y}) scale({s:g}) rotate({i * 23})" opacity="{0.55 + 0.06 * i:.2f}"/>'
        for i, (x, y, s) in enumerate(COVER_SPOTS)
    )
    return svg(
        1200,
        630,
        f'<defs>{gradient("g", p.bg1, p.bg2)}<g id="m">{motif}</g></defs>'
        '<rect width="1200" height="630" fill="url(#g)"/>'
        f'<circle cx="1050" cy="600" r="300" fill="{p.main}" opacity=".08"/>'
        f'<circle cx="120" cy="40" r="200" fill="{p.second}" opacity=".08"/>'
        f'<path d="M0 520Q300 440 600 520T1200 500V630H0Z" fill="{p.ink}" opacity=".08"/>' + spots,
    )


# --------------------------------------------------------------------------- writing


def product_svg(name: str, p: Palette) -> str:
    """Render one product file; 'sku-2' style names are a tilted variant of 'sku'."""
    base, _, suffix = name.rpartition("-")
    if suffix.isdigit() and base in PRODUCTS:
        return product_frame(p, PRODUCTS[base](p), variant=True)
    return product_frame(p, PRODUCTS.get(name, generic)(p))


def write(path: Path, text: str) -> None:
    """Write one SVG after checking it parses and fits the size budget."""
    ElementTree.fromstring(text)  # noqa: S314 - our own generated markup, not untrusted input
    size = len(text.encode("utf-8"))
    if size >= MAX_BYTES:
        raise SystemExit(f"{path} is {size} bytes, over the {MAX_BYTES}-byte budget")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def static_path(url: str) -> Path:
    """Map a /static/... URL to a file under the static folder."""
    if not url.startswith("/static/"):
        raise SystemExit(f"not a static URL: {url}")
    return STATIC / url.removeprefix("/static/")


def drawings(sf: dict) -> list[tuple[str, Callable[[], str]]]:
    """(URL, drawing) of every SVG one seeded store names (photo URLs are make_demo_photos.py's)."""
    slug, p = sf["slug"], PALETTES.get(sf["slug"], DEFAULT_PALETTE)
    found: list[tuple[str, Callable[[], str]]] = [
        (sf.get("logoUrl") or "", lambda: logo(slug, p)), (sf.get("coverImageUrl") or "", lambda: cover(slug, p))]
    for product in sf["products"]:
        urls = [*product.get("imageUrls", []), *(v.get("imageUrl") or "" for v in product.get("variants") or [])]
        found += [(url, lambda url=url: product_svg(Path(url).stem, p)) for url in urls]
    return [(url, draw) for url, draw in found if url.startswith("/static/img/demo/") and url.endswith(".svg")]


def main() -> int:
    """Generate every SVG image the sandbox stores refer to (stores.json and stores-*.json)."""
    seeds = [STORES_JSON, *sorted(STORES_JSON.parent.glob("stores-*.json"))]
    written: set[str] = set()
    for seed in seeds:
        for entry in json.loads(seed.read_text(encoding="utf-8")):
            for url, draw in drawings(entry["storefront"]):
                if url not in written:
                    write(static_path(url), draw())
                    written.add(url)
    print(f"wrote {len(written)} SVG files under {STATIC / 'img' / 'demo'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

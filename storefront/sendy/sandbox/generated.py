"""Sandbox layer: a generated big store (thousands of products) for benchmarks, tests and demos.

The same arguments always give the same store. Print one in the SANDBOX_DATA format with

    python -m storefront.sendy.sandbox.generated --products 5000 > big.json
    SANDBOX_DATA=big.json make run        # then open http://127.0.0.1:5000/souq/
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

NOUNS = ("قميص", "فستان", "حذاء", "ساعة", "حقيبة", "عطر", "كوب", "مصباح", "وسادة", "سجادة", "نظارة", "محفظة",
         "قلم", "دفتر", "شال", "طقم", "جاكيت", "بنطلون", "سماعة", "شاحن")
KINDS = ("رجالي", "نسائي", "للأطفال", "كلاسيك", "رياضي", "فاخر", "يومي", "شتوي", "صيفي", "عملي")
COLOURS = ("أسود", "أبيض", "أزرق", "أحمر", "بني", "رمادي", "كحلي", "بيج", "أخضر", "وردي")
SECTIONS = ("ملابس", "أحذية", "إكسسوارات", "البيت", "إلكترونيات")
SUBSECTIONS = ("جديد", "الأكثر مبيعًا", "تخفيضات")
SIZES = ("S", "M", "L", "XL")
#: Existing demo drawings, reused so every card has a picture that loads.
IMAGES = tuple(f"/static/img/demo/layla-boutique/{n}.svg" for n in (
    "lyl-aby-crepe", "lyl-drs-eve", "lyl-pjm-cot", "lyl-hjb-chf", "lyl-bag-lth", "lyl-skr-jns")) + tuple(
    f"/static/img/demo/rafidain-shoes/{n}.svg" for n in ("rfd-run-m", "rfd-oxf", "rfd-boot-w", "rfd-heel-w"))


def big_store(products: int = 5000, categories: int = 20, *, slug: str = "souq", seed: int = 9) -> dict[str, Any]:
    """A storefront object (as Sendy sends it) with this many products and categories."""
    rnd = random.Random(seed)
    cats = _categories(categories)
    leaves = [c["id"] for c in cats if c["parentId"]] or [c["id"] for c in cats]
    return {
        "slug": slug, "name": "سوق بغداد الكبير", "language": "ar", "currencyCode": "IQD",
        "description": "متجر تجريبي كبير: آلاف المنتجات في أقسام متداخلة، للتجربة والقياس.",
        "whatsappPhone": "9647700000009", "categories": cats,
        "products": [_product(i, rnd, leaves) for i in range(1, products + 1)],
    }


def _categories(count: int) -> list[dict[str, Any]]:
    """Sections with sub-sections under them, ``count`` categories in all."""
    out: list[dict[str, Any]] = []
    for n in range(count):
        top, sub = divmod(n, len(SUBSECTIONS) + 1)
        section = f"{SECTIONS[top % len(SECTIONS)]}{'' if top < len(SECTIONS) else f' {top + 1}'}"
        if sub == 0:
            out.append({"id": f"c{top}", "name": section, "parentId": None})
        else:
            out.append({"id": f"c{top}-{sub}", "name": f"{section}: {SUBSECTIONS[sub - 1]}", "parentId": f"c{top}"})
    return out


def _product(i: int, rnd: random.Random, leaves: list[str]) -> dict[str, Any]:
    noun, kind, colour = rnd.choice(NOUNS), rnd.choice(KINDS), rnd.choice(COLOURS)
    price = rnd.randrange(20, 1000) * 250
    product: dict[str, Any] = {
        "id": f"gen-{i}", "sku": f"GEN-{i:05d}", "name": f"{noun} {kind} {colour} {i}",
        "description": f"{noun} {kind} باللون ال{colour}، جودة عالية وسعر مناسب.\n"
                       f"رقم الموديل {i}، توصيل لكل المحافظات.",
        "price": price, "compareAtPrice": price + 5000 if rnd.random() < 0.15 else None,
        "imageUrls": [IMAGES[i % len(IMAGES)]], "categoryId": rnd.choice(leaves), "inStock": rnd.random() > 0.08,
    }
    if i % 10 == 0:  # one product in ten comes in sizes
        product["options"] = [{"name": "المقاس", "values": list(SIZES)}]
        product["variants"] = [{"sku": f"GEN-{i:05d}-{s}", "optionValues": [s], "price": price,
                                "inStock": rnd.random() > 0.2} for s in SIZES]
    return product


def main(argv: list[str] | None = None) -> int:
    """Print a generated store as a SANDBOX_DATA file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--slug", default="souq")
    args = parser.parse_args(argv)
    store = {"published": True, "apiKey": None, "storefront": big_store(args.products, args.categories, slug=args.slug)}
    json.dump([store], sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

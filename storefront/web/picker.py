"""Presentation: the option pickers of a product page, as the page and its script show them.

The server marks what holds whatever else is chosen (a value no variant has is disabled; a value
whose every variant is sold out is marked), so the radios work with JavaScript off; the script
then narrows both marks to the shopper's current choice, with the same data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from storefront.sendy.models import Option, Product, Variant
from storefront.services.search import fold
from storefront.web.templating import money

#: Values longer than this are laid out one per row instead of as chips.
SHORT_VALUE = 14
#: Folded option names that mean colour, size or material (schema.org's variesBy for them).
KINDS = {
    "color": {"اللون", "لون", "الالوان", "الوان", "color", "colour", "colors", "colours"},
    "size": {"المقاس", "مقاس", "القياس", "قياس", "الحجم", "حجم", "size", "sizes"},
    "material": {"الخامه", "خامه", "القماش", "قماش", "الماده", "material", "fabric"},
}
#: Folded colour names → the swatch class (its colour is in site.css).
SWATCHES = {
    **dict.fromkeys(("اسود", "black"), "k"), **dict.fromkeys(("ابيض", "white"), "w"),
    **dict.fromkeys(("احمر", "red"), "r"), **dict.fromkeys(("ازرق", "blue"), "b"),
    **dict.fromkeys(("كحلي", "navy"), "n"), **dict.fromkeys(("اخضر", "green"), "g"),
    **dict.fromkeys(("زيتي", "olive"), "o"), **dict.fromkeys(("اصفر", "yellow"), "y"),
    **dict.fromkeys(("برتقالي", "orange"), "or"), **dict.fromkeys(("وردي", "زهري", "pink"), "p"),
    **dict.fromkeys(("بنفسجي", "موف", "purple"), "v"), **dict.fromkeys(("بني", "brown"), "br"),
    **dict.fromkeys(("بيج", "beige"), "be"), **dict.fromkeys(("جملي", "camel"), "c"),
    **dict.fromkeys(("رمادي", "رصاصي", "grey", "gray"), "gr"), **dict.fromkeys(("فضي", "silver"), "s"),
    **dict.fromkeys(("ذهبي", "gold"), "go"), **dict.fromkeys(("خمري", "نبيذي", "burgundy", "maroon"), "m"),
    **dict.fromkeys(("كريمي", "عاجي", "cream", "ivory"), "cr"),
    **dict.fromkeys(("سمائي", "سماوي", "sky"), "sk"), **dict.fromkeys(("فيروزي", "turquoise"), "t"),
}


def option_kind(name: str) -> str:
    """"color", "size", "material", or "" for an option name Google has no property for."""
    folded = fold(name).strip()
    return next((kind for kind, names in KINDS.items() if folded in names), "")


def swatch(value: str) -> str:
    """The swatch class of a colour name ("" when the value is not a colour we know)."""
    folded = fold(value).split()
    return SWATCHES.get(" ".join(folded)) or (SWATCHES.get(folded[0], "") if folded else "")


@dataclass(frozen=True)
class Choice:
    """One value of an option: a radio and its chip."""

    value: str
    checked: bool
    sold_out: bool  # every variant with it is sold out
    absent: bool  # no variant has it: disabled
    swatch: str = ""
    extra: int = 0  # how much more its cheapest variant costs than the product's cheapest (IQD, shown "+5,000")


@dataclass(frozen=True)
class Picker:
    """One option's radios, in the merchant's order."""

    index: int
    name: str
    choices: tuple[Choice, ...]
    short: bool
    unchosen: bool  # the shopper pressed "add" without choosing it


@dataclass(frozen=True)
class ProductView:
    """What a product page shows: the chosen variant, the pickers, the photos and the script's data."""

    product: Product
    variant: Variant | None
    pickers: tuple[Picker, ...]
    images: tuple[str, ...]
    problem: str = ""  # "", "missing", "absent" or "sold_out"

    @property
    def sold_out(self) -> bool:
        """Whether the chosen variant (by link or by the choices) is sold out: "add" is disabled."""
        return self.variant is not None and not self.variant.in_stock

    @property
    def first_missing(self) -> int | None:
        """The index of the first option "add" was pressed without (the page opens at it), else None."""
        return next((p.index for p in self.pickers if p.unchosen), None)

    @property
    def shown(self) -> Product | Variant:
        """What the price and stock lines describe: the chosen variant, else the product."""
        return self.variant or self.product

    def data(self) -> str:
        """The variants for the script: [sku, values, price, compare-at, in stock, photo index]."""
        return json.dumps([[v.sku, list(v.values), money(v.price), money(v.compare_at_price) if v.on_sale else "",
                            int(v.in_stock), self.images.index(v.image_url) if v.image_url in self.images else -1]
                           for v in self.product.variants], ensure_ascii=False, separators=(",", ":"))


def product_view(product: Product, chosen: tuple[str | None, ...] = (), bounced: bool = False) -> ProductView:
    """The page of a product with these values chosen (``bounced``: "add" was pressed with them)."""
    if not product.variants:
        return ProductView(product, None, (), product.image_urls)
    values = _preselect(product.options, chosen)
    variant = product.variant_for(tuple(v or "" for v in values)) if all(values) else None
    pickers = tuple(_picker(i, option, values, product.variants, bounced)
                    for i, option in enumerate(product.options))
    images = list(dict.fromkeys([*product.image_urls, *(v.image_url for v in product.variants if v.image_url)]))
    if variant is not None and variant.image_url:  # the chosen variant's photo first
        images.remove(variant.image_url)
        images.insert(0, variant.image_url)
    problem = _problem(values, variant) if bounced else ("sold_out" if variant and not variant.in_stock else "")
    return ProductView(product, variant, pickers, tuple(images), problem)


def _preselect(options: tuple[Option, ...], chosen: tuple[str | None, ...]) -> list[str | None]:
    """The chosen values that exist (an option with one value is chosen for the shopper)."""
    picked: list[str | None] = []
    for i, option in enumerate(options):
        value = chosen[i] if i < len(chosen) else None
        picked.append(value if value in option.values else option.values[0] if len(option.values) == 1 else None)
    return picked


def _picker(index: int, option: Option, values: list[str | None], variants: tuple[Variant, ...],
            bounced: bool) -> Picker:
    """One option's chips: a value is marked sold out when every variant with it that fits the other
    chosen values is (as the script narrows it), and priced "+X" from the product's cheapest variant."""
    colour = option_kind(option.name) == "color"
    value = values[index]
    lowest = min((v.price for v in variants), default=0)
    choices = []
    for candidate in option.values:
        having = [v for v in variants if v.values[index] == candidate]
        near = [v for v in having if all(c is None or j == index or v.values[j] == c for j, c in enumerate(values))]
        extra = min((v.price for v in having), default=lowest) - lowest
        choices.append(Choice(candidate, candidate == value, bool(near) and not any(v.in_stock for v in near),
                              not having, swatch(candidate) if colour else "", extra))
    short = all(len(v) <= SHORT_VALUE for v in option.values)
    return Picker(index, option.name, tuple(choices), short, bounced and value is None)


def _problem(values: list[str | None], variant: Variant | None) -> str:
    if not all(values):
        return "missing"
    if variant is None:
        return "absent"
    return "" if variant.in_stock else "sold_out"

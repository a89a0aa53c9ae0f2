"""Service layer: a store's search index, built once each time the store is fetched.

Text is folded (case, accents, hamza forms, ta marbuta, alef maqsura, tatweel; Arabic-Indic and
Persian digits to 0-9) and split into words. A query word matches a product when it appears
inside one of the product's words, as before; but instead of scanning every product, a query
looks the word up among the sorted suffixes of the store's distinct words (a bisect), then joins
the products of the words found. Its cost follows the number of matches, not the store's size.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from storefront.sendy.models import Product

_ARABIC_FOLD = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None}
_DIGITS = dict(zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789", strict=True))
_WORD = re.compile(r"\w+")
#: Suffixes shorter than this are not indexed (a one-letter query still finds whole one-letter words).
MIN_SUFFIX = 2
#: The most words of a query that are looked up (the rest are ignored).
MAX_QUERY_WORDS = 8
_LAST = "\U0010ffff"


#: One translation: combining marks (accents, harakat) dropped, Arabic letters and digits folded.
#: Built at import (about 10 ms), so no shopper's first page waits for it.
_FOLD = {**{cp: None for cp in range(0x10000) if unicodedata.combining(chr(cp))},
         **str.maketrans({**_ARABIC_FOLD, **_DIGITS})}


def fold(text: str) -> str:
    """Case-, accent- and hamza-insensitive text with ASCII digits, for search."""
    return unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return _WORD.findall(fold(text))


def _name_text(product: Product) -> str:
    return " ".join([product.name, product.sku, *(v.sku for v in product.variants)])


def _other_text(product: Product) -> str:
    values = (value for option in product.options for value in option.values)
    return " ".join([product.description, *values])


@dataclass(frozen=True)
class SearchIndex:
    """Which products hold which words: in their name (or SKU), or anywhere."""

    suffixes: tuple[str, ...]  # every suffix of every distinct word, sorted
    owners: tuple[int, ...]  # the word id of each suffix
    in_name: tuple[tuple[int, ...], ...]  # word id → positions of products with it in the name
    anywhere: tuple[tuple[int, ...], ...]  # word id → positions of products with it anywhere

    @classmethod
    def build(cls, products: Iterable[Product]) -> SearchIndex:
        """Index the products, by their position in the store."""
        ids: dict[str, int] = {}
        in_name: list[list[int]] = []
        anywhere: list[list[int]] = []
        for position, product in enumerate(products):
            name = set(words(_name_text(product)))
            for word in name | set(words(_other_text(product))):
                wid = ids.setdefault(word, len(ids))
                if wid == len(in_name):
                    in_name.append([])
                    anywhere.append([])
                anywhere[wid].append(position)
                if word in name:
                    in_name[wid].append(position)
        pairs = sorted((word[i:], wid) for word, wid in ids.items()
                       for i in range(len(word)) if i == 0 or len(word) - i >= MIN_SUFFIX)
        # Postings as tuples (8 bytes a position; sets would take four times that), one shared ().
        return cls(tuple(s for s, _ in pairs), tuple(w for _, w in pairs),
                   tuple(tuple(p) if p else () for p in in_name), tuple(tuple(p) for p in anywhere))

    def _word_ids(self, word: str) -> set[int]:
        """The ids of the store's words that contain ``word``."""
        lo = bisect_left(self.suffixes, word)
        hi = bisect_left(self.suffixes, word + _LAST, lo)
        return set(self.owners[lo:hi])

    def find(self, query: str) -> tuple[frozenset[int], frozenset[int]]:
        """(every matching position, those matching in the name), for a query's folded words."""
        wanted = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
        matches: frozenset[int] | None = None
        named: frozenset[int] | None = None
        for word in wanted:
            ids = self._word_ids(word)
            some = frozenset().union(*(self.anywhere[i] for i in ids))
            some_named = frozenset().union(*(self.in_name[i] for i in ids))
            matches = some if matches is None else matches & some
            named = some_named if named is None else named & some_named
            if not matches:
                return frozenset(), frozenset()
        return matches or frozenset(), named or frozenset()

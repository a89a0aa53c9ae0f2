"""Digits a shopper may type: ASCII (0-9), Arabic-Indic (٠-٩) and Persian/Urdu (۰-۹), nothing else.

``str.isdigit`` and ``int`` accept far more (superscripts, circled digits, fullwidth and
hundreds of other scripts), so every field a shopper types goes through these helpers.
The module is neutral: forms and services both import it, never each other.
"""

from __future__ import annotations

import re

#: Arabic-Indic (٠-٩) and Persian/Urdu (۰-۹) digits, mapped to ASCII.
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
#: After translation, only these are digits (re.ASCII: \d is exactly 0-9).
_ASCII_DIGITS = re.compile(r"\d+", re.ASCII)
#: The most digits a typed quantity may have (the cart caps it anyway).
MAX_QUANTITY_DIGITS = 4


def ascii_digits(text: str) -> str:
    """The same text with Arabic-Indic and Persian digits turned into 0-9."""
    return text.translate(_TO_ASCII)


def strict_digits(text: str) -> str | None:
    """The text as ASCII digits when every character is one of the 30 accepted digits, else None."""
    translated = ascii_digits(text)
    return translated if _ASCII_DIGITS.fullmatch(translated) else None


def parse_quantity(raw: str | None) -> int | None:
    """A whole number typed in accepted digits (surrounding spaces allowed), or None."""
    digits = strict_digits((raw or "").strip())
    return int(digits) if digits is not None and len(digits) <= MAX_QUANTITY_DIGITS else None

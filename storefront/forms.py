"""Input parsing shared by the forms: digits in any script a shopper may type."""

from __future__ import annotations

#: Arabic-Indic (٠-٩) and Persian/Urdu (۰-۹) digits, mapped to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """The same text with Arabic-Indic and Persian digits turned into 0-9."""
    return text.translate(_DIGITS)


def parse_quantity(raw: str | None) -> int | None:
    """A whole number typed in any digits, or None."""
    text = ascii_digits((raw or "").strip())
    return int(text) if text.isdigit() and len(text) <= 4 else None

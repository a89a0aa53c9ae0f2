"""The digits a shopper types: ASCII, Arabic-Indic (٠-٩) or Persian (۰-۹), nothing else
(``str.isdigit`` also takes ², ① and fullwidth digits), and the small whole quantities made of them."""

from __future__ import annotations

import pytest

from storefront.services.digits import ascii_digits, parse_quantity, strict_digits

#: Characters str.isdigit() accepts that a shopper's digits never are.
FOREIGN_DIGITS = [
    pytest.param("²", id="superscript"),
    pytest.param("①", id="circled"),
    pytest.param("３", id="fullwidth"),
    pytest.param("३", id="devanagari"),
    pytest.param("৩", id="bengali"),
    pytest.param("𝟑", id="mathematical"),
]


# -- digits and quantities ---------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "digits"), [
    ("0123456789", "0123456789"), ("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("۰۱۲۳۴۵۶۷۸۹", "0123456789"), ("1٢۳", "123")])
def test_the_thirty_digits_are_accepted_as_ascii(typed: str, digits: str) -> None:
    assert strict_digits(typed) == digits
    assert ascii_digits(f"+{typed} x") == f"+{digits} x"


@pytest.mark.parametrize("foreign", FOREIGN_DIGITS)
def test_other_digits_are_refused(foreign: str) -> None:
    assert foreign.isdigit()  # what let them in before
    for typed in (foreign, foreign * 6, f"1{foreign}", f"{foreign}1"):
        assert strict_digits(typed) is None
        assert parse_quantity(typed) is None


@pytest.mark.parametrize("typed", ["", " ", "-1", "+1", "1.0", "1 2", "12345", "١٢٣٤٥", "1\n2", "abc", None])
def test_quantities_that_are_not_small_whole_numbers_are_refused(typed: str | None) -> None:
    assert parse_quantity(typed) is None


@pytest.mark.parametrize(("typed", "quantity"), [("3", 3), (" ٣ ", 3), ("۱۲", 12), ("9999", 9999), ("0", 0)])
def test_quantities_in_accepted_digits(typed: str, quantity: int) -> None:
    assert parse_quantity(typed) == quantity

"""Service layer: Iraqi mobile numbers, however the shopper types them."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from storefront.forms import ascii_digits

_SEPARATORS = str.maketrans("", "", " -–—()./\u200e\u200f\u202a\u202b\u202c\u00a0")


class PhoneError(ValueError):
    """The number is not an Iraqi mobile; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


def normalize_phone(raw: str) -> str:
    """The 13-digit ``9647XXXXXXXXX`` form Sendy expects, or PhoneError."""
    text = ascii_digits(raw or "").translate(_SEPARATORS)
    if not text:
        raise PhoneError(_l("Enter your mobile number."))
    if text.startswith("964") and len(text) == 13:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "IQ")
    except phonenumbers.NumberParseException:
        raise PhoneError(_l("Enter a mobile number like 0770 123 4567.")) from None
    if phonenumbers.region_code_for_number(number) != "IQ":
        raise PhoneError(_l("Enter an Iraqi mobile number (starting with 07 or +964 7)."))
    if not phonenumbers.is_valid_number(number) or \
            phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise PhoneError(_l("This is not a mobile number. Enter a mobile like 0770 123 4567."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def display_phone(phone: str) -> str:
    """A 9647… number as shoppers write it: +964 770 123 4567."""
    number = phonenumbers.parse("+" + phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

"""Service layer: Iraqi mobile numbers, however the shopper types them.

Errors are typed (``PhoneError.kind``, a ``refusals.PhoneRefusal``); the view boundary
(``storefront.views.messages``) words them.
"""

from __future__ import annotations

import phonenumbers

from storefront.services.digits import strict_digits
from storefront.services.refusals import PhoneRefusal

_SEPARATORS = str.maketrans("", "", " -–—()./\u200e\u200f\u202a\u202b\u202c\u00a0")


class PhoneError(ValueError):
    """The number is not an Iraqi mobile; ``kind`` says why: empty, format, not_iraqi or not_mobile."""

    def __init__(self, kind: PhoneRefusal) -> None:
        super().__init__(kind)
        self.kind = kind


def normalize_phone(raw: str) -> str:
    """The 13-digit ``9647XXXXXXXXX`` form Sendy expects, or PhoneError."""
    text = _digits_with_plus((raw or "").translate(_SEPARATORS))
    if text.startswith("964") and len(text) == 13:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "IQ")
    except phonenumbers.NumberParseException:
        raise PhoneError(PhoneRefusal.FORMAT) from None
    if phonenumbers.region_code_for_number(number) != "IQ":
        raise PhoneError(PhoneRefusal.NOT_IRAQI)
    if not phonenumbers.is_valid_number(number) or \
            phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise PhoneError(PhoneRefusal.NOT_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _digits_with_plus(text: str) -> str:
    """An optional leading + and accepted digits only, as ASCII; PhoneError otherwise.

    phonenumbers alone would also read fullwidth or other scripts' digits, and letters as
    vanity numbers (0770-CALL-ME); a shopper's number has none of those.
    """
    if not text:
        raise PhoneError(PhoneRefusal.EMPTY)
    plus, body = ("+", text[1:]) if text.startswith("+") else ("", text)
    digits = strict_digits(body)
    if digits is None:
        raise PhoneError(PhoneRefusal.FORMAT)
    return plus + digits


def display_phone(phone: str) -> str:
    """A 9647… number as shoppers write it: +964 770 123 4567."""
    number = phonenumbers.parse("+" + phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

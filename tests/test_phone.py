"""Iraqi mobile numbers, however the shopper types them (in ASCII, Arabic-Indic or Persian digits,
never other digits or letters), through the real checkout form and the phone service alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from helpers.app import FLORA, PHONE, TIGRIS
from helpers.checkout import SEND_OTP_PATH, add_to_cart, enter_code, fill_checkout, sendy_calls, url
from helpers.messages import NOT_A_NUMBER
from helpers.pages import BABEL_LOCALES, field_errors, input_value, text, tr

from storefront.sendy.sandbox import Sandbox
from storefront.services.phone import PhoneError, display_phone, normalize_phone
from storefront.views.forms import PHONE_MESSAGES

ACCEPTED = [
    "07701234567",
    "0770 123 4567",
    "0770-123-4567",
    "+9647701234567",
    "009647701234567",
    "9647701234567",
    "٠٧٧٠١٢٣٤٥٦٧",
    "۰۷۷۰۱۲۳۴۵۶۷",
    "+964 770 123 4567",
    " (0770) 123-4567 ",
    "\u200e+964 770 123 4567\u200f",
]
NOT_MOBILE = "This is not a mobile number. Enter a mobile like 0770 123 4567."
NOT_IRAQI = "Enter an Iraqi mobile number (starting with 07 or +964 7)."
EMPTY = "Enter your mobile number."
KINDS = {EMPTY: "empty", NOT_A_NUMBER: "format", NOT_IRAQI: "not_iraqi", NOT_MOBILE: "not_mobile"}
REJECTED = [
    pytest.param("017123456", NOT_MOBILE, id="baghdad-landline"),
    pytest.param("+964 1 712 3456", NOT_MOBILE, id="landline-international"),
    pytest.param("0770123456", NOT_MOBILE, id="too-short"),
    pytest.param("077012345678", NOT_MOBILE, id="too-long"),
    pytest.param("+1 202 555 0123", NOT_IRAQI, id="us"),
    pytest.param("+44 7700 900123", NOT_IRAQI, id="uk-mobile"),
    pytest.param("call me", NOT_A_NUMBER, id="garbage"),
    pytest.param("", EMPTY, id="empty"),
    pytest.param("   ", EMPTY, id="blank"),
]
LANGS = [pytest.param(FLORA, None, "ar", id="ar"), pytest.param(TIGRIS, None, "en", id="en")]
ROSES, SUNFLOWERS = "FLR-ROSE-12", "FLR-SUNF-07"  # 35,000 and 30,000 IQD


@pytest.mark.parametrize("typed", ACCEPTED)
def test_every_way_of_writing_the_number_reaches_sendy_as_13_digits(app, client, sandbox, typed):
    base = url(FLORA)
    add_to_cart(client, base, "FLR-ROSE-12")

    response = fill_checkout(client, base, phone=typed)

    assert response.status_code == 303, field_errors(response)
    code = sandbox.last_otp(PHONE)  # the code went to 9647701234567
    assert code is not None
    assert enter_code(client, base, code).status_code == 303
    assert sandbox.orders[0]["request"]["customerPhone"] == PHONE


@pytest.mark.parametrize(("slug", "url_lang", "lang"), LANGS)
@pytest.mark.parametrize(("typed", "message"), REJECTED)
def test_numbers_that_are_not_iraqi_mobiles_are_refused(app, client, sandbox, slug, url_lang, lang,
                                                         typed, message):
    base = url(slug, url_lang)
    add_to_cart(client, base, {FLORA: "FLR-ROSE-12", TIGRIS: "TGR-CHG-20W"}[slug])

    response = fill_checkout(client, base, phone=typed)

    assert response.status_code == 400  # a form to correct: 400 on both checkout steps
    assert field_errors(response) == {"phone": tr(app, lang, message)}
    assert 'aria-invalid="true"' in text(response)
    assert input_value(text(response), "phone") == typed  # what was typed stays, to be corrected
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


def test_the_code_page_shows_the_number_as_people_write_it(client, sandbox):
    base = url(FLORA)
    add_to_cart(client, base, "FLR-ROSE-12")
    fill_checkout(client, base, phone="٠٧٨٠ ٩٨٧ ٦٥٤٣")

    page = text(client.get(f"{base}/checkout/code"))

    assert '<bdi dir="ltr">+964 780 987 6543</bdi>' in page
    assert sandbox.last_otp("9647809876543")
    # back on the details page, the saved number is shown the same way
    assert input_value(text(client.get(f"{base}/checkout")), "phone") == "+964 780 987 6543"


@pytest.mark.parametrize("typed", ACCEPTED)
def test_normalize_phone(app, typed):
    with app.test_request_context():
        assert normalize_phone(typed) == PHONE


@pytest.mark.parametrize(("typed", "message"), REJECTED)
def test_normalize_phone_refuses(app, typed, message):
    with pytest.raises(PhoneError) as caught:  # a service: typed errors, no request or locale needed
        normalize_phone(typed)
    assert caught.value.kind == KINDS[message]
    for lang in ("ar", "en"):  # the view boundary words each kind
        with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
            assert str(PHONE_MESSAGES[caught.value.kind]) == tr(app, lang, message)


@pytest.mark.parametrize("prefix", ["075", "077", "078", "079"])
def test_every_iraqi_mobile_network_is_accepted(app, prefix):
    with app.test_request_context():
        assert normalize_phone(f"{prefix}0 123 4567") == f"964{prefix[1:]}01234567"


def test_display_phone():
    assert display_phone(PHONE) == "+964 770 123 4567"


VANITY_AND_FOREIGN_PHONES = [
    pytest.param("０７７０１２３４５６７", id="fullwidth"),
    pytest.param("०७७०१२३४५६७", id="devanagari"),
    pytest.param("+९६४७७०१२३४५६७", id="devanagari-international"),
    pytest.param("⁰⁷⁷⁰¹²³⁴⁵⁶⁷", id="superscript"),
    pytest.param("0770 123 GJMP", id="vanity-letters"),
    pytest.param("0770CALLNOW", id="vanity-word"),
    pytest.param("+964 770 123 4567 ext. 2", id="extension"),
    pytest.param("++9647701234567", id="two-plus"),
    pytest.param("0770+1234567", id="plus-inside"),
    pytest.param("+", id="only-plus"),
]


# -- numbers in other digits or letters; typed errors without a request ------------------------------
@pytest.mark.parametrize("typed", VANITY_AND_FOREIGN_PHONES)
def test_phone_numbers_in_other_digits_or_letters_are_refused(typed: str) -> None:
    with pytest.raises(PhoneError) as caught:  # phonenumbers alone read these as 9647701234567
        normalize_phone(typed)
    assert caught.value.kind == "format"


@pytest.mark.parametrize("typed", ["+٩٦٤ ٧٧٠ ١٢٣ ٤٥٦٧", "۰۷۷۰-۱۲۳-۴۵۶۷", "\u200f٠٧٧٠ ١٢٣ ٤٥٦٧\u200e"])
def test_phone_numbers_in_arabic_and_persian_digits_are_accepted(typed: str) -> None:
    assert normalize_phone(typed) == PHONE


@pytest.mark.parametrize("typed", ["０７７０１２３４５６７", "0770 123 GJMP"])
def test_checkout_refuses_a_phone_in_other_digits(app: Flask, client: FlaskClient, sandbox: Sandbox,
                                                  typed: str) -> None:
    base = url(FLORA)
    add_to_cart(client, base, ROSES)

    response = fill_checkout(client, base, phone=typed)  # was accepted and sent a code to 9647701234567

    assert response.status_code == 400
    assert field_errors(response) == {"phone": tr(app, "ar", NOT_A_NUMBER)}
    assert sendy_calls(sandbox, SEND_OTP_PATH) == 0


@pytest.mark.parametrize(("typed", "kind"), [
    ("", "empty"), (" - ", "empty"), ("call me", "format"), ("+1 202 555 0123", "not_iraqi"),
    ("017123456", "not_mobile")])
def test_phone_errors_carry_a_kind_without_any_request(typed: str, kind: str) -> None:
    with pytest.raises(PhoneError) as caught:  # no app, no request, no locale
        normalize_phone(typed)
    assert caught.value.kind == kind
    assert str(caught.value) == kind


@pytest.mark.slow
def test_the_phone_service_does_not_import_the_forms() -> None:
    code = "import sys, storefront.services.phone; print('storefront.views.forms' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "False"

"""Input parsing shared by the forms: digits in any script a shopper may type."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

#: Arabic-Indic (٠-٩) and Persian/Urdu (۰-۹) digits, mapped to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """The same text with Arabic-Indic and Persian digits turned into 0-9."""
    return text.translate(_DIGITS)


def parse_quantity(raw: str | None) -> int | None:
    """A whole number typed in any digits, or None."""
    text = ascii_digits((raw or "").strip())
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CheckoutForm(FlaskForm):
    """Delivery details: who, which phone, where."""

    name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your full name.")), Length(max=80)], filters=[_strip],
        render_kw={"autocomplete": "name", "maxlength": 80})
    phone = StringField(_l("Mobile phone"), validators=[InputRequired(_l("Enter your mobile number."))],
                        description=_l("We send a code to this number to confirm your order."),
                        render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr",
                                   "maxlength": 24})
    province = SelectField(_l("Governorate"), validate_choice=False,
                           validators=[InputRequired(_l("Choose your governorate."))])
    area = SelectField(_l("Area"), validate_choice=False,
                       validators=[InputRequired(_l("Choose your area."))])
    address = TextAreaField(_l("Address details / nearest landmark"), validators=[
        DataRequired(_l("Describe where to deliver: street, house, nearest landmark.")),
        Length(max=300)], filters=[_strip], render_kw={"rows": 3, "maxlength": 300, "autocomplete": "street-address"})
    notes = TextAreaField(_l("Note for the store (optional)"), validators=[Optional(), Length(max=300)],
                          render_kw={"rows": 2, "maxlength": 300})

    def validate_phone(self, field: StringField) -> None:
        """Accept any way of writing an Iraqi mobile; store the 13-digit form."""
        from storefront.services.phone import PhoneError, normalize_phone

        try:
            self.normalized_phone = normalize_phone(field.data or "")
        except PhoneError as exc:
            raise ValidationError(str(exc.message)) from None


class CodeForm(FlaskForm):
    """The one-time code sent by SMS or WhatsApp."""

    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter the code we sent you."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "maxlength": 12, "dir": "ltr"})

    def validate_code(self, field: StringField) -> None:
        """Six digits, typed in any script, spaces allowed."""
        digits = ascii_digits(field.data or "").replace(" ", "").replace("-", "")
        if not (digits.isdigit() and len(digits) == 6):
            raise ValidationError(_l("The code has 6 digits."))
        field.data = digits

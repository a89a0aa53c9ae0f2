"""View boundary: the checkout forms and their validation (refusals worded by ``views.messages``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from storefront.services.digits import strict_digits
from storefront.services.phone import PhoneError, normalize_phone
from storefront.views.messages import PHONE_MESSAGES

#: Separators a shopper may put between the digits of the code.
_CODE_SEPARATORS = str.maketrans("", "", " -")
CODE_LENGTH = 6


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
        try:
            self.normalized_phone = normalize_phone(field.data or "")
        except PhoneError as exc:
            raise ValidationError(str(PHONE_MESSAGES[exc.kind])) from None


class CodeForm(FlaskForm):
    """The one-time code sent by SMS or WhatsApp."""

    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter the code we sent you."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "maxlength": 12, "dir": "ltr"})

    def validate_code(self, field: StringField) -> None:
        """Six accepted digits (ASCII, Arabic-Indic or Persian), spaces and dashes allowed."""
        digits = strict_digits((field.data or "").translate(_CODE_SEPARATORS))
        if digits is None or len(digits) != CODE_LENGTH:
            raise ValidationError(_l("The code has 6 digits."))
        field.data = digits

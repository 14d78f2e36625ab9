import secrets

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Email, Length

from market.accounts.forms import CountryFields
from market.forms import FlaskForm

METHOD_LABELS = {
    "cod": _l("Cash on delivery"),
    "vietqr": _l("Bank transfer (VietQR)"),
    "stripe": _l("Card (Visa, Mastercard, JCB)"),
}


class CheckoutForm(CountryFields, FlaskForm):
    # The country and the fields abroad: CountryFields (shared with the address book).
    name = StringField(_l("Recipient's name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    phone = TelField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    province_code = SelectField(_l("Province or city"), coerce=int,
                                validators=[DataRequired()])
    commune_code = SelectField(_l("Commune or ward"), coerce=int, validate_choice=False)
    address_line = StringField(_l("Street address or village"),
                               validators=[DataRequired(), Length(max=300)])
    payment_method = RadioField(_l("Payment"), validators=[DataRequired()])
    save_address = BooleanField(_l("Save this address in my address book"), default=True)
    idempotency_key = HiddenField()
    # Without JavaScript: re-render the summary for the chosen province; places nothing.
    recalculate = SubmitField(_l("Update total"))

    def fill_choices(self, lang: str, methods: list[str]) -> None:
        self.fill_country_choices(lang)
        self.payment_method.choices = [(m, METHOD_LABELS[m]) for m in methods]
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(24)

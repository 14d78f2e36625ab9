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
from wtforms.validators import DataRequired, Email, Length, Optional

from market.accounts import addresses
from market.accounts.forms import fill_place_choices
from market.forms import FlaskForm

METHOD_LABELS = {
    "cod": _l("Cash on delivery"),
    "vietqr": _l("Bank transfer (VietQR)"),
    "stripe": _l("Card (Visa, Mastercard, JCB)"),
}


class CheckoutForm(FlaskForm):
    country_code = SelectField(_l("Country"), default=addresses.HOME_COUNTRY,
                               render_kw={"data-country-select": ""})
    name = StringField(_l("Recipient's name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    phone = TelField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    province_code = SelectField(_l("Province or city"), coerce=int,
                                validators=[DataRequired()])
    commune_code = SelectField(_l("Commune or ward"), coerce=int, validate_choice=False)
    address_line = StringField(_l("Street address or village"),
                               validators=[DataRequired(), Length(max=300)])
    # Abroad: the country's own fields (which of them it has: addresses.country_rules).
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    city = StringField(_l("City or town"), validators=[Length(max=120)])
    country_area = StringField(_l("State, province or region"), validators=[Length(max=120)])
    city_area = StringField(_l("District"), validators=[Length(max=120)])
    payment_method = RadioField(_l("Payment"), validators=[DataRequired()])
    save_address = BooleanField(_l("Save this address in my address book"), default=True)
    idempotency_key = HiddenField()
    # Without JavaScript: re-render the summary for the chosen province; places nothing.
    recalculate = SubmitField(_l("Update total"))

    @property
    def country(self) -> str:
        """The chosen country (Vietnam for anything unknown)."""
        return addresses.known_country(self.country_code.data) or addresses.HOME_COUNTRY

    @property
    def abroad(self) -> bool:
        return self.country != addresses.HOME_COUNTRY

    def fill_choices(self, lang: str, methods: list[str]) -> None:
        self.country_code.choices = addresses.countries(lang)
        fill_place_choices(self, lang)
        if self.abroad:
            # Vietnam's province -> commune picker is not asked; the service checks the
            # country's own fields (and says which are missing) instead.
            self.province_code.validators = [Optional()]
            self.province_code.validate_choice = False
            self.rules = addresses.country_rules(self.country)
            self.phone.label.text = _l("Phone number")
            self.address_line.label.text = _l("Street address")
            self.phone.description = _l("With the country code if it is not this country's.")
            examples = ", ".join(self.rules.postal_code_examples[:2])
            self.postal_code.description = _l("For example %(examples)s", examples=examples) \
                if examples else ""
            if self.rules.country_area_choices:
                self.country_area.render_kw = {"list": "country-areas"}
        else:
            self.rules = None
        self.payment_method.choices = [(m, METHOD_LABELS[m]) for m in methods]
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(24)

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from market.accounts import addresses
from market.forms import FlaskForm
from market.geo import services as geo
from market.i18n import LANGUAGE_NAMES

# Length and strength rules live in services.password_problem and services.clean_name, so
# every path that sets a password or a name (forms, invitations, the demo loader) shares them.


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    locale = SelectField(_l("Preferred language"),
                         choices=list(LANGUAGE_NAMES.items()))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired()])
    phone = TelField(_l("Mobile number"), description=_l("Optional. Used to fill in orders."))
    locale = SelectField(_l("Preferred language"), description=_l("Emails to you are in this "
                                                                  "language."),
                         choices=list(LANGUAGE_NAMES.items()))


def fill_place_choices(form, lang: str) -> None:
    """Province and commune/ward choices for a form with `province_code` and `commune_code`
    fields (the address book and checkout): the communes of the chosen province only, so
    without JavaScript the list appears once the form comes back with a province."""
    form.province_code.choices = [(0, _l("Choose..."))] + [
        (p.code, p.name(lang)) for p in geo.provinces()]
    province = geo.province(form.province_code.data) if form.province_code.data else None
    form.commune_code.choices = [(0, _l("Choose the province first") if province is None
                                  else _l("Choose..."))]
    if province:
        form.commune_code.choices += [(w.code, w.name_vi) for w in geo.communes(province.code)]


class CountryFields:
    """The country of a delivery address and the fields of an address abroad, for a form
    that also has Vietnam's (name, phone, province_code, commune_code, address_line): the
    address book's and checkout's. Which fields a country has, and their rules, come from
    addresses.country_rules; the template shows them with accounts/_foreign_fields.html."""

    country_code = SelectField(_l("Country"), default=addresses.HOME_COUNTRY,
                               render_kw={"data-country-select": ""})
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    city = StringField(_l("City or town"), validators=[Length(max=120)])
    country_area = StringField(_l("State, province or region"), validators=[Length(max=120)])
    city_area = StringField(_l("District"), validators=[Length(max=120)])

    @property
    def country(self) -> str:
        """The chosen country (Vietnam for anything unknown)."""
        return addresses.known_country(self.country_code.data) or addresses.HOME_COUNTRY

    @property
    def abroad(self) -> bool:
        return self.country != addresses.HOME_COUNTRY

    def fill_country_choices(self, lang: str) -> None:
        """The country list, Vietnam's places, and abroad the chosen country's labels,
        examples and state names (`rules`; None in Vietnam)."""
        self.country_code.choices = addresses.countries(lang)
        fill_place_choices(self, lang)
        self.rules = None
        if not self.abroad:
            return
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

    def address_fields(self) -> dict:
        """The delivery address typed, as addresses.clean_delivery takes it."""
        return {"country_code": self.country, "name": self.name.data,
                "phone": self.phone.data, "province_code": self.province_code.data,
                "commune_code": self.commune_code.data, "address_line": self.address_line.data,
                **{key: getattr(self, key).data or "" for key in addresses.FOREIGN_FIELDS}}


class AddressForm(CountryFields, FlaskForm):
    # Rules (lengths, the mobile number, the commune within the province, and abroad the
    # country's own) are in addresses.clean_delivery, shared with checkout.
    name = StringField(_l("Recipient's name"), validators=[DataRequired()])
    phone = TelField(_l("Mobile number"), validators=[DataRequired()])
    province_code = SelectField(_l("Province or city"), coerce=int, validate_choice=False)
    commune_code = SelectField(_l("Commune or ward"), coerce=int, validate_choice=False)
    address_line = StringField(_l("Street address or village"), validators=[DataRequired()])
    make_default = BooleanField(_l("Use as my default address"))
    # Without JavaScript: show the chosen country's fields; saves nothing.
    refresh = SubmitField(_l("Show this country's address fields"))

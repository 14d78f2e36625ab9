from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo

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


class AddressForm(FlaskForm):
    # Rules (lengths, the mobile number, the commune within the province) are in
    # addresses.clean_address, shared with checkout.
    name = StringField(_l("Recipient's name"), validators=[DataRequired()])
    phone = TelField(_l("Mobile number"), validators=[DataRequired()])
    province_code = SelectField(_l("Province or city"), coerce=int, validate_choice=False)
    commune_code = SelectField(_l("Commune or ward"), coerce=int, validate_choice=False)
    address_line = StringField(_l("Street address or village"), validators=[DataRequired()])
    make_default = BooleanField(_l("Use as my default address"))

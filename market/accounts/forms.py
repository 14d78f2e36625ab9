from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo

from market.forms import FlaskForm

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
                         choices=[("vi", "Tiếng Việt"), ("en", "English")])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

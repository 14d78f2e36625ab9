import secrets

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length

from market.forms import FlaskForm
from market.geo import services as geo

METHOD_LABELS = {
    "cod": _l("Cash on delivery"),
    "vietqr": _l("Bank transfer (VietQR)"),
    "stripe": _l("Card (Visa, Mastercard, JCB)"),
}


class CheckoutForm(FlaskForm):
    name = StringField(_l("Recipient's name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    phone = TelField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    province_code = SelectField(_l("Province or city"), coerce=int,
                                validators=[DataRequired()])
    commune_code = SelectField(_l("Commune or ward"), coerce=int, validate_choice=False)
    address_line = StringField(_l("Street address or village"),
                               validators=[DataRequired(), Length(max=300)])
    payment_method = RadioField(_l("Payment"), validators=[DataRequired()])
    idempotency_key = HiddenField()

    def fill_choices(self, lang: str, methods: list[str]) -> None:
        self.province_code.choices = [(0, _l("Choose..."))] + [
            (p.code, p.name(lang)) for p in geo.provinces()]
        province = geo.province(self.province_code.data) if self.province_code.data else None
        self.commune_code.choices = [(0, _l("Choose the province first") if province is None
                                      else _l("Choose..."))]
        if province:
            self.commune_code.choices += [(w.code, w.name_vi) for w in geo.communes(province.code)]
        self.payment_method.choices = [(m, METHOD_LABELS[m]) for m in methods]
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(24)

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from market.api import keys
from market.forms import FlaskForm


class KeyForm(FlaskForm):
    name = StringField(_l("Partner"), validators=[DataRequired(), Length(max=120)])
    contact = StringField(_l("Contact (email or phone)"), validators=[Optional(), Length(max=200)])
    scopes = SelectMultipleField(
        _l("Scopes"), validators=[DataRequired()],
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))
    rate_limit = IntegerField(_l("Requests a minute"), default=keys.DEFAULT_RATE_LIMIT,
                              validators=[DataRequired(), NumberRange(1, 100_000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(s, f"{s} – {d}") for s, d in keys.SCOPES.items()]

"""Wholesale forms. Fields only parse input (and carry the CSRF token); every rule is in
market/wholesale/services.py, which reports each field's error in the user's language."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from market.forms import FlaskForm
from market.wholesale import terms


def _select(label, **kwargs):
    return SelectField(label, validate_choice=False, **kwargs)


class RfqForm(FlaskForm):
    product = _select(_l("Product"))
    goods = StringField(_l("Goods you are asking for"),
                        description=_l("Grade, processing, packing: e.g. green robusta "
                                       "grade 1, screen 18, 60 kg jute bags."))
    quantity = StringField(_l("Quantity"), render_kw={"inputmode": "numeric",
                                                      "autocomplete": "off"})
    unit = _select(_l("Unit"))
    incoterm = _select(_l("Incoterm (Incoterms 2020)"))
    incoterm_place = StringField(
        _l("Named place or port"),
        description=_l("For EXW, FCA, FAS and FOB the place in Vietnam where the goods are "
                       "handed over (e.g. Ho Chi Minh City); for CFR, CIF, CPT, CIP, DAP, DPU "
                       "and DDP the place of destination."))
    destination_country = _select(_l("Country of destination"))
    destination_port = StringField(_l("Port or city of destination (optional)"))
    target_date = StringField(_l("Needed by"), render_kw={"type": "date"})
    message = TextAreaField(_l("Message to the cooperative"),
                            description=_l("Specifications, certificates you need, packing, "
                                           "payment terms."))
    company = StringField(_l("Company (optional)"), render_kw={"autocomplete": "organization"})
    contact_phone = StringField(_l("Phone (optional)"),
                                render_kw={"autocomplete": "tel", "inputmode": "tel"})


class QuoteForm(FlaskForm):
    price_vnd = StringField(_l("Price per unit (VND)"), render_kw={"inputmode": "numeric"})
    price_unit = _select(_l("Price per"))
    price_usd = StringField(_l("Price per unit in USD (optional, for information)"),
                            render_kw={"inputmode": "decimal"})
    quantity = StringField(_l("Quantity quoted"), render_kw={"inputmode": "numeric"})
    min_order = StringField(_l("Minimum order"), render_kw={"inputmode": "numeric"})
    valid_until = StringField(_l("Valid until"), render_kw={"type": "date"})
    lead_time_days = StringField(_l("Lead time (days)"), render_kw={"inputmode": "numeric"})
    certifications = SelectMultipleField(_l("OCOP certificates offered"), validate_choice=False)
    other_certifications = StringField(
        _l("Other certifications (optional)"),
        description=_l("e.g. organic, Rainforest Alliance, 4C, VietGAP, with their numbers."))
    note = TextAreaField(_l("Note to the buyer"))


class CounterForm(FlaskForm):
    price_vnd = StringField(_l("Your price per unit (VND)"), render_kw={"inputmode": "numeric"})
    quantity = StringField(_l("Your quantity"), render_kw={"inputmode": "numeric"})
    message = TextAreaField(_l("Message"))


class MessageForm(FlaskForm):
    message = TextAreaField(_l("Message (optional)"))


class AcceptForm(FlaskForm):
    quote = HiddenField()


class SettingsForm(FlaskForm):
    accepts_all = BooleanField(_l("Take requests for quotation for all our products, and for "
                                  "goods we have not listed"))


def unit_choices():
    return [(u.code, u.label) for u in terms.UNITS]


def incoterm_choices(locale: str):
    return [(t.code, f"{t.code} — {t.name(locale)}") for t in terms.INCOTERMS]

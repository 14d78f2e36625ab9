"""Traceability forms. Fields only parse input; market/trace/services.py holds the rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import SelectField, StringField, TextAreaField

from market.forms import FlaskForm


class LotForm(FlaskForm):
    variant_id = SelectField(_l("Product"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of lot"), choices=[], validate_choice=False)
    quantity = StringField(_l("Quantity"))
    unit = StringField(_l("Unit"), default="kg",
                       description=_l("kg for a harvest; for packed units, the pack (gói, túi)."))
    produced_on = StringField(_l("Harvest or production date"), render_kw={"type": "date"})
    best_before = StringField(_l("Best before (optional)"), render_kw={"type": "date"})
    area = StringField(_l("Growing area"), description=_l("Village, commune"))
    farms = TextAreaField(_l("Member farms (optional)"),
                          description=_l("One a line: name; latitude; longitude"))
    standards = StringField(_l("Standards applied"), description=_l("For example TCVN 4193:2014"))


class EventForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=[], validate_choice=False)
    occurred_on = StringField(_l("Date"), render_kw={"type": "date"})
    step = SelectField(_l("Step or input"), choices=[], validate_choice=False)
    place = StringField(_l("Place"))
    place_code = StringField(_l("Location code"),
                             description=_l("GLN or the commune code, if you have one"))
    actor = StringField(_l("Done by"))
    input_name = StringField(_l("Product used (fertiliser, pesticide)"))
    dose = StringField(_l("Dose"))
    phi_days = StringField(_l("Pre-harvest interval (days)"))
    scheme = SelectField(_l("Certification"), choices=[], validate_choice=False)
    number = StringField(_l("Certificate number"))
    issuer = StringField(_l("Issued by"))
    valid_until = StringField(_l("Valid until"), render_kw={"type": "date"})
    test = StringField(_l("Test"))
    result = StringField(_l("Result"))
    lab = StringField(_l("Laboratory"))
    destination = StringField(_l("Shipped to"))
    corrects = StringField(_l("Corrects event number"))
    notes_vi = TextAreaField(_l("Notes (Vietnamese)"))
    notes_en = TextAreaField(_l("Notes (English)"))
    photos = MultipleFileField(_l("Photos (optional)"))
    document = FileField(_l("Document (PDF or image, optional)"))


class RecallForm(FlaskForm):
    reason = StringField(_l("Reason for the recall"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"))



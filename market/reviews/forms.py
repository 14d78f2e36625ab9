"""Review forms. Fields only parse input; market/reviews/services.py holds every rule."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, TextAreaField

from market.forms import FlaskForm

STAR_LABELS = {5: _l("5 stars: excellent"), 4: _l("4 stars: good"), 3: _l("3 stars: fair"),
               2: _l("2 stars: poor"), 1: _l("1 star: very poor")}


class ReviewForm(FlaskForm):
    stars = RadioField(_l("Your rating"), choices=[(str(n), label) for n, label in
                                                   STAR_LABELS.items()],
                       validate_choice=False)
    text = TextAreaField(_l("Your review"),
                         description=_l("What did you like, what could be better? "
                                        "Other buyers read this."))
    photos = MultipleFileField(_l("Photos (up to 3, JPEG/PNG/WebP)"))


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reply as the cooperative"))


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Why hide this review? (the author sees the reason)"))


class RestoreForm(FlaskForm):
    reason = TextAreaField(_l("Why show it again? (optional, kept in the record)"))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with this review? (optional)"))

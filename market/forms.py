"""Flask-WTF's form with WTForms' own messages ("This field is required.", "Not a valid
choice.") in the page's language. WTForms ships no Vietnamese catalogue, so its messages are
msgids of ours (listed below for `pybabel extract`) and every form reads them through the
app's Babel translations for the current locale (Flask-WTF's `Meta.get_translations` hook).
Forms import `FlaskForm` from here instead of from flask_wtf."""
from __future__ import annotations

from flask_babel import get_translations
from flask_wtf import FlaskForm as _FlaskForm


class _BabelTranslations:
    """The gettext/ngettext pair WTForms asks for, answered by the app's catalogue."""

    def gettext(self, string):
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ngettext(singular, plural, n)


TRANSLATIONS = _BabelTranslations()


class FlaskForm(_FlaskForm):
    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


# --- WTForms' built-in messages, for extraction only (markers; nothing is called) -----------

def N_(message):
    return message


def ngettext(singular, plural, n):
    return singular


WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1),
)

"""Interface locales in URLs (/vi/, /en/, /zh/, /ko/, /ja/), locale selection, the content
language each interface language shows, and locale-aware formatting.

Shop content (product, cooperative, category, price texts) is written in Vietnamese and
English only: a Chinese, Korean or Japanese page shows the English text, and the Vietnamese
one where English is missing (`content_locale`, `localized`)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel.numbers import format_currency, format_decimal
from flask import current_app, g, request
from flask_babel import format_datetime, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.routing import BaseConverter

LOCALES = ("vi", "en", "zh", "ko", "ja")  # the URL prefix and flask-babel's locale
DEFAULT_LOCALE = "vi"
CONTENT_LOCALES = ("vi", "en")  # the languages shop content is written in
# Each language by its own name, as the language switch and the profile show it.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "zh": "中文", "ko": "한국어",
                  "ja": "日本語"}
# BCP 47 tags for html `lang` and hreflang (the Chinese interface is Simplified) and
# Open Graph's locales.
_HTML_LANGS = {"zh": "zh-Hans"}
OG_LOCALES = {"vi": "vi_VN", "en": "en_US", "zh": "zh_CN", "ko": "ko_KR", "ja": "ja_JP"}


class LangConverter(BaseConverter):
    regex = "|".join(LOCALES)


def html_lang(locale: str) -> str:
    """The `lang` / `hreflang` value of an interface locale (zh -> zh-Hans)."""
    return _HTML_LANGS.get(locale, locale)


def content_locale(lang: str | None) -> str:
    """The content language a page in `lang` shows first: Vietnamese on Vietnamese pages,
    English on every other (Vietnamese remains the fallback where English is missing)."""
    return "vi" if (lang or DEFAULT_LOCALE) == "vi" else "en"


def localized(vi: str | None, en: str | None, lang: str | None) -> str:
    """A text kept in two columns (`*_vi`, `*_en`), as a page in `lang` shows it."""
    return ((en if content_locale(lang) == "en" else "") or vi) or ""


def text_lang(vi: str | None, en: str | None, lang: str | None) -> str:
    """The language `localized(vi, en, lang)` is in, for a `lang` attribute ("vi"/"en")."""
    return "en" if content_locale(lang) == "en" and en else "vi"


def select_locale() -> str:
    lang = g.get("lang") or (lang_of_path(request.path) if request else None)
    return lang or preferred_locale()


def preferred_locale() -> str:
    """Where no URL names the language: the signed-in user's preferred language (their
    profile's choice), else the browser's (Accept-Language), else Vietnamese."""
    user_locale = (getattr(current_user, "locale", None)
                   if current_user and getattr(current_user, "is_authenticated", False) else None)
    if user_locale in LOCALES:
        return user_locale
    return negotiate(request.accept_languages) if request else DEFAULT_LOCALE


def lang_of_path(path: str) -> str | None:
    """The language a URL names (/en/..., /vi/...), also where no route matched it (a 404
    under /en/ is an English page whatever the browser prefers)."""
    first = (path or "").lstrip("/").split("/", 1)[0]
    return first if first in LOCALES else None


def lang_attr(text_locale: str | None) -> Markup:
    """` lang="en"` for a text in another language than the page (English content on a
    Japanese page, Vietnamese fallback on an English one), nothing when they agree."""
    if not text_locale or text_locale == current_lang():
        return Markup("")
    return Markup(' lang="%s"') % html_lang(text_locale)


def negotiate(accept_languages, locales=LOCALES) -> str:
    """The first of the browser's languages (by quality, then by its order) that we have,
    by primary subtag (zh-CN, zh-Hans, zh-TW -> zh; ja-JP -> ja; ko-KR -> ko); Vietnamese
    when none is. Werkzeug's own best_match would take an exact `en` at q=0.5 over a
    `ko-KR` at q=1, which it matches only when nothing matches exactly."""
    for value, quality in accept_languages:
        primary = str(value).replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and primary in locales:
            return primary
    return DEFAULT_LOCALE


def current_lang() -> str:
    # Pages ask this dozens of times: str(Locale) is remembered per request and locale.
    return _per_locale("_i18n_lang", lambda: str(get_locale() or DEFAULT_LOCALE))


def _request_locale():
    """(the Locale Flask-Babel chose for this request or None, the request's g)."""
    try:
        ns = g._get_current_object()
    except RuntimeError:  # no app context
        return None, None
    return getattr(getattr(ns, "_flask_babel", None), "babel_locale", None), ns


def _per_locale(name: str, compute):
    """compute(), remembered in the request's g under `name` for as long as the Locale
    Flask-Babel chose stays the same object (force_locale() sets another one, which misses).
    The locale is read again after compute(): computing it may be what makes the choice."""
    locale, ns = _request_locale()
    memo = getattr(ns, name, None)
    if locale is not None and memo is not None and memo[0] is locale:
        return memo[1]
    value = compute()
    locale, ns = _request_locale()
    if locale is not None:
        setattr(ns, name, (locale, value))
    return value


def _pull_lang(endpoint, values):
    if values and "lang" in values:
        g.lang = values.pop("lang")


def _push_lang(endpoint, values):
    if "lang" in values or not endpoint:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = g.get("lang") or current_lang()


def init_app(app) -> None:
    app.url_map.converters["lang"] = LangConverter
    app.url_value_preprocessor(_pull_lang)
    app.url_defaults(_push_lang)
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["localtime"] = format_localtime
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.globals["LOCALES"] = LOCALES
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["og_locale"] = OG_LOCALES.get
    app.jinja_env.globals["text_lang"] = text_lang
    app.jinja_env.globals["lang_attr"] = lang_attr
    app.jinja_env.globals["content_locale"] = content_locale
    app.jinja_env.globals["CONTENT_LOCALES"] = CONTENT_LOCALES
    install_template_gettext(app.jinja_env)


# --- templates' gettext ---------------------------------------------------------------------

def _translations():
    """Flask-Babel's translations for the locale in force, looked up once per request and
    locale. Its own lookup walks g, the domain and str(locale) on every call (~40 µs; a
    page makes 30 or more)."""
    return _per_locale("_i18n_translations", get_translations)


@pass_eval_context
def _template_gettext(eval_ctx, string, **variables):
    rv = _translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables  # always a format string, as Jinja's newstyle gettext


@pass_eval_context
def _template_ngettext(eval_ctx, singular, plural, num, **variables):
    variables.setdefault("num", num)
    rv = _translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def install_template_gettext(env) -> None:
    """`_`, `gettext` and `ngettext` in templates: the same results as the callables
    Flask-Babel installs (Jinja's newstyle gettext: autoescaped, always %-formatted), in one
    call instead of three nested context calls and Flask-Babel's lookup each time."""
    env.globals.update(_=_template_gettext, gettext=_template_gettext,
                       ngettext=_template_ngettext)


# --- formatting -----------------------------------------------------------------------------

def format_vnd(amount: int, locale: str | None = None) -> str:
    """1.250.000 ₫ in Vietnamese, ₫1,250,000 in English (and in zh, ko, ja). VND has no
    minor unit."""
    return _vnd(amount, locale or current_lang())


@lru_cache(maxsize=8192)
def _vnd(amount: int, locale: str) -> str:
    # Babel's formatting costs ~0.1 ms a call and a grid shows dozens of prices: the same
    # (amount, locale) always gives the same text.
    return format_currency(amount, "VND", locale=locale, format_type="standard")


# One date-and-time format per locale on every page: 24/11/2026 01:20, 24 Nov 2026, 01:20,
# 2026年11月24日 01:20, 2026. 11. 24. 01:20 and 2026/11/24 01:20.
DATETIME_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm",
                     "zh": "yyyy年M月d日 HH:mm", "ko": "yyyy. M. d. HH:mm",
                     "ja": "yyyy/MM/dd HH:mm"}


def format_localtime(value) -> str:
    """A stored UTC time in Asia/Ho_Chi_Minh (BABEL_DEFAULT_TIMEZONE), in the page's one
    format, so every page shows times alike."""
    if value is None:
        return ""
    return format_datetime(value, DATETIME_PATTERNS.get(current_lang(), DATETIME_PATTERNS["vi"]))


def format_number(value, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or current_lang())


# --- text folding ---------------------------------------------------------------------------

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics. `đ` has no NFD decomposition: mapped by hand."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def slugify(text: str, max_length: int = 80) -> str:
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"

"""Every page template, rendered in Vietnamese and in English with the world of the
authorisation tests, shows words, never codes: no raw status, role or event name
(`pending_payment`, `coop_staff`, `→ approved`), and no English form message on a
Vietnamese page ("This field is required."). Driven by the templates on disk: a new
template must be reached by some request below or be listed in NOT_PAGES with a reason."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from flask import template_rendered

import market
from market.accounts.models import Role
from market.forms import WTFORMS_MESSAGES
from market.ocop.models import CertificateStatus
from market.orders.models import VendorOrderStatus
from market.vendors.models import CooperativeStatus
from tests.security.access import POLICY, client_for, url_for_role_test

TEMPLATES = Path(market.__file__).parent
NOT_PAGES = {  # templates no request renders as a page of its own, and why
    "_import_form.html": "an import's row errors and upload form, included by the import pages",
    "reviews/_hide_form.html": "the hide form's macro, imported by the review pages",
    "api/docs.html": "the API reference, where field names and values are the contract and "
                     "shown as code (tests/e2e/test_api_keys.py opens it in vi and en)",
    "base.html": "the layout every page extends",
    "macros.html": "form and pager macros, imported by pages",
    "vendors/_nav.html": "the vendor portal's menu, included by its pages",
    "accounts/_nav.html": "the account menu, included by the account pages",
    "department/_nav.html": "the department desk's menu, included by its pages",
    "department/_filters.html": "the period and filter form, included by the desk's pages",
    "department/_macros.html": "table and chart macros, imported by the desk's pages",
    "accounts/_checkout_addresses.html": "the saved-address picker, included by checkout",
    "accounts/_foreign_fields.html": "an address abroad's fields, included by checkout and "
                                     "the address form",
    "ocop/_badge.html": "the star badge, included by product and storefront pages",
    "ocop/_history.html": "a certificate's history, included by ocop/detail.html",
    "prices/_macros.html": "chart macros, imported by the price pages",
    "storefront/_seo.html": "canonical and hreflang links, included by public pages",
    "prices/_stale.html": "the out-of-date series table, included by the desk and the import page",
    "reviews/_stars.html": "star and rating macros, imported by cards and product pages",
    "reviews/_product_reviews.html": "the reviews section, included by the product page",
    "storefront/_translation.html": "the 'shown in Vietnamese' notice, imported by public pages",
    "trace/_event.html": "one event of a lot's timeline, included by the trace pages",
    "trace/_product_lots.html": "the 'traceable' lots, included by the product page",
    "trace/_line_lots.html": "an order line's lots, included by the order and review pages",
    "intl/_currency_picker.html": "the display-currency form, included by the product page",
    "wholesale/_head.html": "the wholesale stylesheet link, included by the wholesale pages",
    "wholesale/_list.html": "a list of inquiries, included by the buyer's and the inbox page",
    "wholesale/_quote.html": "a quote's terms, imported by the thread page",
    "wholesale/_rfq_button.html": "the request-a-quote button, included by product and "
                                  "cooperative pages",
}
# Forms sent empty or wrong, so that their validation messages are on the page too; and
# the pages that only a POST shows (the confirmation step of destructive actions).
POSTS = [
    ("anon", "orders.add_to_cart", {"product": "product_slug", "quantity": "1"}),
    ("anon", "orders.checkout", {"name": "", "email": "x", "phone": "1"}),
    ("anon", "accounts.login", {"email": "x"}),
    ("buyer", "reviews.write", {"stars": "9"}),
    ("buyer", "wholesale.rfq_product", {"quantity": "0", "unit": "barrel"}),
    ("staff_a", "wholesale.quote", {"price_vnd": "12.5", "valid_until": "x"}),
    ("buyer", "wholesale.decline", {}),
    ("anon", "accounts.register", {"email": "not-an-email"}),
    ("buyer", "accounts.change_password", {}),
    ("buyer", "accounts.edit_profile", {"name": "", "phone": "12"}),
    ("buyer", "accounts.address_new", {"name": ""}),
    ("anon", "accounts.forgot_password", {"email": "x"}),
    ("buyer", "vendors.apply", {"name": ""}),
    ("staff_a", "vendors.product_new", {"name_vi": ""}),
    ("staff_a", "vendors.staff", {"email": "x"}),
    ("staff_a", "vendors.profile", {"member_count": "abc"}),
    ("staff_a", "vendors.import_products", {}),
    ("staff_a", "vendors.product_archive", {}),
    ("staff_a", "ocop.submit", {}),
    ("officer_a", "vendors.review", {"decision": "nonsense"}),
    ("admin", "orders.import_statement", {}),
]
_CODES = sorted({s.value for s in VendorOrderStatus} | {s.value for s in CooperativeStatus}
                | {s.value for s in CertificateStatus} | {r.value for r in Role}
                | {"open", "answered", "decided", "full_refund", "partial_refund", "cod",
                   "vietqr", "cash_collected", "commission_reversal", "queued", "retrying"})
_UNDERSCORED = [c for c in _CODES if "_" in c]
_RAW_ANY = re.compile(r"(?<![\w@./-])(" + "|".join(_UNDERSCORED) + r")(?![\w@.-])")
_RAW_VI = re.compile(r"(?<![\w@./-])(" + "|".join(_CODES) + r")(?![\w@.-])")
_ARROW_EN = re.compile(r"→\s*(pending|approved|suspended)\b")
_ENGLISH_FORM = [m.split("%")[0].strip() for m in WTFORMS_MESSAGES if len(m.split("%")[0]) > 8]


def _page_templates() -> set[str]:
    return {str(p.relative_to(folder)) for folder in TEMPLATES.glob("**/templates")
            for p in folder.glob("**/*.html")}


def _text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    # <code> holds what the user types literally (a file's column names and values).
    html = re.sub(r"(?s)<code\b[^>]*>.*?</code>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html)).replace("&gt;", ">")


# Chinese, Korean and Japanese pages show English shop content (the content languages are
# vi and en), so English words are expected there; English form messages are not, once the
# page's catalogue is there (translators write it apart from the code).
_NEW_LANGS = ("zh", "ko", "ja")


@cache
def _translated_form_messages(lang: str) -> tuple[str, ...]:
    """The English form messages (as `_ENGLISH_FORM` cuts them) that `lang`'s catalogue
    translates: those must not appear on its pages; none while it is absent."""
    path = TEMPLATES.parent / "translations" / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return ()
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    done = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    return tuple(m.split("%")[0].strip() for m in WTFORMS_MESSAGES
                 if m in done and len(m.split("%")[0]) > 8)


def _problems(lang: str, text: str) -> list[str]:
    found = [m.group(0) for m in _RAW_ANY.finditer(text)]
    if lang == "vi":
        found += [m.group(0) for m in _RAW_VI.finditer(text)]
    else:
        found += [m.group(0) for m in _ARROW_EN.finditer(text)]
    if lang == "vi":
        found += [msg for msg in _ENGLISH_FORM if msg in text]
    elif lang in _NEW_LANGS:
        found += [msg for msg in _translated_form_messages(lang) if msg in text]
    return found


def test_every_page_in_both_languages_shows_words_not_codes(app, world):
    users, values, _ = world
    from market.extensions import db
    from market.ocop import services as ocop

    # A verified certificate, so that its public verification page exists.
    ocop.verify_certificate(ocop.get_certificate(values["certificate_id"]), users["admin"])
    db.session.commit()
    rendered: set[str] = set()
    failures: list[str] = []

    def record(sender, template, context, **extra):
        rendered.add(template.name)

    clients = {}

    def client(role):
        if role not in clients:
            clients[role] = client_for(app, users, role)
        return clients[role]

    requests = []
    for endpoint, (owners, _) in sorted(POLICY.items()):
        rule = next(app.url_map.iter_rules(endpoint))
        if "GET" in rule.methods and "lang" in rule.arguments and endpoint not in (
                "accounts.logout",):
            requests.append((min(owners), "GET", endpoint, None))
    for role, endpoint, data in POSTS:
        requests.append((role, "POST", endpoint, {k: values.get(v, v) for k, v in data.items()}))
        if endpoint == "orders.add_to_cart":  # the cart holds a product: checkout shows
            requests.append((role, "GET", "orders.checkout", None))
    requests.append(("anon", "GET", "/vi/khong-co-trang-nay", None))  # the error page
    requests.append(("anon", "GET", "/vi/orders/link/not-a-signed-link", None))
    with template_rendered.connected_to(record, app):
        for role, method, endpoint, data in requests:
            url = endpoint if endpoint.startswith("/") else url_for_role_test(endpoint, values)
            for lang in ("vi", "en"):
                localized = url.replace("/vi/", f"/{lang}/", 1)
                response = (client(role).get(localized) if method == "GET"
                            else client(role).post(localized, data=data))
                if response.status_code >= 500:
                    failures.append(f"{method} {localized} as {role}: {response.status_code}")
                if response.mimetype != "text/html":
                    continue
                found = _problems(lang, _text(response.get_data(as_text=True)))
                if found:
                    failures.append(f"{method} {localized} as {role}: {sorted(set(found))}")
    unreached = _page_templates() - rendered - set(NOT_PAGES)
    assert unreached == set(), "reach these templates by a request above, or list them"
    assert failures == [], "\n".join(failures)


def test_chinese_korean_and_japanese_pages_show_words_not_codes(app, world):
    """The public pages in the three newer languages (each page in one of them, in turn,
    to keep the run short: the test above covers every page in vi and en): their own html
    `lang`, no raw codes, and form messages in the page's language."""
    users, values, _ = world
    client = client_for(app, users, "anon")
    endpoints = [e for e, (owners, _) in sorted(POLICY.items())
                 if "anon" in owners and "lang" in next(app.url_map.iter_rules(e)).arguments
                 and "GET" in next(app.url_map.iter_rules(e)).methods]
    failures = []
    requests = [("GET", url_for_role_test(e, values), None) for e in endpoints]
    requests.append(("POST", url_for_role_test("accounts.register", values),
                     {"email": "not-an-email"}))
    for i, (method, url, data) in enumerate(requests):
        lang = _NEW_LANGS[i % len(_NEW_LANGS)] if method == "GET" else "ja"
        localized = url.replace("/vi/", f"/{lang}/", 1)
        response = client.get(localized) if method == "GET" else client.post(localized,
                                                                              data=data)
        if response.status_code >= 500:
            failures.append(f"{method} {localized}: {response.status_code}")
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            continue
        html = response.get_data(as_text=True)
        tag = "zh-Hans" if lang == "zh" else lang
        if "<html" in html and f'<html lang="{tag}">' not in html:  # (not in fragments)
            failures.append(f"{method} {localized}: no <html lang={tag}>")
        found = _problems(lang, _text(html))
        if found:
            failures.append(f"{method} {localized}: {sorted(set(found))}")
    assert len(requests) > 10 and failures == [], "\n".join(failures)


def test_the_list_of_non_pages_is_true():
    assert set(NOT_PAGES) <= _page_templates()


def test_error_pages_follow_the_urls_language(client):
    english = client.get("/en/no-such-page", headers={"Accept-Language": "vi"})
    assert english.status_code == 404 and "Page not found." in english.get_data(as_text=True)
    vietnamese = client.get("/vi/khong-co", headers={"Accept-Language": "en"})
    assert "Page not found." not in vietnamese.get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese.get_data(as_text=True)
    refused = client.get("/en/orders/x/pay")  # GET on a POST-only route: 405
    assert refused.status_code == 405
    assert "does not take that kind of request" in refused.get_data(as_text=True)


def test_form_messages_are_translated(client):
    html = client.post("/vi/account/register", data={}).get_data(as_text=True)
    assert "Vui lòng điền trường này." in html and "This field is required." not in html
    html = client.post("/en/account/register", data={"email": "x"}).get_data(as_text=True)
    assert "This field is required." in html and "Invalid email address." in html


def test_the_detector_sees_codes():
    assert _problems("en", _text("<p>Status: pending_payment</p>")) == ["pending_payment"]
    assert _problems("vi", _text("<li>pending → approved</li>")) == ["pending", "approved"]
    assert _problems("en", _text("<li>— → approved</li>")) == ["→ approved"]
    assert _problems("vi", _text("<p>coop_staff</p>")) == ["coop_staff", "coop_staff"]
    assert _problems("vi", _text("<p>This field is required.</p>")) == [
        "This field is required."]
    assert _problems("vi", _text('<a href="/vi/x?status=paid">Đã thanh toán</a>')) == []
    assert _problems("vi", _text("<p>admin@demo.htx.vn</p>")) == []

"""The interface in Chinese (Simplified), Korean and Japanese beside Vietnamese and English
(issue 15): /zh/, /ko/, /ja/ routes, Accept-Language negotiation, the language switch and
hreflang, shop content falling back to English then Vietnamese with its notice, per-locale
formatting and estimates, the profile's choice, and mail in the user's language.

The zh/ko/ja catalogues are written apart from this code: checks of a translated word read
the catalogue's own msgstr (`catalogue_text`) and skip, saying why, while it is absent."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from market.extensions import db
from market.i18n import (
    LOCALES,
    content_locale,
    format_localtime,
    format_vnd,
    localized,
    negotiate,
)
from market.intl import rates
from market.notifications.models import OutboxEmail
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8000"
NEW = ("zh", "ko", "ja")
HREFLANGS = {"vi": "vi", "en": "en", "zh": "zh-Hans", "ko": "ko", "ja": "ja"}


def catalogue_text(locale: str, msgid: str) -> str:
    """`msgid`'s translation in translations/<locale>/, or skip while it is not there."""
    path = ROOT / f"translations/{locale}/LC_MESSAGES/messages.po"
    if not path.exists():
        pytest.skip(f"translations/{locale}/LC_MESSAGES/messages.po is not there yet")
    with open(path, "rb") as fh:
        message = read_po(fh, locale=locale).get(msgid)
    if message is None or not message.string or message.fuzzy:
        pytest.skip(f"the {locale} catalogue does not translate {msgid!r} yet")
    return message.string


# --- routing and negotiation ----------------------------------------------------------------

def test_every_interface_language_has_its_pages(client):
    for lang in NEW:
        response = client.get(f"/{lang}/")
        assert response.status_code == 200
        assert f'<html lang="{HREFLANGS[lang]}">' in response.get_data(as_text=True)
    assert client.get("/fr/").status_code == 404
    assert client.get("/zh-Hans/").status_code == 404  # the URL says zh; only hreflang says more


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-Hans", "zh"), ("zh", "zh"),
    ("ja-JP", "ja"), ("ja-JP,en-US;q=0.9,en;q=0.8", "ja"), ("ko-KR,en;q=0.8", "ko"),
    ("en-GB,ja;q=0.5", "en"), ("fr-FR,de;q=0.9", "vi"), ("", "vi"), ("vi-VN,en;q=0.9", "vi"),
])
def test_accept_language_picks_the_first_language_we_have(header, lang):
    assert negotiate(parse_accept_header(header, LanguageAccept)) == lang


def test_the_root_follows_the_browser_then_the_signed_in_users_choice(client, make):
    response = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ko/")
    assert "Accept-Language" in response.headers["Vary"]
    login(client, make.user(locale="ja"))
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.headers["Location"].endswith("/ja/")


# --- the switch, hreflang and the sitemap ----------------------------------------------------

def test_product_page_switch_and_hreflang_name_every_language(client, make):
    p = make.product()
    html = client.get(f"/ja/p/{p.slug}?variant=x").get_data(as_text=True)
    names = {"vi": "Tiếng Việt", "en": "English", "zh": "中文", "ko": "한국어", "ja": "日本語"}
    for lang, name in names.items():
        tag = HREFLANGS[lang]
        # the switch keeps the page (and its query), each link in its own language
        assert re.search(rf'<a href="/{lang}/p/{p.slug}\?variant=x" hreflang="{tag}" '
                         rf'lang="{tag}"[^>]*>{name}</a>', html), lang
        assert (f'<link rel="alternate" hreflang="{tag}" href="{BASE}/{lang}/p/{p.slug}">'
                in html)
    assert re.search(r'<a [^>]*hreflang="ja"[^>]*aria-current="true"', html)
    assert f'<link rel="alternate" hreflang="x-default" href="{BASE}/vi/p/{p.slug}">' in html
    assert f'<link rel="canonical" href="{BASE}/ja/p/{p.slug}">' in html
    assert '<meta property="og:locale" content="ja_JP">' in html
    assert '<meta property="og:locale:alternate" content="zh_CN">' in html


def test_untranslated_products_list_only_vietnamese_in_hreflang_and_the_sitemap(client, make):
    translated, untranslated = make.product(), make.product(name_en="", description_en="")
    html = client.get(f"/ko/p/{untranslated.slug}").get_data(as_text=True)
    assert 'hreflang="ko" href=' not in html and 'hreflang="en" href=' not in html
    assert f'<link rel="canonical" href="{BASE}/vi/p/{untranslated.slug}">' in html
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    for lang in LOCALES:
        assert f"<loc>{BASE}/{lang}/p/{translated.slug}</loc>" in xml
    assert (f'<xhtml:link rel="alternate" hreflang="zh-Hans" '
            f'href="{BASE}/zh/p/{translated.slug}"/>') in xml
    assert f"<loc>{BASE}/vi/p/{untranslated.slug}</loc>" in xml
    assert f"/ja/p/{untranslated.slug}<" not in xml and f"/en/p/{untranslated.slug}<" not in xml


# --- content falls back to English, then Vietnamese ------------------------------------------

def test_content_locale_and_localized():
    assert [content_locale(lang) for lang in LOCALES] == ["vi", "en", "en", "en", "en"]
    assert localized("Cà phê", "Coffee", "ja") == "Coffee"
    assert localized("Cà phê", "", "zh") == "Cà phê"
    assert localized("Cà phê", "Coffee", "vi") == "Cà phê"


def test_japanese_page_shows_english_content_marked_and_says_so(client, make):
    p = make.product(name_en="Ground Robusta coffee", description_en="Plain roast.")
    html = client.get(f"/ja/p/{p.slug}").get_data(as_text=True)
    assert '<h1 lang="en">Ground Robusta coffee</h1>' in html
    assert re.search(r'<div lang="en"><p>Plain roast\.</p></div>', html)
    assert re.search(r'class="note untranslated" role="note"><strong>[^<]+</strong></p>', html)
    assert "Missing in English" not in html
    # Where English is missing too, the Vietnamese text is shown, marked, and said so.
    bare = make.product(name_en="", description_en="")
    html = client.get(f"/zh/p/{bare.slug}").get_data(as_text=True)
    assert '<h1 lang="vi">Cà phê Robusta rang xay</h1>' in html
    assert re.search(r'<div lang="vi"><p>Rang mộc\.</p></div>', html)
    assert html.count("<strong>") == 1  # only "shown in Vietnamese": no English is shown
    # An English name with the description missing in English: both notices.
    half = make.product(description_en="")
    html = client.get(f"/zh/p/{half.slug}").get_data(as_text=True)
    assert '<h1 lang="en">Ground Robusta coffee</h1>' in html
    assert re.search(r'<div lang="vi"><p>Rang mộc\.</p></div>', html)
    assert re.search(r'class="note untranslated" role="note"><strong>[^<]+</strong> '
                     r'<strong>[^<]+</strong>', html)
    # English pages keep their rule: no notice when English is there.
    assert "untranslated" not in client.get(f"/en/p/{p.slug}").get_data(as_text=True)


def test_the_notice_is_in_the_pages_language(client, make):
    p = make.product()
    notice = catalogue_text("ja", "Shown in English: not yet translated into this language.")
    assert notice in client.get(f"/ja/p/{p.slug}").get_data(as_text=True)


def test_cooperative_story_on_a_korean_page(client, make):
    coop = make.cooperative(story_vi="Câu chuyện.", story_en="Our story.")
    html = client.get(f"/ko/c/{coop.slug}").get_data(as_text=True)
    assert '<div class="story" lang="en">' in html and "Our story." in html
    assert '<details class="story-other" lang="vi">' in html


# --- formatting ------------------------------------------------------------------------------

def test_dates_and_prices_per_locale(app):
    moment = datetime(2026, 11, 24, 18, 20, tzinfo=UTC)  # 01:20 on the 25th in Vietnam
    expected = {"vi": "25/11/2026 01:20", "en": "25 Nov 2026, 01:20",
                "zh": "2026年11月25日 01:20", "ko": "2026. 11. 25. 01:20",
                "ja": "2026/11/25 01:20"}
    for lang, text in expected.items():
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            assert format_localtime(moment) == text
            assert format_vnd(1_250_000) == ("1.250.000\xa0₫" if lang == "vi" else "₫1,250,000")


def test_a_japanese_page_shows_a_yen_estimate_with_the_rate_date(client, make):
    p = make.product(price=1_250_000)
    rates.set_rate("JPY", "170.5", date(2026, 12, 1))
    rates.set_rate("KRW", "18.2", date(2026, 12, 1))
    html = client.get(f"/ja/p/{p.slug}").get_data(as_text=True)
    assert "￥7,331" in html and "2026年12月1日" in html and "₫1,250,000" in html
    html = client.get(f"/ko/p/{p.slug}").get_data(as_text=True)
    assert "₩68,681" in html and "2026년 12월 1일" in html
    assert "data-variant-estimate" not in client.get(f"/vi/p/{p.slug}").get_data(as_text=True)


# --- the profile and mail --------------------------------------------------------------------

def test_a_buyer_chooses_korean_in_the_profile(client, make):
    user = make.user(locale="vi")
    login(client, user)
    form = client.get("/vi/account/edit").get_data(as_text=True)
    assert '<option value="ko">한국어</option>' in form
    response = client.post("/vi/account/edit",
                           data={"name": user.name, "phone": "", "locale": "ko"})
    assert response.status_code == 303
    assert db.session.get(type(user), user.id).locale == "ko"
    assert '<dd lang="ko">한국어</dd>' in client.get("/vi/account/").get_data(as_text=True)
    refused = client.post("/vi/account/edit", data={"name": user.name, "locale": "zh-Hans"})
    assert refused.status_code == 422 and db.session.get(type(user), user.id).locale == "ko"


def test_registering_on_a_japanese_page_preselects_japanese(client):
    form = client.get("/ja/account/register").get_data(as_text=True)
    assert '<option selected value="ja">日本語</option>' in form


def test_mail_to_a_chinese_speaking_user_is_in_chinese(client, make):
    user = make.user(locale="zh")
    client.post("/zh/account/password/forgot", data={"email": user.email})
    mail = db.session.scalar(db.select(OutboxEmail).filter_by(recipient=user.email))
    assert "/zh/account/password/reset/" in mail.body
    assert mail.subject == catalogue_text("zh", "Reset your HTX Market password")


# --- what stays in the content languages -----------------------------------------------------

def test_the_partner_api_stays_in_vietnamese_and_english(client):
    missing = "/api/v1/products/no-such-product"
    response = client.get(missing + "?lang=ja", headers={"Accept-Language": "ja, en;q=0.5"})
    assert response.status_code == 404 and response.headers["Content-Language"] == "en"
    response = client.get(missing, headers={"Accept-Language": "ko"})
    assert response.headers["Content-Language"] == "vi"

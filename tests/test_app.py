import pytest

from market import create_app
from market.config import ConfigError


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("header, target", [
    (None, "/vi/"),
    ("en-US,en;q=0.9", "/en/"),
    ("fr-FR,fr;q=0.9", "/vi/"),
    ("vi,en;q=0.5", "/vi/"),
])
def test_root_redirects_by_accept_language(client, header, target):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("lang, heading", [
    ("vi", "Sản phẩm của các hợp tác xã Việt Nam"),
    ("en", "Products of Vietnam"),
])
def test_home_page_in_both_languages(client, make, lang, heading):
    coop = make.cooperative(name="Hợp tác xã Cà phê Ea Tu")
    make.product(coop, name_vi="Hồ tiêu đen Ea Tu", name_en="Ea Tu black pepper")
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert "Hợp tác xã Cà phê Ea Tu" in html
    assert ("Ea Tu black pepper" if lang == "en" else "Hồ tiêu đen Ea Tu") in html


def test_home_hides_drafts_and_unapproved_cooperatives(client, make):
    pending = make.cooperative(name="HTX Chờ Duyệt", status="pending")
    make.product(pending, name_vi="Sản phẩm của HTX chờ duyệt")
    make.product(name_vi="Bản nháp bí mật", status="draft")
    html = client.get("/vi/").get_data(as_text=True)
    assert "HTX Chờ Duyệt" not in html
    assert "Sản phẩm của HTX chờ duyệt" not in html
    assert "Bản nháp bí mật" not in html


def test_unknown_language_is_404(client):
    assert client.get("/fr/").status_code == 404


def test_price_is_formatted_for_the_locale(client, make):
    make.product(name_vi="Mật ong hoa cà phê", price=1_250_000)
    assert "1.250.000\xa0₫" in client.get("/vi/").get_data(as_text=True)
    assert "₫1,250,000" in client.get("/en/").get_data(as_text=True)


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    # The limiter is one shared instance: keep it off for the rest of the session.
    monkeypatch.setenv("MARKET_RATELIMIT_DISABLED", "1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MARKET_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_language_switch_keeps_the_page(client):
    html = client.get("/vi/account/login").get_data(as_text=True)
    assert 'href="/en/account/login"' in html

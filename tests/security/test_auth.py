"""Accounts as an attacker tries them: redirects after sign-in, weak passwords, invisible
names and look-alike emails. Issue 10, items 1 and 5."""
import pytest

from market.errors import ValidationError
from market.urls import safe_redirect_target
from market.vendors import services as vendors

HOME = "/vi/"

# Each is a raw query-string value for ?next= (percent-encoding as an attacker would send it).
OFFSITE = [
    "/%09/evil.example/",          # the review's finding: the browser drops the tab
    "/%0a/evil.example/",
    "/%0d/evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/%5Cevil.example/",           # /\evil.example: a backslash is a slash to browsers
    "%5C%5Cevil.example/",
    "/%5C/evil.example/",
    "%09//evil.example/",
    "%20//evil.example/",          # leading space is stripped by browsers
    "%00//evil.example/",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "http:evil.example",
    "https:/%5Cevil.example",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt%3Aalert(1)",
    "java%09script:alert(1)",
    "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
    "evil.example",
    "/%252F%252Fevil.example",     # double-encoded //
    "%252F%252Fevil.example",
    "/%255Cevil.example",
    "//localhost@evil.example/",
]

ONSITE = [
    ("/vi/account/", "/vi/account/"),
    ("/en/p/ca-phe-robusta?x=1", "/en/p/ca-phe-robusta?x=1"),
    ("/vi/search%3Fq%3Dc%25C3%25A0%2Bph%25C3%25AA", "/vi/search?q=c%C3%A0+ph%C3%AA"),
    ("/vi/c/htx-ea-kmat%23products", "/vi/c/htx-ea-kmat#products"),
]


def _login(client, user, password, raw_next):
    return client.post(f"/vi/account/login?next={raw_next}",
                       data={"email": user.email, "password": password})


@pytest.mark.parametrize("raw_next", OFFSITE)
def test_login_never_redirects_off_site(client, make, raw_next):
    user = make.user()
    response = _login(client, user, make.PASSWORD, raw_next)
    if response.status_code == 400:  # a NUL byte is refused before any view reads it
        assert "%00" in raw_next
        return
    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize("raw_next, location", ONSITE)
def test_login_follows_paths_of_this_site(client, make, raw_next, location):
    user = make.user()
    response = _login(client, user, make.PASSWORD, raw_next)
    assert response.headers["Location"] == location


@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/\\evil.example", "\\/evil.example", " //evil.example",
    "/\r\n/evil.example", "//evil.example", "\x00//evil.example", "/\x01/evil.example", "/%2F%2Fevil.example",
    "%2F%2Fevil.example", "/%5C%5Cevil.example", "https:evil.example", "", None, 42,
    "/" + "a" * 3000,
])
def test_the_helper_refuses_what_a_browser_would_take_off_site(target):
    assert safe_redirect_target(target) is None


def test_every_next_parameter_in_the_code_goes_through_the_helper():
    """No view reads a redirect target from the request except through urls.py."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "market"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ('args.get("next")', "args.get('next')", "request.referrer",
                       'headers.get("Referer")', 'form.get("next")', "return_to"):
            if needle in text and "safe_redirect_target(" not in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


# --- passwords ---------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "1234567890", "password12", "qwertyuiop", "iloveyou12", "aaaaaaaaaaaa", "abcdefghij",
    "matkhau123", "0987654321",
])
def test_common_passwords_are_refused(make, password):
    with pytest.raises(ValidationError) as exc:
        make.user(password=password)
    assert "password" in exc.value.errors


def test_the_password_may_not_be_the_email_or_the_name(make):
    with pytest.raises(ValidationError) as exc:
        make.user(email="nguyen.thi.hoa@example.vn", password="nguyen.thi.hoa@example.vn")
    assert "password" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        make.user(name="Trần Minh Khôi Nguyên", password="Tran Minh Khoi Nguyen".lower() + "!")
    assert "password" in exc.value.errors


def test_a_weak_password_is_explained_in_the_users_language(client):
    response = client.post("/en/account/register", data={
        "name": "Lan", "email": "lan.weak@example.vn", "password": "password12",
        "confirm": "password12", "locale": "en"})
    assert response.status_code == 422
    assert "too common or too easy to guess" in response.get_data(as_text=True)


def test_a_strong_passphrase_is_accepted(make):
    assert make.user(password="ba con voi di qua cau tre").id


def test_invitations_refuse_weak_passwords_too(client, make):
    from tests.conftest import login

    owner = make.staff(is_owner=True)
    login(client, owner)
    _invitation, token = vendors.invite_staff(owner, "moi@example.vn")
    client.post("/vi/account/logout")
    response = client.post(f"/vi/vendor/invite/{token}",
                           data={"name": "Nhân viên Mới", "password": "1234567890"})
    assert response.status_code == 422
    from market.accounts import services as accounts

    assert accounts.find_by_email("moi@example.vn") is None


# --- names ---------------------------------------------------------------------------------------

INVISIBLE_NAMES = ["\u200b\u200b\u200b", "\u202e\u202d", "\u2066\u2069\ufeff", "\u00ad\u034f",
                   " \u200d \u2060 "]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_names_made_of_invisible_characters_are_refused(make, name):
    with pytest.raises(ValidationError) as exc:
        make.user(name=name)
    assert "name" in exc.value.errors


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_cooperative_names_made_of_invisible_characters_are_refused(make, name):
    with pytest.raises(ValidationError) as exc:
        make.cooperative(name=name)
    assert "name" in exc.value.errors


def test_names_are_stored_without_invisible_or_bidi_characters(make):
    user = make.user(name="Ng\u200buyễn \u202eVăn\u202c  A")
    assert user.name == "Nguyễn Văn A"
    coop = make.cooperative(name="HTX\u200b Cà \u2066phê\u2069")
    assert coop.name == "HTX Cà phê"


def test_overlong_names_are_refused_not_truncated(make):
    with pytest.raises(ValidationError) as exc:
        make.user(name="A" * 121)
    assert "name" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        make.cooperative(name="H" * 201)
    assert "name" in exc.value.errors


def test_registering_an_invisible_name_over_http_is_refused(client):
    response = client.post("/en/account/register", data={
        "name": "\u200b\u200b", "email": "ghost@example.vn", "password": "ba con voi di qua cau",
        "confirm": "ba con voi di qua cau", "locale": "en"})
    assert response.status_code == 422


# --- look-alike emails ---------------------------------------------------------------------------

@pytest.mark.parametrize("email", [
    "\u0430dmin@example.vn",        # Cyrillic а
    "adm\u0456n@example.vn",        # Cyrillic і
    "\u03b1dmin@example.vn",        # Greek α
    "\u03bfwner@example.vn",        # Greek ο
    "\uff41dmin@example.vn",        # fullwidth ａ
    "admin@ex\u0430mple.vn",        # Cyrillic а in the domain
    "admin@\u03b5xample.vn",        # Greek ε in the domain
])
def test_look_alike_emails_are_refused(make, email):
    make.user(email="admin@example.vn")
    with pytest.raises(ValidationError) as exc:
        make.user(email=email)
    assert "email" in exc.value.errors


def test_a_fullwidth_domain_is_the_same_address(make):
    from market.accounts.services import normalise_email

    make.user(email="admin@example.vn")
    assert normalise_email("admin@\uff45xample.vn") == "admin@example.vn"  # ｅ maps to e
    with pytest.raises(ValidationError) as exc:
        make.user(email="admin@\uff45xample.vn")
    assert "email" in exc.value.errors


def test_latin_letters_with_diacritics_in_a_domain_are_fine(make):
    assert make.user(email="lan@vi\u1ec7tnam.vn").email == "lan@vi\u1ec7tnam.vn"


def test_look_alike_email_is_refused_over_http_in_vietnamese(client):
    response = client.post("/vi/account/register", data={
        "name": "Kẻ giả", "email": "\u0430dmin@example.vn",
        "password": "ba con voi di qua cau", "confirm": "ba con voi di qua cau",
        "locale": "vi"})
    assert response.status_code == 422


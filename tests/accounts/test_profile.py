"""Profile editing and the account area's menu (issue 11)."""
import pytest

from market.accounts import services
from market.errors import ValidationError
from market.extensions import db
from tests.conftest import login


def test_edit_profile_round_trip(client, make):
    user = make.user(locale="vi")
    login(client, user)
    page = client.get("/vi/account/edit").get_data(as_text=True)
    assert f'value="{user.name}"' in page
    response = client.post("/vi/account/edit", data={
        "name": "Hoàng Thị Lan", "phone": "0912 000 111", "locale": "en"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/account/")  # in the language chosen
    db.session.refresh(user)
    assert (user.name, user.phone, user.locale) == ("Hoàng Thị Lan", "0912000111", "en")
    profile = client.get("/en/account/").get_data(as_text=True)
    assert "Hoàng Thị Lan" in profile and "0912000111" in profile and "English" in profile


def test_the_new_language_is_the_language_of_emails(client, make):
    user = make.user(locale="vi")
    login(client, user)
    client.post("/vi/account/edit", data={"name": user.name, "phone": "", "locale": "en"})
    client.post("/vi/account/logout")
    client.post("/vi/account/password/forgot", data={"email": user.email})
    from market.notifications.models import OutboxEmail

    mail = db.session.scalar(db.select(OutboxEmail).filter_by(recipient=user.email))
    assert mail.subject == "Reset your HTX Market password"
    assert "/en/account/password/reset/" in mail.body


@pytest.mark.parametrize("data, field", [
    ({"name": "Lan", "phone": "12345", "locale": "vi"}, "phone"),
    ({"name": "\u200b", "phone": "", "locale": "vi"}, "name"),
    ({"name": "Lan", "phone": "", "locale": "fr"}, "locale"),
])
def test_bad_profile_input_changes_nothing(make, data, field):
    user = make.user()
    before = (user.name, user.phone, user.locale)
    with pytest.raises(ValidationError) as refused:
        services.update_profile(user, **data)
    assert field in refused.value.errors
    assert (user.name, user.phone, user.locale) == before


def test_a_bad_phone_is_a_translated_form_error(client, make):
    user = make.user()
    login(client, user)
    response = client.post("/vi/account/edit", data={"name": "Lan", "phone": "123",
                                                     "locale": "vi"})
    assert response.status_code == 422
    assert "Nhập số di động Việt Nam, ví dụ 0912 345 678." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.name != "Lan"


@pytest.mark.parametrize("path, current", [
    ("/en/account/", "/en/account/"), ("/en/account/edit", "/en/account/"),
    ("/en/account/addresses", "/en/account/addresses"),
    ("/en/account/addresses/new", "/en/account/addresses"),
    ("/en/orders", "/en/orders"), ("/en/account/password", "/en/account/password"),
])
def test_the_account_menu_is_on_every_account_page(client, make, path, current):
    login(client, make.user())
    body = client.get(path).get_data(as_text=True)
    nav = body[body.index('<nav class="account-nav"'):]
    nav = nav[:nav.index("</nav>")]
    for label in ("Profile", "Addresses", "Orders", "Password"):
        assert f">{label}</a>" in nav
    assert f'href="{current}" aria-current="page"' in nav

import pytest
from flask_babel import force_locale

from market.errors import NotFound, ValidationError
from market.vendors import services


def _data(**overrides):
    data = {"name": "Hợp tác xã Nông nghiệp Ea Kmat", "registration_code": "0100233488",
            "province_code": 66, "member_count": 20}
    data.update(overrides)
    return data


def test_creates_a_pending_cooperative_with_a_slug(ctx):
    coop = services.create_cooperative(_data())
    assert coop.status == "pending"
    assert coop.slug == "hop-tac-xa-nong-nghiep-ea-kmat"
    assert coop.registration_code == "0100233488"


def test_branch_form_is_accepted_and_normalised(ctx):
    coop = services.create_cooperative(_data(registration_code="0314409058 002"))
    assert coop.registration_code == "0314409058-002"


@pytest.mark.parametrize("code", ["0100233489", "12345", "01002334880", "abcdefghij", "",
                                  "0314409058-000"])
def test_bad_registration_code_is_refused(ctx, code):
    with pytest.raises(ValidationError) as exc:
        services.create_cooperative(_data(registration_code=code))
    assert "registration_code" in exc.value.errors


def test_duplicate_registration_code_is_refused(ctx):
    services.create_cooperative(_data())
    with pytest.raises(ValidationError) as exc:
        services.create_cooperative(_data(name="Another"))
    assert "registration_code" in exc.value.errors


def test_unknown_province_is_refused_in_the_users_language(ctx):
    with pytest.raises(ValidationError) as exc:
        services.create_cooperative(_data(province_code=99))
    message = exc.value.errors["province_code"]
    with force_locale("vi"):
        assert str(message) == "Tỉnh/thành không tồn tại: 99"
    with force_locale("en"):
        assert str(message) == "Unknown province: 99"


def test_commune_must_belong_to_the_province(ctx):
    # 70 is Phường Hoàn Kiếm, in Hà Nội (01), not in Đắk Lắk (66).
    with pytest.raises(ValidationError) as exc:
        services.create_cooperative(_data(commune_code=70))
    assert "commune_code" in exc.value.errors
    coop = services.create_cooperative(_data(province_code=1, commune_code=70))
    assert coop.commune_code == 70


def test_every_bad_field_is_reported_at_once(ctx):
    with pytest.raises(ValidationError) as exc:
        services.create_cooperative(_data(name="", registration_code="1", province_code="x",
                                          member_count=2, founded_year=3000))
    assert set(exc.value.errors) == {"name", "registration_code", "province_code",
                                     "member_count", "founded_year"}


def test_only_approved_cooperatives_are_public(make):
    approved = make.cooperative()
    pending = make.cooperative(status="pending")
    assert services.get_public(approved.slug) == approved
    with pytest.raises(NotFound):
        services.get_public(pending.slug)

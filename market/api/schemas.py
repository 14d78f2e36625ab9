"""The partner API's request and response schemas, declared once (marshmallow): flask-smorest
validates requests with them and writes them into the OpenAPI 3.1 document."""
from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, fields, validate

from market.api import keys


class Base(Schema):
    class Meta:
        unknown = EXCLUDE  # extra fields are ignored, never an error
        ordered = True


def _text(**kw):
    return fields.String(allow_none=True, **kw)


class LocalText(Base):
    vi = _text()
    en = _text()


class Place(Base):
    code = fields.Integer(required=True)
    name = fields.Nested(LocalText, required=True)


class Problem(Base):
    """RFC 9457 problem details."""
    type = fields.String(required=True, metadata={"description": "A stable URI of the docs "
                                                  "page's section on this problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(metadata={"description": "A stable machine-readable code."})
    errors = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "Field (dotted path) -> message."})
    problems = fields.List(fields.Dict())


# --- catalogue ------------------------------------------------------------------------------

class Rendition(Base):
    width = fields.Integer(required=True)
    height = fields.Integer(allow_none=True)
    url = fields.Url(required=True)


class Image(Base):
    url = fields.Url(required=True, metadata={"description": "Absolute URL of a JPEG or PNG."})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    alt = fields.Nested(LocalText, required=True)
    renditions = fields.List(fields.Nested(Rendition), required=True)


class Variant(Base):
    sku = fields.String(required=True)
    label = fields.Nested(LocalText, required=True)
    price = fields.Integer(required=True, metadata={"description": "Integer VND."})
    stock = fields.Integer(required=True)
    in_stock = fields.Boolean(required=True)
    gtin = _text()
    weight_grams = fields.Integer(allow_none=True)
    default = fields.Boolean(required=True)


class Ocop(Base):
    stars = fields.Integer(required=True)
    certificate_number = fields.String(required=True)
    valid_until = fields.Date(required=True)
    level = fields.String(required=True)


class CoopRef(Base):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class Rating(Base):
    average = fields.Float(allow_none=True)
    count = fields.Integer(required=True)


class Product(Base):
    id = fields.String(required=True, metadata={"description": "The product's slug."})
    deleted = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    url = fields.Nested(LocalText, required=True)
    name = fields.Nested(LocalText, required=True)
    description = fields.Nested(LocalText, required=True)
    category = _text()
    cooperative = fields.Nested(CoopRef, required=True)
    unit = fields.String(required=True)
    unit_label = fields.Nested(LocalText, required=True)
    currency = fields.String(required=True, validate=validate.Equal("VND"))
    price = fields.Integer(required=True)
    price_max = fields.Integer(required=True)
    in_stock = fields.Boolean(required=True)
    availability = fields.String(required=True,
                                 validate=validate.OneOf(["in_stock", "out_of_stock"]))
    stock = fields.Integer(required=True)
    origin = fields.Nested(Place, allow_none=True)
    ocop = fields.Nested(Ocop, allow_none=True)
    gtin = _text()
    rating = fields.Nested(Rating, required=True)
    images = fields.List(fields.Nested(Image), required=True)
    variants = fields.List(fields.Nested(Variant), required=True)


class ProductOrTombstone(Base):
    """A product document, or `{"id", "deleted": true, "updated_at"}` for one to drop."""
    id = fields.String(required=True)
    deleted = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)


class SyncInfo(Base):
    next_updated_since = fields.DateTime(required=True, metadata={
        "description": "Pass as updated_since on your next sync."})


class ProductPage(Base):
    items = fields.List(fields.Dict(), required=True, metadata={
        "description": "Product documents (see Product) and, with updated_since, "
                       "tombstones (see ProductOrTombstone)."})
    next = fields.String(allow_none=True, required=True,
                         metadata={"description": "Cursor of the next page; null on the last."})
    sync = fields.Nested(SyncInfo, required=True)


class ProductQuery(Base):
    cursor = fields.String(metadata={"description": "Opaque; from the previous page's next."})
    updated_since = fields.AwareDateTime(default_timezone=UTC, metadata={
        "description": "ISO 8601 time: products changed after it, tombstones included."})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class Cooperative(Base):
    id = fields.String(required=True)
    name = fields.String(required=True)
    url = fields.Nested(LocalText, required=True)
    province = fields.Nested(Place, allow_none=True)
    sector = _text()
    founded_year = fields.Integer(allow_none=True)
    member_count = fields.Integer(required=True)
    story = fields.Nested(LocalText, required=True)
    logo = _text()
    phone = _text()
    product_count = fields.Integer()


class CooperativeList(Base):
    items = fields.List(fields.Nested(Cooperative), required=True)
    suspended = fields.List(fields.String(), required=True, metadata={
        "description": "Slugs of cooperatives no longer listed (tombstones): drop them and "
                       "their products."})


class Category(Base):
    id = fields.String(required=True)
    parent = _text()
    name = fields.Nested(LocalText, required=True)
    position = fields.Integer(required=True)


class CategoryList(Base):
    items = fields.List(fields.Nested(Category), required=True)


class Commodity(Base):
    id = fields.String(required=True)
    name = fields.Nested(LocalText, required=True)
    markets = fields.List(fields.String(), required=True)
    prices_url = fields.Url(required=True)
    forecasts_url = fields.Url(required=True)


class CommodityList(Base):
    items = fields.List(fields.Nested(Commodity), required=True)


# --- prices -------------------------------------------------------------------------------

class PriceQuery(Base):
    market = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ForecastQuery(Base):
    market = fields.String()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class Prices(Base):
    commodity = fields.Dict(required=True)
    series = fields.List(fields.Dict(), required=True)
    production_costs = fields.List(fields.Dict(), required=True)


class Forecasts(Base):
    commodity = fields.String(required=True)
    forecasts = fields.List(fields.Dict(), required=True, metadata={
        "description": "Per series: model (the method), backtest (MASE, sMAPE), as_of "
                       "(the data date), points with 80 % and 95 % intervals."})
    harvest_calendar = fields.List(fields.Dict(), required=True)


# --- orders -------------------------------------------------------------------------------

class OrderLineIn(Base):
    product = fields.String(required=True, validate=validate.Length(1, 120))
    quantity = fields.Integer(required=True, strict=True)
    variant = fields.String(allow_none=True, validate=validate.Length(max=64),
                            metadata={"description": "The variant's SKU."})
    seen_price = fields.Integer(allow_none=True, strict=True)


class ContactIn(Base):
    """The recipient and the delivery address: in Vietnam a mobile number, province_code
    and commune_code (the codes of /api/geo) and address_line; abroad country_code and that
    country's own fields (which it has and needs: Google's address data, as the checkout
    page asks), with any phone number valid there. Field errors are keyed by these names."""
    name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.String(load_default="", validate=validate.Length(max=254))
    phone = fields.String(load_default="", validate=validate.Length(max=40), metadata={
        "description": "In Vietnam a mobile number (0912 345 678); abroad any number valid "
                       "in that country, best with its country code (+81 3 1234 5678)."})
    address_line = fields.String(load_default="", validate=validate.Length(max=300),
                                 metadata={"description": "The street address (or village)."})
    province_code = fields.Integer(allow_none=True, strict=True,
                                   metadata={"description": "Vietnam only."})
    commune_code = fields.Integer(allow_none=True, strict=True,
                                  metadata={"description": "Vietnam only."})
    country_code = fields.String(load_default="VN", validate=validate.Length(max=2), metadata={
        "description": "ISO 3166-1 alpha-2; VN (the default) for Vietnam. Orders abroad are "
                       "paid by card (payment_method stripe).", "example": "JP"})
    postal_code = fields.String(load_default="", validate=validate.Length(max=20),
                                metadata={"description": "Abroad, where the country has "
                                                         "postal codes.", "example": "100-0001"})
    city = fields.String(load_default="", validate=validate.Length(max=120),
                         metadata={"description": "Abroad: the city or town."})
    country_area = fields.String(load_default="", validate=validate.Length(max=120), metadata={
        "description": "Abroad: the state, province, prefecture or region (its name or code).",
        "example": "東京都"})
    city_area = fields.String(load_default="", validate=validate.Length(max=120),
                              metadata={"description": "Abroad: the district, where the "
                                                       "country uses one."})


class OrderIn(Base):
    lines = fields.List(fields.Nested(OrderLineIn), required=True, metadata={
        "description": "At most 100 lines (the checkout refuses more: too_many_lines)."})
    contact = fields.Nested(ContactIn, required=True)
    payment_method = fields.String(required=True, validate=validate.Length(1, 30), metadata={
        "description": "cod, vietqr or stripe (a card: the buyer pays on the order page "
                       "linked from the order email). Abroad only stripe: any other is "
                       "refused (422, method_not_abroad, errors.payment_method)."})
    locale = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))


class OrderLineOut(Base):
    name = fields.String(required=True)
    variant = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    quantity = fields.Integer(required=True)
    unit_price = fields.Integer(required=True)


class OrderPart(Base):
    id = fields.String(required=True)
    number = fields.String(required=True)
    cooperative = fields.String(required=True)
    status = fields.String(required=True)
    total = fields.Integer(required=True)
    shipping = fields.Integer(required=True)
    lines = fields.List(fields.Nested(OrderLineOut), required=True)


class Order(Base):
    id = fields.String(required=True)
    number = fields.String(required=True)
    total = fields.Integer(required=True)
    currency = fields.String(required=True)
    subtotal = fields.Integer(required=True)
    shipping = fields.Integer(required=True)
    payment_method = fields.String(required=True)
    transfer_reference = fields.String(allow_none=True)
    parts = fields.List(fields.Nested(OrderPart), required=True)


SCOPE_NAMES = sorted(keys.SCOPES)

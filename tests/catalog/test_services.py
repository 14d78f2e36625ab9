import pytest

from market.catalog import services
from market.errors import ValidationError


@pytest.mark.parametrize("field, value", [
    ("price", -5000), ("price", 0), ("price", "12.5"), ("price", "abc"), ("price", 10**10),
    ("stock", -1), ("stock", "ba"), ("unit", "tấn"), ("origin_province_code", 999),
    ("name_vi", ""), ("category_id", 987654),
])
def test_bad_product_input_is_refused_by_the_service(make, field, value):
    with pytest.raises(ValidationError) as exc:
        make.product(**{field: value})
    assert field in exc.value.errors


@pytest.mark.parametrize("text, amount", [
    ("1.250.000", 1_250_000), ("1,250,000", 1_250_000), ("185000", 185_000),
    ("95.000 ₫", 95_000), (42, 42), ("12.5", None), ("1.25", None), (True, None),
])
def test_parse_vnd(text, amount):
    assert services.parse_vnd(text) == amount


def test_product_text_per_locale_falls_back_to_vietnamese(make):
    product = make.product(name_en="", description_en="")
    assert product.translation("en").locale == "vi"
    assert product.name("en") == "Cà phê Robusta rang xay"
    with_en = make.product()
    assert with_en.translation("en").locale == "en"


def test_update_changes_only_the_given_fields(make):
    product = make.product(price=100_000, stock=3)
    services.update_product(product, {"weight_grams": 500, "name_en": "Roasted Robusta"})
    assert (product.price, product.stock, product.name("en")) == (100_000, 3, "Roasted Robusta")
    services.update_product(product, {"name_en": ""})
    assert product.translation("en").locale == "vi"
    with pytest.raises(ValidationError):
        services.update_product(product, {"price": -2})
    with pytest.raises(ValueError):  # stock only moves by adjustments
        services.update_product(product, {"stock": 10})


def test_image_needs_alt_text(make):
    product = make.product()
    with pytest.raises(ValidationError):
        services.add_image(product, "x.png", alt_vi="  ")
    image = services.add_image(product, "x.png", alt_vi="Gói cà phê", alt_en="Coffee bag")
    assert product.images == [image]

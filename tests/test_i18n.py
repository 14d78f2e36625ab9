import pytest

from market.i18n import fold, slugify


@pytest.mark.parametrize("text, folded", [
    ("Cà phê", "ca phe"),
    ("Đắk Lắk", "dak lak"),
    ("SẦU RIÊNG", "sau rieng"),
    ("bò bơ bố", "bo bo bo"),
])
def test_fold_strips_diacritics_and_maps_d_bar(text, folded):
    assert fold(text) == folded


def test_slugify():
    assert slugify("Cà phê Robusta Đắk Lắk 500 g") == "ca-phe-robusta-dak-lak-500-g"
    assert slugify("!!!") == "item"

"""Every form control on the public pages and the vendor portal has a label."""
from html.parser import HTMLParser

from market.catalog import services as catalog
from tests.conftest import login


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.wrapped = [], set(), 0
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            if self._in_label:
                self.wrapped += 1
            elif not a.get("aria-label"):
                self.controls.append(a.get("id") or a.get("name"))

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1


def _unlabelled(html):
    parser = _Fields()
    parser.feed(html)
    return [c for c in parser.controls if c not in parser.labels]


def test_every_field_is_labelled(client, make):
    owner = make.staff(is_owner=True)
    product = make.product(owner.cooperative)
    catalog.add_image(product, "x.png", alt_vi="ảnh")
    pages = [f"/vi/p/{product.slug}", f"/en/c/{owner.cooperative.slug}", "/en/"]
    for url in pages:
        assert _unlabelled(client.get(url).get_data(as_text=True)) == [], url
    login(client, owner)
    for url in ("/en/vendor/", "/en/vendor/products/new", f"/en/vendor/products/{product.slug}/edit",
                "/en/vendor/import", "/en/vendor/staff", "/en/vendor/profile"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _unlabelled(response.get_data(as_text=True)) == [], url

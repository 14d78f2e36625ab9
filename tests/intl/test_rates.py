"""The dated exchange-rate table: a Vietcombank-shaped CSV imported by the flask command
and the admin page, one rate set by hand, and the estimates with their date on pages."""
from datetime import date
from decimal import Decimal

import pytest

from market.intl import rates
from tests.conftest import login

# Shaped like Vietcombank's published table: the date above the header, thousands with
# commas, "-" where a rate is not quoted.
VCB = """Tỷ giá Vietcombank,Cập nhật lúc 01/12/2026 08:00
Currency Code,Currency Name,Cash,Transfer,Sell
AUD,AUSTRALIAN DOLLAR,"16,810.41","16,980.21","17,524.33"
CNY,YUAN RENMINBI,"3,645.10","3,681.92","3,799.77"
EUR,EURO,"29,868.85","30,170.55","31,415.34"
JPY,YEN,166.47,168.15,176.07
KRW,KOREAN WON,16.05,17.83,19.34
SGD,SINGAPORE DOLLAR,"19,801.98","20,002.00","20,643.17"
THB,THAI BAHT,703.27,781.41,811.36
USD,US DOLLAR,"26,108.00","26,138.00","26,378.00"
XYZ,NOT OURS,-,-,-
""".encode()


def test_bank_table_parses_our_currencies_with_its_date(ctx):
    parsed = {r.currency: r for r in rates.parse_bank_csv(VCB)}
    assert set(parsed) == set(rates.CURRENCIES)
    assert parsed["USD"].vnd_per_unit == Decimal("26138.00")  # the transfer rate
    assert parsed["JPY"].rate_date == date(2026, 12, 1)
    with pytest.raises(rates.RateFileError):
        rates.parse_bank_csv(b"Currency Code,Transfer\nUSD,26138\n")  # no date anywhere
    undated = rates.parse_bank_csv(b"Currency Code,Transfer\nUSD,26138\n", date(2026, 11, 30))
    assert undated[0].rate_date == date(2026, 11, 30)
    with pytest.raises(rates.RateFileError):
        rates.parse_bank_csv(b"just,some\ntext,here\n", date(2026, 11, 30))


def test_flask_rates_import_and_estimates_in_babel_formats(app, make, tmp_path):
    path = tmp_path / "vcb.csv"
    path.write_bytes(VCB)
    result = app.test_cli_runner().invoke(args=["rates", "import", str(path)])
    assert result.exit_code == 0 and "7 exchange rates imported" in result.output
    latest = rates.latest()
    assert latest["EUR"].rate_date == date(2026, 12, 1)
    assert rates.estimate(1_000_000, latest["USD"], "en").text == "$38.26"
    assert rates.estimate(1_000_000, latest["EUR"], "vi").text == "33,14\xa0€"
    assert rates.estimate(1_000_000, latest["JPY"], "en").text == "¥5,947"  # no minor unit
    # A newer rate for one currency becomes the latest; the others keep their own date.
    rates.set_rate("USD", "26000", "2026-12-02")
    latest = rates.latest()
    assert latest["USD"].rate_date == date(2026, 12, 2) and latest["EUR"].rate_date.day == 1


def test_product_page_shows_the_chosen_currency_with_the_rate_date(client, make):
    rates.import_file(VCB)
    coffee = make.product(price=250_000)
    vi = client.get(f"/vi/p/{coffee.slug}").get_data(as_text=True)
    assert "data-variant-estimate" not in vi  # Vietnamese pages: đồng only, unless chosen
    en = client.get(f"/en/p/{coffee.slug}").get_data(as_text=True)
    assert "About $9.56 at the rate of December 1, 2026" in en
    response = client.post("/en/currency", data={"currency": "jpy",
                                                 "next": f"/en/p/{coffee.slug}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(coffee.slug)
    page = client.get(f"/vi/p/{coffee.slug}").get_data(as_text=True)
    assert "Khoảng 1.487\xa0¥ theo tỷ giá ngày 1 tháng 12, 2026" in page
    client.post("/en/currency", data={"currency": "VND", "next": "//evil.example"})
    assert "data-variant-estimate" not in client.get(f"/en/p/{coffee.slug}").get_data(
        as_text=True)


def test_admin_imports_or_sets_rates_and_others_cannot(client, make):
    from market.accounts.models import Role

    admin, buyer = make.user(Role.ADMIN), make.user()
    login(client, buyer, lang="en")
    assert client.get("/en/admin/rates").status_code == 404
    client.post("/en/account/logout")
    login(client, admin, lang="en")
    bad = client.post("/en/admin/rates", data={"currency": "EUR", "vnd_per_unit": "abc",
                                               "rate_date": "2026-12-01"})
    assert bad.status_code == 422 and 'value="abc"' in bad.get_data(as_text=True)
    ok = client.post("/en/admin/rates", data={"currency": "EUR", "vnd_per_unit": "30170.5",
                                              "rate_date": "2026-12-01"})
    assert ok.status_code == 303
    import io

    upload = client.post("/en/admin/rates", data={"file": (io.BytesIO(VCB), "vcb.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    page = client.get("/en/admin/rates").get_data(as_text=True)
    assert 'data-rate="KRW"' in page and "2026-12-01" in page

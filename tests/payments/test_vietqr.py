import pytest

from market.payments.vietqr import (
    TransferRequest,
    VietQRError,
    crc16_ccitt,
    parse,
    parse_fields,
    payload,
    svg,
)

REQUEST = TransferRequest(bank_bin="970436", account="0011001234567", amount=1_250_000,
                          reference="HTX7K2Q9")


def test_crc16_ccitt_false_reference_vector():
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_payload_fields_one_by_one():
    text = payload(REQUEST)
    fields = parse(text)
    assert fields["00"] == "01"
    assert fields["01"] == "12"
    merchant = parse_fields(fields["38"])
    assert merchant["00"] == "A000000727"
    assert parse_fields(merchant["01"]) == {"00": "970436", "01": "0011001234567"}
    assert merchant["02"] == "QRIBFTTA"
    assert fields["53"] == "704"
    assert fields["54"] == "1250000"
    assert fields["58"] == "VN"
    assert parse_fields(fields["62"]) == {"08": "HTX7K2Q9"}
    assert text[-8:-4] == "6304" and len(fields["63"]) == 4


def test_crc_detects_tampering():
    text = payload(REQUEST)
    tampered = text.replace("54071250000", "54071950000")
    assert tampered != text
    with pytest.raises(VietQRError):
        parse(tampered)


@pytest.mark.parametrize("overrides", [
    {"bank_bin": "97043"}, {"account": "12-34"}, {"amount": 0}, {"amount": 10.5},
    {"reference": "đơn hàng"}, {"reference": "x" * 26},
])
def test_bad_requests_are_refused(overrides):
    data = {**REQUEST.__dict__, **overrides}
    with pytest.raises(VietQRError):
        payload(TransferRequest(**data))


def test_svg_renders_a_qr_code():
    image = svg(REQUEST)
    assert image.startswith("<svg") and "path" in image

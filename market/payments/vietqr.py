"""VietQR bank-transfer codes: the NAPAS 247 profile of EMVCo's merchant-presented QR.

The payload is a flat list of ID-length-value fields; field 38 holds the NAPAS GUID, the
receiving bank's BIN and account, and the service code; field 62/08 carries our transfer
reference so an incoming transfer can be matched to its order; field 63 is a CRC16-CCITT
checksum over everything before it, including its own "6304" header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"  # ISO 4217 numeric
_REFERENCE = re.compile(r"^[A-Za-z0-9 ]{1,25}$")


class VietQRError(ValueError):
    pass


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


@dataclass(frozen=True)
class TransferRequest:
    bank_bin: str  # 6-digit NAPAS acquirer id, e.g. 970436 (Vietcombank)
    account: str
    amount: int  # integer VND
    reference: str  # shown to the payer and echoed in the bank statement

    def validate(self) -> None:
        if not re.fullmatch(r"\d{6}", self.bank_bin):
            raise VietQRError("bank BIN must be 6 digits")
        if not re.fullmatch(r"[0-9A-Za-z]{1,19}", self.account):
            raise VietQRError("account must be 1-19 letters or digits")
        if not isinstance(self.amount, int) or not 0 < self.amount <= 9_999_999_999_999:
            raise VietQRError("amount must be a positive whole number of đồng")
        if not _REFERENCE.fullmatch(self.reference):
            raise VietQRError("reference must be 1-25 ASCII letters, digits or spaces")


def payload(request: TransferRequest) -> str:
    request.validate()
    beneficiary = _field("00", request.bank_bin) + _field("01", request.account)
    merchant = (_field("00", NAPAS_GUID) + _field("01", beneficiary)
                + _field("02", SERVICE_TO_ACCOUNT))
    body = (
        _field("00", "01")          # payload format indicator
        + _field("01", "12")        # dynamic: the code carries an amount, for one payment
        + _field("38", merchant)
        + _field("53", CURRENCY_VND)
        + _field("54", str(request.amount))
        + _field("58", "VN")
        + _field("62", _field("08", request.reference))
        + "6304"
    )
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def parse(text: str) -> dict[str, str]:
    """Split a payload into its top-level fields, checking the CRC; for tests and for
    reconciling a code a buyer shows us."""
    if len(text) < 8 or text[-8:-4] != "6304":
        raise VietQRError("no CRC field at the end")
    if f"{crc16_ccitt(text[:-4].encode('ascii')):04X}" != text[-4:].upper():
        raise VietQRError("CRC mismatch")
    return parse_fields(text)


def parse_fields(text: str) -> dict[str, str]:
    fields, i = {}, 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        fields[tag] = text[i + 4:i + 4 + length]
        i += 4 + length
    return fields


def svg(request: TransferRequest, scale: int = 4) -> str:
    """The QR code as inline SVG (segno), readable by every Vietnamese banking app."""
    import segno

    return segno.make(payload(request), error="m").svg_inline(scale=scale, border=2)

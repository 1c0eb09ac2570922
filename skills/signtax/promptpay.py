"""PromptPay / Thai QR payment payloads (EMVCo merchant-presented QR) and bill QR images.

Fields are ID (2 digits) + length (2 digits) + value; CRC-16/CCITT-FALSE over the whole
payload including ``6304`` closes it (EMVCo QR Code Specification for Payment Systems,
merchant-presented mode, as profiled by the Thai QR Code standard of the Bank of Thailand)::

    >>> crc16("123456789".encode())
    10673
    >>> bill_payment("0000000000001", "1234", "2345", order=("00", "01", "30", "53", "58"))
    '00020101021130530016A00000067701011201130000000000001020412340304234553037645802TH6304E5DA'
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

AID_CREDIT_TRANSFER = "A000000677010111"
AID_BILL_PAYMENT = "A000000677010112"
CURRENCY_THB = "764"
COUNTRY = "TH"
STATIC, DYNAMIC = "11", "12"
_REF = re.compile(r"^[A-Z0-9]{1,20}$")


class PayloadError(ValueError):
    """A value cannot go into a PromptPay payload, or a payload is malformed."""


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise PayloadError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _with_crc(body: str) -> str:
    body += "6304"
    return body + f"{crc16(body.encode('ascii')):04X}"


def _assemble(fields: dict[str, str], order: tuple[str, ...]) -> str:
    return _with_crc("".join(tlv(tag, fields[tag]) for tag in order if tag in fields))


def format_amount(amount: Decimal | int | str) -> str:
    value = Decimal(str(amount))
    if not value.is_finite() or value <= 0 or value >= Decimal("10000000000"):
        raise PayloadError("amount must be a positive number of baht")
    return f"{value.quantize(Decimal('0.01'))}"


def bill_payment(biller_id: str, ref1: str, ref2: str | None = None,
                 amount: Decimal | int | str | None = None,
                 order: tuple[str, ...] = ("00", "01", "30", "53", "54", "58")) -> str:
    """A bill-payment payload (tag 30): biller id (tax id + suffix), Ref1, optional Ref2.

    With an amount the QR is dynamic (one-off, ``12``); without, static (``11``).
    """
    if not re.fullmatch(r"\d{13}|\d{15}", biller_id or ""):
        raise PayloadError("biller id must be 15 digits (13-digit tax id + 2-digit suffix)")
    for ref in (ref1, ref2) if ref2 is not None else (ref1,):
        if not _REF.match(ref or ""):
            raise PayloadError("references are 1 to 20 characters A-Z and 0-9")
    merchant = tlv("00", AID_BILL_PAYMENT) + tlv("01", biller_id) + tlv("02", ref1)
    if ref2 is not None:
        merchant += tlv("03", ref2)
    fields = {"00": "01", "01": DYNAMIC if amount is not None else STATIC, "30": merchant,
              "53": CURRENCY_THB, "58": COUNTRY}
    if amount is not None:
        fields["54"] = format_amount(amount)
    return _assemble(fields, order)


def credit_transfer(target: str, amount: Decimal | int | str | None = None,
                    order: tuple[str, ...] = ("00", "01", "29", "54", "58", "53")) -> str:
    """A PromptPay credit transfer (tag 29) to a mobile number, national/tax id or e-wallet.

    >>> credit_transfer("0801234567")
    '00020101021129370016A000000677010111011300668012345675802TH530376463046197'
    """
    digits = re.sub(r"\D", "", target)
    if len(digits) == 10 and digits.startswith("0"):
        sub = tlv("01", "0066" + digits[1:])
    elif len(digits) == 13:
        sub = tlv("02", digits)
    elif len(digits) == 15:
        sub = tlv("03", digits)
    else:
        raise PayloadError("target must be a mobile number, a 13-digit id or a 15-digit e-wallet")
    fields = {"00": "01", "01": DYNAMIC if amount is not None else STATIC,
              "29": tlv("00", AID_CREDIT_TRANSFER) + sub, "53": CURRENCY_THB, "58": COUNTRY}
    if amount is not None:
        fields["54"] = format_amount(amount)
    return _assemble(fields, order)


def parse(payload: str) -> dict[str, str]:
    """Top-level fields of a payload after checking its CRC; raises ``PayloadError``."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise PayloadError("payload does not end with a CRC field")
    if f"{crc16(payload[:-4].encode('ascii')):04X}" != payload[-4:]:
        raise PayloadError("CRC does not match")
    fields, i = {}, 0
    while i < len(payload):
        tag, length = payload[i:i + 2], payload[i + 2:i + 4]
        if not length.isdigit():
            raise PayloadError(f"bad length at position {i}")
        fields[tag] = payload[i + 4:i + 4 + int(length)]
        i += 4 + int(length)
    return fields


def parse_sub(value: str) -> dict[str, str]:
    """Sub-fields of a template field such as tag 30 (same ID-length-value layout)."""
    out, i = {}, 0
    while i < len(value):
        out[value[i:i + 2]] = value[i + 4:i + 4 + int(value[i + 2:i + 4])]
        i += 4 + int(value[i + 2:i + 4])
    return out


def qr_png(payload: str, scale: int = 8) -> bytes:
    """The payload as a QR code PNG (error correction M, quiet zone of 4 modules)."""
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()

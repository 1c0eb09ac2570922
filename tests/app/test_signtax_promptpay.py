"""PromptPay payloads: the published test vectors, and a bill QR read back by a real decoder."""

import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from skills.signtax import promptpay


def test_bill_payment_vector():
    assert promptpay.bill_payment("0000000000001", "1234", "2345",
                                  order=("00", "01", "30", "53", "58")) == (
        "00020101021130530016A00000067701011201130000000000001020412340304234553037645802TH6304E5DA")


def test_credit_transfer_vectors():
    assert promptpay.credit_transfer("0801234567") == (
        "00020101021129370016A000000677010111011300668012345675802TH530376463046197")
    assert promptpay.credit_transfer("1111111111111") == (
        "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A")


def test_bill_qr_image_decodes_to_the_bill():
    payload = promptpay.bill_payment("099400016550100", "ST69100400012", "10042026",
                                     amount=Decimal("2457.00"))
    image = Image.open(io.BytesIO(promptpay.qr_png(payload)))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    decoded = found[0].text
    fields = promptpay.parse(decoded)  # raises if the CRC does not verify
    assert fields["54"] == "2457.00" and fields["01"] == "12"
    sub = promptpay.parse_sub(fields["30"])
    assert sub == {"00": "A000000677010112", "01": "099400016550100", "02": "ST69100400012",
                   "03": "10042026"}


def test_a_changed_payload_fails_its_crc():
    good = promptpay.credit_transfer("0801234567")
    with pytest.raises(promptpay.PayloadError):
        promptpay.parse(good.replace("66801234567", "66801234568"))
    with pytest.raises(promptpay.PayloadError):
        promptpay.parse(good[:-1] + ("0" if good[-1] != "0" else "1"))


@pytest.mark.parametrize(("biller", "ref1", "amount"), [
    ("12345", "1234", 10), ("099400016550100", "ab-1", 10),
    ("099400016550100", "A" * 21, 10), ("099400016550100", "1234", 0),
    ("099400016550100", "1234", "-5"),
])
def test_bad_values_are_refused(biller, ref1, amount):
    with pytest.raises(promptpay.PayloadError):
        promptpay.bill_payment(biller, ref1, amount=amount)

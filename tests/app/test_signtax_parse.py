"""Sign descriptions as citizens type them: units, number words, kinds, corrections, particles.

Expected sizes and amounts are worked out by hand from the Signboard Tax Act and the 2563
regulation (500 cm² units, a remainder above 250 cm² counts, type 1 fixed 5 baht, type 2 fixed
26, type 3 fixed 50, moving 10/52/52, minimum 200 baht a sign), never by the code under test.
"""

from datetime import date

import pytest

from bot.kernel.text import BUBBLE_MAX, visible_length
from skills.signtax import districts
from skills.signtax.parse import parse
from tests.app.test_signtax_dialogue import said, talk

MARCH = date(2026, 3, 2)


def one(text):
    [m] = parse(text, MARCH).mentions
    return m


@pytest.mark.parametrize("text, width, length", [
    ("กว้าง 1 ม. ยาว 2 ม.", 100, 200),
    ("80 ซม. x 120 ซม.", 80, 120),
    ("90 ซ.ม. × 150 ซ.ม.", 90, 150),
    ("ป้าย 2*3 ม.", 200, 300),
    ("60 เซน คูณ 1.2 เมตร", 60, 120),
    ("๑๒๐ x ๖๐ ซม.", 120, 60),
    ("ขนาด ๑.๕x๒ เมตร ภาษีเท่าไหร่", 150, 200),
    ("กว้างหนึ่งเมตรครึ่ง ยาวสองเมตร", 150, 200),
    ("สองคูณสาม เมตร", 200, 300),
    ("ครึ่งเมตร x 1 เมตร", 50, 100),
    ("เมตรครึ่ง คูณ สามเมตร", 150, 300),
    ("ยี่สิบห้าเซน คูณ ห้าสิบเซน", 25, 50),
    ("กว้าง 1 เมตร ยาว 150 เซน", 100, 150),
])
def test_sizes_in_every_unit_and_in_words(text, width, length):
    m = one(text)
    assert (m.width_cm, m.length_cm) == (width, length)


def test_number_words_stay_words_away_from_a_size():
    # "สองภาษา" is a kind of sign and "ห้าง" a mall, not 2 and 5
    m = one("ป้ายสองภาษาในห้าง 1x2 เมตร")
    assert (m.width_cm, m.length_cm, m.sign_type) == (100, 200, "2")


@pytest.mark.parametrize("text, sign_type, moving", [
    ("ป้ายไฟหน้าร้าน 1x1 ม.", None, False),  # a lightbox: the text stays put
    ("ป้ายไฟวิ่ง 1x1 ม.", None, True),
    ("ป้ายผ้าใบ 1x1 ม.", None, False),
    ("ป้ายตั้งพื้น 1x1 ม.", None, False),
    ("ป้ายเคลื่อนที่ได้ 1x1 ม.", None, True),
    ("ป้ายไม่เคลื่อนที่ 1x1 ม.", None, False),
    ("ป้ายภาษาอังกฤษปนไทย 1x1 ม.", "2", None),
    ("ป้ายไทยมีโลโก้ 1x1 ม.", "2", None),
    ("ป้ายมีแต่โลโก้ 1x1 ม.", "3", None),  # no Thai letters: type 3 (a)
    ("ป้ายอังกฤษ 1x1 ม.", "3", None),
    ("ป้ายภาษาจีน 1x1 ม.", "3", None),
    ("ป้ายไทยล้วน 1x1 ม.", "1", None),
])
def test_kinds_and_fixtures_in_everyday_words(text, sign_type, moving):
    m = one(text)
    assert (m.sign_type, m.moving) == (sign_type, moving)


def test_a_sign_on_a_vehicle_is_exempt():
    assert one("ป้ายติดรถส่งของ 50x100 ซม.").exemption == "vehicle"


def test_several_signs_in_one_message():
    ms = parse("ป้ายไทยล้วน 1x2 ม. ติดอยู่กับที่ และป้ายอังกฤษล้วน 50x80 ซม. ป้ายไฟวิ่ง",
               MARCH).mentions
    assert [(m.width_cm, m.length_cm, m.sign_type, m.moving) for m in ms] == [
        (100, 200, "1", False), (50, 80, "3", True)]


@pytest.mark.parametrize("text", [
    "ร้านอยู่ลาดพร้าวเลย ป้าย 1x2 เมตร",
    "ป้ายไทยล้วน 1x2 ม. คิดให้หน่อยเลย",
    "เลยอยากถามภาษีป้าย",
])
def test_a_particle_is_never_a_province(text):
    assert districts.match_text(text, fuzzy=False).outside is None


def test_a_province_written_out_is_still_read():
    assert districts.match_text("ร้านอยู่จังหวัดเลย", fuzzy=False).outside == "เลย"


# --- through the conversation ---------------------------------------------------------------

def bubbles(turn):
    return [m.text for m in turn.messages] + ([turn.prompt.text] if turn.prompt else [])


def test_a_complete_sign_gets_the_amount_at_once_without_a_district():
    [t] = talk("ป้ายไทยล้วน กว้าง 1 ม. ยาว 2 ม. ติดตายตัว")
    out = said(t)
    # 100 × 200 = 20,000 cm² = 40 units × 5 baht = 200 baht
    assert "40 × 5 = 200 บาท" in out and "รวมภาษีป้ายทั้งหมด 200 บาท" in out
    assert "เขตไหน" not in out and t.state["pending"] == "offer"


def test_a_correction_changes_only_the_side_it_names():
    *_, t = talk("ป้ายไทยล้วน กว้าง 1 เมตร ยาว 3 เมตร ติดอยู่กับที่", "ไม่ใช่ 3 เมตร เป็น 5 เมตร")
    [sign] = t.state["signs"]
    assert (sign["w"], sign["l"]) == (100, 500)
    # 100 × 500 = 50,000 cm² = 100 units × 5 = 500 baht; the old 300 baht is gone
    assert "100 × 5 = 500 บาท" in said(t) and "300 บาท" not in said(t)
    *_, t = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", "แก้ความกว้างเป็น 80 ซม.")
    assert (t.state["signs"][0]["w"], t.state["signs"][0]["l"]) == (80, 200)
    # 80 × 200 = 16,000 cm² = 32 units × 5 = 160 baht, raised to the 200-baht minimum
    assert "32 × 5 = 160 บาท" in said(t) and "ขั้นต่ำป้ายละ 200 บาท" in said(t)


def test_the_second_sign_is_changed_by_its_name():
    *_, t = talk("ป้ายไทยล้วน 1x2 ม. ติดอยู่กับที่ และป้ายไทยล้วน 50x80 ซม. ติดอยู่กับที่",
                 "อันที่สองเป็นป้ายอังกฤษ")
    assert [s["type"] for s in t.state["signs"]] == ["1", "3"]
    # sign 2: 50 × 80 = 4,000 cm² = 8 units × 50 = 400; with sign 1 (200) the total is 600
    assert "แก้ไขป้ายที่ 2 แล้ว" in said(t) and "รวมภาษีป้ายทั้งหมด 600 บาท" in said(t)


def test_the_forms_own_question_is_answered_by_a_bare_size():
    t1, t2, t3 = talk("ป้ายไทยล้วน ติดตายตัว", "กว้าง 1 เมตร", "80 ซม.")
    assert "กว้างและยาว" in said(t1) and "ยาวเท่าไหร่" in said(t2)
    assert (t3.state["signs"][0]["w"], t3.state["signs"][0]["l"]) == (100, 80)
    # 100 × 80 = 8,000 cm² = 16 units × 5 = 80 baht → minimum 200
    assert "16 × 5 = 80 บาท" in said(t3)
    _t, t = talk("ป้ายอังกฤษล้วน ติดอยู่กับที่", "2x3")
    # 200 × 300 = 60,000 cm² = 120 units × 50 = 6,000 baht
    assert "120 × 50 = 6,000 บาท" in said(t)


def test_a_side_question_is_answered_and_the_form_keeps_its_data():
    t1, t2, t3 = talk("ป้ายไทยปนอังกฤษ 150x300 ซม.", "ต้องจ่ายที่ไหนคะ", "1")
    assert t1.state["pending"] == "moving"
    assert "สำนักงานเขต" in said(t2) and "ยังอยู่ครบ" in said(t2)
    assert t2.state["pending"] == "moving" and t2.prompt == t1.prompt
    assert (t2.state["signs"][0]["w"], t2.state["signs"][0]["l"]) == (150, 300)
    # 45,000 cm² = 90 units × 26 = 2,340 baht
    assert "90 × 26 = 2,340 บาท" in said(t3)
    _t, small = talk("ป้ายไทยล้วน 1x2 ม.", "ป้ายเล็กต้องเสียไหม")
    assert "200 บาท" in said(small) and small.state["pending"] == "moving"


def test_a_bangkok_shop_saying_loei_the_particle_is_not_sent_upcountry():
    [t] = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่ ร้านอยู่แถวพระโขนงเลยค่ะ")
    assert t.done != "outside" and "นอกกรุงเทพ" not in said(t)
    assert t.state["district"]["name_th"] == "พระโขนง" and "200 บาท" in said(t)
    [t] = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่ คิดให้หน่อยเลย")
    assert t.done != "outside" and t.state["outside"] is None


def test_every_bubble_fits_a_phone():
    [t] = talk("ป้ายไทยปนอังกฤษ 150x300 ซม. ติดอยู่กับที่ ติดตั้งเดือนตุลาคม "
               "ป้ายอังกฤษล้วน 120x241 ซม. ป้ายไฟวิ่ง ป้ายไทยล้วน 20x20 ซม. ติดอยู่กับที่ "
               "ป้ายมีแต่โลโก้ 3x12 เมตร ติดตายตัว ป้ายไทยจีน 1x1 ม. จอดิจิทัล",
               today=date(2026, 11, 26))
    assert len(t.state["signs"]) == 5 and t.state["pending"] == "offer"
    assert all(visible_length(b) <= BUBBLE_MAX for b in bubbles(t)), [
        visible_length(b) for b in bubbles(t)]
    # the total comes first: 585 + 3,016 + 200 + 36,000 + 1,040 = 40,841 baht
    assert "รวมภาษีป้ายทั้งหมด 40,841 บาท" in t.messages[1].text + t.messages[0].text

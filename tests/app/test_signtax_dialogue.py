"""The signtax conversation as a state machine: what a user sees turn by turn (no engine)."""

from datetime import date

from skills.signtax import districts, parse
from skills.signtax.dialogue import step

MARCH = date(2026, 3, 2)


def talk(*messages, today=MARCH, state=None):
    turns = []
    for m in messages:
        t = step(state, m, today=today) if isinstance(m, str) else step(state, "", today=today,
                                                                        location=m)
        state = t.state
        turns.append(t)
    return turns


def said(turn):
    return "\n".join([m.text for m in turn.messages] + ([turn.prompt.text] if turn.prompt
                                                       else []))


def replies(answer):
    """What each numbered choice of a question answers (as if its number were typed)."""
    return [c.target.text for c in answer.choices]


def test_parser_reads_units_digits_and_words():
    cases = {
        "ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร": (150, 300, "2", None),
        "๕๐x๑๐๐ เซน": (50, 100, None, None),
        "ป้ายอังกฤษล้วน 40 x 60 นิ้ว ป้ายไฟวิ่ง": (101.6, 152.4, "3", True),
        "ป้ายไทยล้วน 2 เมตร x 50 ซม. ติดอยู่กับที่": (200, 50, "1", False),
        "ยาว 150 ซม กว้าง 80 ซม": (80, 150, None, None),
    }
    for text, (w, length, sign_type, moving) in cases.items():
        [m] = parse.parse(text, MARCH).mentions
        assert (m.width_cm, m.length_cm, m.sign_type, m.moving) == (w, length, sign_type, moving)


def test_the_spoken_form_writes_amounts_in_words_too():
    turn = step(None, "ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร ติดอยู่กับที่", today=MARCH,
                spoken=True)
    assert "2,340 บาท (สองพันสามร้อยสี่สิบบาทถ้วน)" in said(turn)


def test_one_sign_asks_only_what_is_missing_then_shows_the_working():
    t1, t2, t3, t4 = talk("ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร", "1", "1", "เขตจตุจักร")
    assert t1.state["pending"] == "moving" and "1. ติดอยู่กับที่" in t1.prompt.text
    assert replies(t1.prompt) == ["1", "2"]
    # the amount does not need the district: it comes as soon as the sign is complete
    out = said(t2)
    assert "90 หน่วย" in out and "90 × 26 = 2,340 บาท" in out and "เขตไหน" not in out
    assert "2,340 บาท" in out and "ถ้วน" not in out  # words only in the spoken form
    assert t2.state["pending"] == "offer" and "1. ยื่นแบบและออกใบแจ้งชำระ: ยื่นแบบ ภ.ป.1" in t2.prompt.text
    # filing does: asked after "1"
    assert t3.state["pending"] == "district" and "เขตไหน" in said(t3)
    assert "เขตจตุจักร" in said(t4) and t4.state["pending"] == "business"


def test_sign_type_is_a_numbered_choice_in_plain_words():
    [t] = talk("ป้าย 120x60 ซม.")
    assert t.state["pending"] == "type"
    assert "1. ภาษาไทยล้วน: มีแต่ตัวอักษรภาษาไทย" in t.prompt.text
    assert ": ไม่มีตัวอักษรไทยเลย" in t.prompt.text
    # the buttons are the same numbered lines, so no channel lists the choices twice
    assert all(f"{i}. {c.title}" in t.prompt.text
               for i, c in enumerate(t.prompt.choices, start=1))
    assert replies(t.prompt) == ["1", "2", "3"]
    bad = step(t.state, "7", today=MARCH)
    assert "1 ถึง 3" in said(bad) and bad.state["pending"] == "type"
    good = step(t.state, "๓", today=MARCH)
    assert good.state["signs"][0]["type"] == "3"


def test_two_signs_in_one_message_and_a_correction():
    t2, t3 = talk("ป้ายแรก ไทยล้วน 1x2 ม. ติดอยู่กับที่ ป้ายที่สอง มีโลโก้ 120x240 ซม. ป้ายไฟวิ่ง",
                  "ไม่ใช่ ยาว 2 เมตร")
    signs = t2.state["signs"]
    assert [(s["w"], s["l"], s["type"], s["moving"]) for s in signs] == [
        (100, 200, "1", False), (120, 240, "2", True)]
    assert "58 × 52 = 3,016 บาท" in said(t2) and "รวมภาษีป้ายทั้งหมด 3,216 บาท" in said(t2)
    assert "แก้ไขป้ายที่ 2 แล้ว" in said(t3)
    assert "48 × 52 = 2,496 บาท" in said(t3) and "รวมภาษีป้ายทั้งหมด 2,696 บาท" in said(t3)


def test_rounding_and_minimum_are_explained():
    [t] = talk("ป้ายไทยล้วน 50x100 ซม. ติดอยู่กับที่ เขตบางรัก")
    out = said(t)
    assert "10 × 5 = 50 บาท" in out and "ขั้นต่ำป้ายละ 200 บาท" in out
    [t] = talk("ป้ายไทยล้วน 120x60 ซม. ติดอยู่กับที่ เขตบางรัก")
    assert "เศษ 200 ตารางเซนติเมตร ไม่เกินครึ่งหน่วย จึงไม่นับ" in said(t)


def test_new_sign_pays_by_quarter_and_late_filing_is_shown():
    [t] = talk("ป้ายไทยปนอังกฤษ 150x300 ซม. ติดอยู่กับที่ ติดตั้งเดือนตุลาคม เขตสาทร",
               today=date(2026, 11, 26))
    out = said(t)
    assert "ไตรมาสที่ 4" in out and "585 บาท" in out and "ยื่นเกินกำหนด" in out


def test_sign_outside_bangkok_gets_no_bill():
    t1, t2 = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", "ร้านอยู่อำเภอหาดใหญ่")
    assert t2.done == "outside" and "สงขลา" in said(t2)
    assert "องค์กรปกครองส่วนท้องถิ่น" in said(t2) and t2.prompt is None


def test_shared_location_sets_the_khet_or_says_outside():
    where = districts.locate(13.8029, 100.5530)  # Chatuchak park
    _t1, t2 = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", where)
    assert t2.state["district"] == {"code": "1030", "name_th": "จตุจักร"}
    outside = districts.locate(18.79, 98.98)  # Chiang Mai
    _t1, t2 = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", outside)
    assert t2.done == "outside" and "เชียงใหม่" in said(t2)


def test_exempt_sign_pays_nothing_and_is_not_billed():
    [t] = talk("ป้ายติดในร้าน 1x1 เมตร")
    assert t.done == "finished" and "ได้รับยกเว้นภาษี" in said(t) and "ภายในอาคาร" in said(t)
    [t] = talk("ป้ายติดในร้าน 2x2 เมตร ไทยล้วน ติดอยู่กับที่ เขตบางรัก")
    assert "ใหญ่กว่า 3 ตารางเมตร" in said(t) and "80 × 5 = 400 บาท" in said(t)


def test_misspelt_district_gets_choices_or_a_match():
    *_, t = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", "1", "จตุจัก")
    assert t.state["district"]["name_th"] == "จตุจักร"


def test_business_name_then_bill_and_cancel():
    *_, t = talk("ป้ายไทยล้วน 2x3 เมตร ติดอยู่กับที่ เขตบางรัก", "1", "ร้านป้าหนู")
    assert t.done == "bill" and t.state["business"] == "ร้านป้าหนู"
    *_, t = talk("ป้ายไทยล้วน 2x3 เมตร", "ยกเลิก")
    assert t.done == "cancelled"


def test_after_the_result_a_change_or_a_new_sign_recomputes():
    *_, t = talk("ป้ายไทยล้วน 2x3 เมตร ติดอยู่กับที่ เขตบางรัก", "ยาว 4 เมตร")
    assert "160 × 5 = 800 บาท" in said(t) and t.state["pending"] == "offer"
    *_, more, added = talk("ป้ายไทยล้วน 2x3 เมตร ติดอยู่กับที่ เขตบางรัก", "2",
                           "ป้ายอังกฤษล้วน 1x1 เมตร ติดอยู่กับที่")
    assert more.state["pending"] == "more" and "เพิ่ม" in said(more)
    assert "ป้ายที่ 2" in said(added) and "20 × 50 = 1,000 บาท" in said(added)
    assert "รวมภาษีป้ายทั้งหมด 1,600 บาท" in said(added)


def test_an_ambiguous_district_gets_numbered_choices():
    _t1, _file, t2, t3 = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", "1", "บางกอก", "2")
    assert t2.state["pending"] == "district_pick"
    assert "1. เขตบางกอก" in t2.prompt.text and "2. เขตบางกอก" in t2.prompt.text
    assert replies(t2.prompt)[:2] == ["1", "2"]
    assert t3.state["district"]["name_th"].startswith("บางกอก") and "ชื่อร้าน" in said(t3)


def test_an_unknown_district_is_asked_again():
    _t1, _file, t2 = talk("ป้ายไทยล้วน 1x2 เมตร ติดอยู่กับที่", "1", "ไม่รู้เหมือนกัน")
    assert "ไม่พบชื่อเขต" in said(t2) and t2.state["pending"] == "district"


def test_impossible_sizes_are_refused_with_a_reason():
    [t] = talk("ป้ายไทยล้วน 0x100 ซม ติดอยู่กับที่ เขตดุสิต")
    assert "ใช้ไม่ได้" in said(t) and t.state["signs"] == [] and t.state["pending"] == "sign"
    [t] = talk("ป้ายไทยล้วน 99999x2 เมตร ติดอยู่กับที่")
    assert "ไม่เกิน 200 เมตร" in said(t)

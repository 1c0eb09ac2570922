"""Thai segmentation: gazetteer names (skills' places included) and codes stay whole, offsets
are exact."""

from __future__ import annotations

import random

import pytest

from bot.kernel.gazetteer import load_places

SENTENCES = [
    "อยู่ลาดพร้าว แจ้งความที่ไหน",
    "Hello ครับ ขอเบอร์ สน.ลุมพินี หน่อย",
    "ป้ายกว้าง ๑.๕ เมตร ยาว ๓ เมตร ภาษีเท่าไหร่",
    "วิน BKT-0123 คิดค่าโดยสาร 50 บาท 😡😡 แพงไป",
    "ช่วยด้วย🙏🏽 น้ำท่วมแล้ว!!!",
    "โทร 02-282-2323 ได้ไหม\nหรือ ๑๙๑",
    "ไปสยามพารากอน (Siam Paragon) ยังไงคะ",
    "👨‍👩‍👧 ครอบครัวอยู่ที่หาดใหญ่ สงขลา",
    "   ช่องว่าง  หลาย   ที่   ",
    "ครับบบบบ ค่าาาา ๆๆ",
    "e-mail: a.b@gov.th",
]


def assert_exact(text, tokens):
    for token, start in tokens:
        assert text[start:start + len(token)] == token, (text, token, start)
    starts = [s for _, s in tokens]
    assert starts == sorted(starts)
    assert all(not t.isspace() and t for t, _ in tokens)


@pytest.mark.parametrize("text", SENTENCES)
def test_offsets_are_exact(segmenter, text):
    assert_exact(text, segmenter.segment(text))


def test_offsets_are_exact_on_random_mixtures(segmenter):
    pieces = ["สวัสดี", "ลาดพร้าว", "ABC", "12", "๓๔", "😀", "🇹🇭", " ", "-", ".", "ค่ะ", "\u200b",
              "ก", "ไฟไหม้", "x", "สน.", "Bangkok", "é", "\n", "่"]
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert_exact(text, segmenter.segment(text))


@pytest.mark.parametrize("kind, frame", [
    ("province", "ไปจังหวัด{}ค่ะ"),
    ("subdistrict", "ตอนนี้อยู่แขวง{}ค่ะ"),
    ("station", "เบอร์โทรสน.{}หน่อย"),
])
def test_every_gazetteer_name_stays_whole(segmenter, kind, frame):
    # a skill's place is typed bare after its abbreviation: "สน.ลุมพินี" is "สน." + alias "ลุมพินี"
    names = sorted({name.split()[0] for p in load_places() if p.kind == kind
                    for name in (p.aliases or (p.name_th,))})
    assert names, f"no {kind} names"
    broken = [n for n in names if n not in [t for t, _ in segmenter.segment(frame.format(n))]]
    assert not broken, f"{len(broken)} {kind} names split: {broken[:10]}"


def test_district_names_stay_whole(segmenter):
    names = sorted({p.name_th for p in load_places() if p.kind == "district"})
    broken = [n for n in names if n not in [t for t, _ in segmenter.segment(f"อำเภอ{n} ")]]
    assert not broken, f"{len(broken)} of {len(names)} district names split: {broken[:10]}"


@pytest.mark.parametrize("code", ["BKT-0123", "bkt0123", "AB-12-CD", "02-282-2323", "1.5", "50x100",
                                  "๕๐x๑๐๐", "TH1001"])
def test_codes_and_numbers_stay_whole(segmenter, code):
    assert code in [t for t, _ in segmenter.segment(f"รหัส {code} ค่ะ")]
    assert code in [t for t, _ in segmenter.segment(f"รหัส{code}ค่ะ")]


def test_station_abbreviation_is_one_token(segmenter):
    tokens = [t for t, _ in segmenter.segment("เบอร์ สน.ลุมพินี")]
    assert tokens == ["เบอร์", "สน.", "ลุมพินี"]

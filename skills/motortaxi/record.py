"""Reading a complaint's details out of what a citizen types: rider, place, time, story.

One message may hold several details ("วินรหัส 2998-5002 ที่หน้าตลาดบางกะปิ เมื่อวาน
ตอนหกโมงเย็น เก็บเงินเกิน 40 บาท") or answer one question ("เมื่อกี้", "ไม่ทราบ"). Plain
functions, no database, no Rasa; ``now`` is always passed in (Bangkok local time) so the
results can be checked exactly.

>>> r = parse_record("วินรหัส 2998-5002 ที่หน้าตลาดบางกะปิ เมื่อวานตอนหกโมงเย็น เก็บเงินเกิน 40 บาท",
...                  now=datetime(2026, 12, 2, 9, 0))
>>> r.rider_code, r.place, r.when, r.story
('29985002', 'หน้าตลาดบางกะปิ', 'เมื่อวาน 1/12/2569 18.00 น.', 'เก็บเงินเกิน 40 บาท')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.kernel.text import normalize

from . import codes

# "I don't know the rider" in the ways people say it.
UNKNOWN = re.compile(r"ไม่ทราบ|ไม่รู้|จำไม่ได้|ไม่ได้ดู|ไม่ได้จด|ไม่เห็น|ไม่ได้สังเกต|ไม่มีรหัส"
                     r"|ไม่แน่ใจ|มองไม่ทัน|don'?t know|no idea|unknown", re.IGNORECASE)

_NUM_WORDS = {"หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6,
              "เจ็ด": 7, "แปด": 8, "เก้า": 9, "สิบ": 10, "สิบเอ็ด": 11, "สิบสอง": 12}
_NUM = r"(\d{1,2}|สิบเอ็ด|สิบสอง|หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ)"
_HALF = r"(\s*ครึ่ง)?"

# Relative days: (pattern, days back, words kept in the record). Longest first.
_DAYS = (
    (r"เมื่อวานซืน", 2, "เมื่อวานซืน"),
    (r"เมื่อวานนี้|เมื่อวาน|yesterday", 1, "เมื่อวาน"),
    (r"เมื่อคืน(?:นี้)?|last night", 1, "เมื่อคืน"),
    (r"เมื่อกี้?๊?|เมื่อกี้นี้|เมื่อสักครู่|เมื่อครู่|ตะกี้|ตะกี๊|เพิ่งเกิด|just now", 0, "เมื่อสักครู่"),
    (r"เมื่อเช้า(?:นี้)?|เช้านี้", 0, "เช้าวันนี้"),
    (r"วันนี้|today", 0, "วันนี้"),
)
_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?!\d)")
_CLOCK = re.compile(r"(?<![\d-])([01]?\d|2[0-3])[.:]([0-5]\d)(?!\d)\s*(?:น\.?|นาฬิกา)?")
# Thai spoken clock: (pattern, how the number maps to a 24-hour hour).
_SPOKEN = (
    (re.compile(r"บ่าย\s*" + _NUM + r"?\s*(?:โมง)?" + _HALF), lambda n: 12 + (n or 1)),
    (re.compile(_NUM + r"\s*ทุ่ม" + _HALF), lambda n: 18 + n),
    (re.compile(r"ตี\s*" + _NUM + _HALF), lambda n: n),
    (re.compile(_NUM + r"\s*โมง\s*เย็น" + _HALF), lambda n: n + 12 if n < 12 else n),
    (re.compile(_NUM + r"\s*โมง\s*(?:เช้า)?" + _HALF), lambda n: n if n >= 6 else n + 12),
)
_NOON = re.compile(r"เที่ยงคืน|เที่ยง(?:วัน)?")

# Where: words that introduce a place (dropped) and words that start one (kept).
_PLACE_INTRO = r"(?<!วัน)(?<!ครั้ง)(?:แถว|บริเวณ|ตรง|ที่)"
_PLACE_START = (r"หน้า|ปากซอย|ปากทาง|ซอย|ซ\.|ถนน|ถ\.|แยก|ตลาด|สถานี|บีทีเอส|BTS|MRT|เอ็มอาร์ที"
                r"|ป้ายรถเมล์|ห้าง|วินหน้า|วินปาก|ท่าเรือ|หมู่บ้าน|คอนโด|มหาวิทยาลัย|โรงพยาบาล|รพ\.")
_NOT_A_PLACE = ("จ่าย", "เก็บ", "ผ่าน", "แล้ว", "นี่", "นี้", "นั่น", "ไหน", "ไม่", "จะ", "ได้",
                "ขับ", "ด่า", "คิด", "เรียก", "ต้อง", "ว่า", "สุด", "เกิน", "ค่า")
_PLACE = re.compile(
    rf"(?:{_PLACE_INTRO})\s*(?P<a>[^\s]+(?:\s+(?:\d+(?:/\d+)?|ซอย\s*\d+|ซ\.\s*\d+))?)"
    rf"|(?<![ก-๙])(?P<b>(?:{_PLACE_START})[^\s]*(?:\s+(?:\d+(?:/\d+)?|ซอย\s*\d+))?)",
    re.IGNORECASE)
# Words that end a place written without a space before the next detail.
_PLACE_END = re.compile(r"เมื่อ|วันนี้|ตอน|เวลา|เก็บ|ขับ|ด่า|คิดเงิน|ไม่ยอม|ครับ|ค่ะ|คะ|นะ")

_PLATE = re.compile(r"ทะเบียน(?:รถ)?\s*(\d?\s?[ก-ฮ]{1,2}\s?-?\s?\d{1,4})(?!\d)")
_STAND = re.compile(r"(วิน(?!รหัส|มอ|มอเตอร์|ไซค์)[ก-๙A-Za-z0-9.]+(?:\s+\d+)?)")
# Words that carry no detail: asking to complain, the rider's label, politeness.
_FILLER = re.compile(
    r"ขอโทษ|พิมพ์ผิด|อยาก|ขอ|ต้องการ|ร้องเรียน|แจ้งเรื่อง|แจ้ง|ฟ้อง|complain(?:t)?|report|วินมอเตอร์ไซค์"
    r"|มอเตอร์ไซค์รับจ้าง|มอไซค์รับจ้าง|มอเตอร์ไซค์|มอไซค์|มอไซ|วินมอไซ|รหัสผู้ขับ|รหัสเสื้อ|รหัสวิน"
    r"|รหัส|ผู้ขับ|คนขับ|เสื้อวิน|วิน|ครับ|ค่ะ|คะ|คับ|นะ|จ้า|หน่อย|ด้วย|เรื่อง|ตอน|เวลา|ประมาณ|คือ"
    r"|วันที่|เมื่อ|พิมพ์ผิด|ขอโทษ|เลข|[:,.\-()]", re.IGNORECASE)


@dataclass
class Record:
    """Details found in one message (empty string / ``None`` when not said)."""

    rider_code: str = ""        # digits as typed (validated by the caller)
    rider_unknown: bool = False  # the citizen said they do not know the rider
    rider_hint: str = ""        # plate or stand when the code is not known
    place: str = ""
    when: str = ""              # as read back: "เมื่อวาน 1/12/2569 18.00 น."
    day: date | None = None
    story: str = ""


def _number(word: str | None) -> int | None:
    if not word:
        return None
    return int(word) if word.isdigit() else _NUM_WORDS.get(word)


def _thai_date(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year + 543}"


def parse_when(text: str, now: datetime) -> tuple[str, date | None, list[tuple[int, int]]]:
    """When it happened: ``(words, day, spans used)``; ``("", None, [])`` if not said.

    >>> parse_when("เมื่อวานตอนหกโมงเย็น", datetime(2026, 12, 2, 9, 0))[:2]
    ('เมื่อวาน 1/12/2569 18.00 น.', datetime.date(2026, 12, 1))
    """
    spans: list[tuple[int, int]] = []
    label, day, clock = "", None, ""
    for pattern, back, words in _DAYS:
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            day, label = (now - timedelta(days=back)).date(), words
            spans.append(m.span())
            if back == 0 and words == "เมื่อสักครู่":
                clock = f"{now:%H.%M} น."
            break
    m = _DATE.search(text)
    if m and day is None:
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        year = now.year if y is None else int(y) + (2000 if len(y) == 2 else 0)
        if year > 2400:  # Buddhist era
            year -= 543
        try:
            day = date(year, mo, d)
            spans.append(m.span())
        except ValueError:
            day = None
    m = _CLOCK.search(text)
    if m:
        clock = f"{int(m.group(1)):02d}.{m.group(2)} น."
        spans.append(m.span())
    else:
        for pattern, to24 in _SPOKEN:
            m = pattern.search(text)
            if m and (_number(m.group(1)) is not None or pattern is _SPOKEN[0][0]):
                hour = to24(_number(m.group(1)))
                if 0 <= hour <= 24:
                    clock = f"{hour % 24:02d}.{'30' if m.group(2) else '00'} น."
                    spans.append(m.span())
                    break
        else:
            m = _NOON.search(text)
            if m:
                clock = "00.00 น." if m.group() == "เที่ยงคืน" else "12.00 น."
                spans.append(m.span())
    if day is None and not clock:
        return "", None, []
    parts = [p for p in (label, _thai_date(day) if day else "", clock) if p]
    return " ".join(parts), day, spans


def parse_place(text: str) -> tuple[str, tuple[int, int] | None]:
    """Where it happened, as written ("หน้าตลาดบางกะปิ"), and its span; ``""`` if not said."""
    for m in _PLACE.finditer(text):
        group = "a" if m.group("a") else "b"
        place = m.group(group)
        cut = _PLACE_END.search(place, 2)
        if cut:
            place = place[:cut.start()]
        place = place.strip(" ,.")
        if len(place) < 2 or place.startswith(_NOT_A_PLACE) or codes.find_in_text(place):
            continue
        start = m.start(group)
        return place, (m.start(), start + len(place))
    return "", None


def _clean_story(text: str) -> str:
    words = " ".join(text.split())
    return words.strip(" ,.")


def has_content(text: str) -> bool:
    """Whether ``text`` says something beyond asking to complain and politeness."""
    rest = _FILLER.sub(" ", text)
    return len(re.sub(r"\s+", "", rest)) >= 3


def parse_record(text: str, now: datetime) -> Record:
    """Every detail a message gives; what is left after rider, place and time is the story."""
    text = normalize(text)
    rec = Record()
    taken: list[tuple[int, int]] = []
    m = codes._IN_TEXT.search(text)  # the same code shapes the verification accepts
    if m:
        rec.rider_code = codes.find_in_text(text) or ""
        start = m.start()
        label = re.search(r"(?:วิน|ผู้ขับ|คนขับ)?\s*(?:รหัส(?:ผู้ขับ|เสื้อ|วิน)?|เลข)\s*$", text[:start])
        taken.append((label.start() if label else start, m.end()))
    plate = _PLATE.search(text)
    if plate:
        rec.rider_hint = "ทะเบียน " + " ".join(plate.group(1).split())
        taken.append(plate.span())
    if UNKNOWN.search(text) and not rec.rider_code:
        rec.rider_unknown = True
        taken.append(UNKNOWN.search(text).span())
    rec.when, rec.day, spans = parse_when(text, now)
    taken += spans
    place, span = parse_place(_blank(text, taken))
    if place:
        rec.place = place
        taken.append(span)
    rest = _blank(text, taken)
    if has_content(rest):
        story = re.sub(r"^(?:\s|" + _FILLER.pattern + r")+", "", rest)
        story = re.sub(r"(?:\s|ครับ|ค่ะ|คะ|นะ|จ้า)+$", "", story)
        rec.story = _clean_story(story)[:1000]
    return rec


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by spaces (positions keep their meaning)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def stand_hint(text: str) -> str:
    """A plate or a stand in an answer about an unknown rider ("วินหน้าตลาด ทะเบียน 1กข 234")."""
    text = normalize(text)
    plate = _PLATE.search(text)
    if plate:
        return "ทะเบียน " + " ".join(plate.group(1).split())
    stand = _STAND.search(text)
    if stand:
        return stand.group(1)
    return _clean_story(UNKNOWN.sub(" ", text))[:160] if has_content(UNKNOWN.sub(" ", text)) else ""

"""Reading complaint details out of what citizens type (skills/motortaxi/record.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from skills.motortaxi.record import has_content, parse_record, parse_when, stand_hint

NOW = datetime(2026, 12, 2, 9, 15)  # Wednesday morning, Bangkok time


def test_one_message_with_every_detail_fills_them_all():
    rec = parse_record("วินรหัส 2998-5002 ที่หน้าตลาดบางกะปิ เมื่อวานตอนหกโมงเย็น "
                       "เก็บเงินเกิน 40 บาท", NOW)
    assert rec.rider_code == "29985002"
    assert rec.place == "หน้าตลาดบางกะปิ"
    assert rec.when == "เมื่อวาน 1/12/2569 18.00 น."
    assert rec.day == date(2026, 12, 1)
    assert rec.story == "เก็บเงินเกิน 40 บาท"
    assert not rec.rider_unknown


def test_asking_to_complain_says_nothing_yet():
    for text in ("ร้องเรียนวิน", "อยากร้องเรียนวินมอไซค์ครับ", "ขอแจ้งเรื่องวินหน่อยค่ะ"):
        rec = parse_record(text, NOW)
        assert (rec.rider_code, rec.place, rec.when, rec.story) == ("", "", "", ""), text


@pytest.mark.parametrize("text, code", [
    ("ขอโทษ รหัส 2998-5002 ครับ", "29985002"),
    ("พิมพ์ผิด 29985002", "29985002"),
    ("๒๙๙๘ ๕๐๐๒", "29985002"),
    ("2998 5002", "29985002"),
])
def test_codes_in_any_shape(text, code):
    rec = parse_record(text, NOW)
    assert rec.rider_code == code and rec.story == ""


@pytest.mark.parametrize("text, when, day", [
    ("เมื่อกี้", "เมื่อสักครู่ 2/12/2569 09.15 น.", date(2026, 12, 2)),
    ("วันนี้ 18:30", "วันนี้ 2/12/2569 18.30 น.", date(2026, 12, 2)),
    ("เมื่อวานซืน บ่ายสองครึ่ง", "เมื่อวานซืน 30/11/2569 14.30 น.", date(2026, 11, 30)),
    ("สองทุ่ม", "20.00 น.", None),
    ("เจ็ดโมงเช้า", "07.00 น.", None),
    ("12/11/2569 ตอนเที่ยง", "12/11/2569 12.00 น.", date(2026, 11, 12)),
])
def test_times_as_people_say_them(text, when, day):
    assert parse_when(text, NOW)[:2] == (when, day)


def test_a_date_that_does_not_exist_is_not_a_day():
    assert parse_when("31/2", NOW)[:2] == ("", None)


def test_place_and_story_without_a_code():
    rec = parse_record("วันนี้ 18:30 ที่ปากซอยสุขุมวิท 71 ไม่ยอมทอนเงิน", NOW)
    assert rec.place == "ปากซอยสุขุมวิท 71"
    assert rec.story == "ไม่ยอมทอนเงิน"
    assert rec.rider_code == ""


def test_unknown_rider_and_plate():
    assert parse_record("ไม่ทราบครับ", NOW).rider_unknown
    assert parse_record("จำไม่ได้", NOW).rider_unknown
    rec = parse_record("คนขับ ทะเบียน 1กข 234 ด่าผม", NOW)
    assert rec.rider_hint == "ทะเบียน 1กข 234" and rec.story == "ด่าผม"
    assert stand_hint("จำได้แค่ว่าเป็นวินหน้าตลาดสด") == "วินหน้าตลาดสด"


def test_a_bare_place_answer():
    assert parse_record("ปากซอยลาดพร้าว 101", NOW).place == "ปากซอยลาดพร้าว 101"
    assert parse_record("แถวสยาม", NOW).place == "สยาม"


def test_words_after_ที่_that_are_not_places():
    rec = parse_record("ที่จ่ายไป 100 บาท แพงเกิน", NOW)
    assert rec.place == "" and "100 บาท" in rec.story


def test_content_check():
    assert not has_content("ร้องเรียนวินครับ")
    assert has_content("ขับเร็วมาก")

"""The shared conversation: the menu once, then a short hint; the services not open yet said
so; the spoken form asked for once and remembered."""

from __future__ import annotations

import re

from tests.system.conftest import texts


def test_the_menu_comes_once_then_a_short_hint(chat):
    menu = texts(chat.say("สวัสดีครับ"))
    assert re.search(r"^1\. ตำรวจ", menu, re.M) and re.search(r"^6\. ", menu, re.M)
    miss = texts(chat.say("ฟหกดฟหกด่าสว"))
    assert "พิมพ์ เมนู" in miss
    assert not re.search(r"^1\. ตำรวจ", miss, re.M)  # not the whole menu again
    again = texts(chat.say("เมนู"))
    assert re.search(r"^1\. ตำรวจ", again, re.M)


def test_a_first_miss_shows_the_menu_itself(chat):
    miss = texts(chat.say("ฟหกดฟหกด่าสว"))
    assert re.search(r"^1\. ตำรวจ", miss, re.M)


def test_the_menu_lists_every_service_open(chat):
    menu = texts(chat.say("มีบริการอะไรบ้าง"))
    lines = {m[0]: m[1] for m in re.findall(r"^(\d)\. (.+)$", menu, re.M)}
    # every service is open now (issue 13 access, 14 forest, 15 disaster): none says
    # "not open yet, call … for now" (a skill being prepared still does: tests/app/test_registry.py)
    assert sorted(lines) == ["1", "2", "3", "4", "5", "6"]
    assert all("ยังไม่เปิด" not in line for line in lines.values())


def test_a_yes_with_nothing_asked_is_acknowledged(chat):
    assert texts(chat.say("โอเคครับ")).startswith("รับทราบ")


def test_the_spoken_form_is_asked_for_once_and_turned_off_again(chat):
    plain = texts(chat.say("เบอร์โทร สน.ลุมพินี"))
    assert "02-255-5994" in plain and "อ่านว่า" not in plain
    on = texts(chat.say("ผมใช้โปรแกรมอ่านหน้าจอ ช่วยอ่านตัวเลขเป็นคำด้วยครับ"))
    assert "เป็นคำอ่าน" in on
    phone = texts(chat.say("เบอร์โทร สน.ลุมพินี"))
    assert "อ่านว่า ศูนย์ สอง, สอง ห้า ห้า, ห้า เก้า เก้า สี่" in phone
    tax = texts(chat.say("ภาษีป้ายไทยล้วน กว้าง 1 เมตร ยาว 2 เมตร ติดอยู่กับที่"))
    assert "200 บาท (สองร้อยบาทถ้วน)" in tax  # remembered across services
    off = texts(chat.say("ปิดโหมดเสียงครับ"))
    assert "แบบปกติ" in off
    assert "อ่านว่า" not in texts(chat.say("เบอร์โทร สน.ลุมพินี"))

"""The police service held through the web chat as a user would, against the real engine."""

from __future__ import annotations

from tests.system.conftest import texts


def test_shared_location_gets_the_covering_station(chat):
    reply = texts(chat.share_location(13.7314, 100.5414))  # Lumphini Park
    assert "สน.ลุมพินี" in reply and "02-255-5994" in reply
    assert "ในเหตุฉุกเฉินโทร 191" in reply and "openstreetmap.org" in reply
    assert "เป็นการประมาณ" in reply
    # the numbered next step works by typing its number
    nearest = texts(chat.say("1"))
    assert "ใกล้ที่สุด 3 แห่ง" in nearest and "1. สน." in nearest and "3. สน." in nearest


def test_shared_location_at_sea_says_it_is_outside_known_areas(chat):
    reply = texts(chat.share_location(12.0, 101.0))
    assert "นอกพื้นที่ที่ระบบรู้จัก" in reply and "กิโลเมตร" in reply and "สภ." in reply


def test_typed_place_gets_a_station_or_a_numbered_choice(chat):
    reply = texts(chat.say("อยู่ลาดพร้าว แจ้งความที่ไหน"))
    assert "สน.ลาดพร้าว" in reply or "1. " in reply
    assert "191" in reply


def test_ambiguous_place_is_a_numbered_choice_that_works_by_typing_the_number(chat):
    reply = texts(chat.say("อยู่อำเภอเฉลิมพระเกียรติ ต้องแจ้งความโรงพักไหน"))
    assert "1. เฉลิมพระเกียรติ" in reply and "2. เฉลิมพระเกียรติ" in reply
    chosen = texts(chat.say("1"))
    assert "สภ.เฉลิมพระเกียรติ" in chosen and "191" in chosen


def test_phone_of_a_named_station(chat):
    reply = texts(chat.say("เบอร์ สน.ลุมพินี"))
    assert "สน.ลุมพินี" in reply and "02-255-5994" in reply


def test_scam_question_gets_an_answer_with_its_source(chat):
    reply = texts(chat.say("แก๊งคอลเซ็นเตอร์โทรมาหลอกให้โอนเงิน ทำยังไงดีคะ"))
    assert "1441" in reply and "ที่มา:" in reply


def test_subscribe_to_district_warnings_then_ask_for_them(chat):
    reply = texts(chat.say("สมัครรับเตือนภัยเขตบางกะปิ"))
    assert "เขตบางกะปิ" in reply and "แล้ว" in reply
    shown = texts(chat.say("มีเตือนภัยอะไรบ้างในเขตที่สมัครไว้"))
    assert "เขตบางกะปิ" in shown


# --- issue 11: typed places of every kind, follow-ups, answers to the bot's own question ---
# Every reply is checked by ``Chat.say`` to fit BUBBLE_MAX (300) visible characters.


def test_each_kind_of_typed_place_alone_finds_its_station(chat):
    cases = [
        ("ตลาดนัดจตุจักร", "สน."),                   # market
        ("เซ็นทรัลลาดพร้าว", "สน."),                 # mall
        ("ซอยอารีย์", "สน."),                        # soi
        ("อำเภอแม่ริม", "สภ.แม่ริม"),                # upcountry district
        ("รพ.ศิริราช", "สน."),                       # hospital, abbreviated
        ("บีทีเอสอโศก แจ้งความได้ที่ไหน", "สน."),   # rail station in a sentence
        ("หนูอยู่ ม.ขอนแก่น ค่ะ จะไปโรงพัก", "สภ.เมืองขอนแก่น"),  # university upcountry
    ]
    for typed, station in cases:
        reply = texts(chat.say(typed))
        assert "สถานีตำรวจที่ดูแล" in reply and station in reply, (typed, reply)
        assert "191" in reply


def test_phone_right_after_a_station_is_that_stations_phone(chat):
    first = texts(chat.say("ของหายแถวสวนลุมพินีค่ะ แจ้งความที่ไหน"))
    assert "สน.ลุมพินี" in first
    reply = texts(chat.say("ขอเบอร์ด้วยค่ะ"))
    assert reply.startswith("สน.ลุมพินี") and "02-255-5994" in reply


def test_a_follow_up_with_another_place_repeats_the_question(chat):
    first = texts(chat.say("สถานีตำรวจใกล้สุดแถวอารีย์"))
    assert "ใกล้ที่สุด 3 แห่ง" in first
    reply = texts(chat.say("แล้วบางนาล่ะ"))
    assert "ใกล้ที่สุด 3 แห่ง" in reply and "สน.บางนา" in reply


def test_a_place_typed_after_the_bot_asked_for_one(chat):
    ask = texts(chat.say("จะไปแจ้งความ"))
    assert "พิมพ์ชื่อสถานที่" in ask
    reply = texts(chat.say("ตลาดวโรรส"))
    assert "สถานีตำรวจที่ดูแลตลาดวโรรส" in reply and "สภ.เมืองเชียงใหม่" in reply


def test_a_numbered_choice_answered_in_words(chat):
    choice = texts(chat.say("อยู่อำเภอเฉลิมพระเกียรติ ต้องแจ้งความโรงพักไหน"))
    assert "2. เฉลิมพระเกียรติ" in choice
    reply = texts(chat.say("อันที่สอง"))
    assert reply.startswith("สถานีตำรวจที่ดูแลเฉลิมพระเกียรติ: สภ.เฉลิมพระเกียรติ")


def test_typos_and_thai_digits(chat):
    reply = texts(chat.say("ขอเบอ สน ลุมพินี"))
    assert "สน.ลุมพินี" in reply and "02-255-5994" in reply


def test_nearest_upcountry_says_the_list_is_approximate(chat):
    reply = texts(chat.say("โรงพักใกล้ที่สุดแถวอำเภออุ้มผาง"))
    assert "ใกล้ที่สุด 3 แห่ง" in reply and "ไกลกว่า 10 กม." in reply and "1599" in reply

"""What the police skill says: station answers, choices, phones, legal information."""

from __future__ import annotations

import re

from bot.kernel.text import BUBBLE_MAX, visible_length
from skills.police import service
from skills.police.knowledge import KnowledgeBase


def bubbles(reply):
    return reply.bubbles


def test_station_answer_has_everything_a_caller_needs():
    message = service.station_message(13.7314, 100.5414)  # Lumphini Park
    first, text = message.text, message.all_text()
    # the first bubble alone is enough to act on: the station, its phone, 191
    assert "สน.ลุมพินี" in first and "บก.น.5" in first and "02-255-5994" in first
    assert "ยังไม่ได้ยืนยัน" in first  # the CSV marks this phone single-source
    assert "ในเหตุฉุกเฉินโทร 191" in first
    assert "พื้นที่โดยประมาณ" in text and "แขวงลุมพินี" in text
    assert re.search(r"ประมาณ \d+\.\d กิโลเมตร", text)
    assert ("https://www.openstreetmap.org/search?query=Lumphini+Metropolitan+Police+Station"
            in text)
    assert "เป็นการประมาณ" in text
    assert all(visible_length(b) <= BUBBLE_MAX for b in bubbles(message))


def test_station_answer_offers_numbered_next_steps_with_typed_targets():
    message = service.station_message(13.7314, 100.5414)
    assert [(c.target.intent, c.target.entities) for c in message.choices] == [
        ("police_nearest_stations", {}), ("police_warning_subscribe", {})]
    for i, c in enumerate(message.choices, start=1):
        assert f"{i}. {c.title}" in bubbles(message)[-1]  # the list is where the choices go
    assert message.call.uri == "tel:+6622555994"  # tap to call where the channel can


def test_station_without_a_phone_points_to_1599():
    text = service.station_message(18.7877, 98.9933).all_text()  # Chiang Mai: no phone
    assert "สภ.เมืองเชียงใหม่" in text and "1599" in text and "191" in text


def test_point_outside_thailand_says_so_plainly():
    text = service.station_message(0, 0).text
    assert text.startswith("ตำแหน่งนี้อยู่นอกประเทศไทย") and "สภ." in text
    sea = service.station_message(12.0, 101.0).text
    assert sea.startswith("ตำแหน่งนี้อยู่นอกพื้นที่ที่ระบบรู้จัก") and "กิโลเมตร" in sea


def test_typed_place_gets_its_station():
    message = service.station_for_text("อยู่ลาดพร้าว แจ้งความที่ไหน")
    assert message.text.startswith("สถานีตำรวจที่ดูแลลาดพร้าว: สน.ลาดพร้าว")
    assert service.station_for_text("สวัสดีครับ") is None
    # a district's centre is not where the user is: neither the text nor the card says
    # how far the station is (a shared point gets its distance: the tests above)
    card = message.answers[0].card
    assert "ระยะ" not in message.text and card is not None
    assert [label for label, _ in card.fields] == ["พื้นที่", "โทร"]
    # more said after it (a legal answer, a question) keeps the card with the station
    longer = message.then("ต้องการอะไรต่อ")
    assert longer.answers[0].card == card and "ต้องการอะไรต่อ" in longer.all_text()


def test_ambiguous_place_gets_a_numbered_choice_that_carries_the_point():
    message = service.station_for_text("อยู่อำเภอเฉลิมพระเกียรติ")
    assert len(message.choices) >= 2 and message.question
    assert "1. เฉลิมพระเกียรติ (อำเภอ จังหวัด" in message.text
    target = message.choices[0].target
    assert target.intent == "police_find_station"
    place = service.place_from_choice(target.entities)
    chosen = service.station_message(place.lat, place.lon, place).text
    assert chosen.startswith("สถานีตำรวจที่ดูแลเฉลิมพระเกียรติ: สภ.เฉลิมพระเกียรติ")


def test_nearest_three_stations_are_listed_by_distance():
    text = service.nearest_message(13.7314, 100.5414).all_text()
    items = re.findall(r"^\d\. (\S+) ([\d.]+) กม\.", text, flags=re.M)
    assert len(items) == 3
    distances = [float(d) for _, d in items]
    assert distances == sorted(distances)
    assert "191" in text


def test_phone_of_a_named_station():
    text = service.phone_for_text("เบอร์ สน.ลุมพินี").text
    assert text.startswith("สน.ลุมพินี (บก.น.5)") and "02-255-5994" in text
    verified = service.phone_for_text("ขอเบอร์ สน.ชนะสงคราม").text
    assert "02-282-2323" in verified and "ยังไม่ได้ยืนยัน" not in verified


def test_phone_of_an_ambiguous_station_name_is_a_choice():
    message = service.phone_for_text("เบอร์ สน.พลับพลาไชย")
    assert [c.title for c in message.choices] == ["สน.พลับพลาไชย 1", "สน.พลับพลาไชย 2"]
    target = message.choices[1].target
    assert target.intent == "police_station_phone"
    station_id = target.entities["police_station"]
    assert service.phone_for_text("", station_id).text.startswith("สน.พลับพลาไชย 2")


def test_unknown_station_is_said_honestly():
    assert "ไม่พบสถานีตำรวจชื่อนี้" in service.phone_for_text("เบอร์โรงพักดาวอังคาร").text


def test_scam_question_is_answered_with_its_source():
    message = service.legal_message("มีคนโทรมาอ้างว่าเป็นตำรวจ ให้โอนเงินไปตรวจสอบบัญชี")
    text = message.all_text()
    assert "แก๊งคอลเซ็นเตอร์" in text and "1441" in text
    assert "ที่มา:" in text and "ตรวจสอบเมื่อ 2026-" in text
    assert all(visible_length(b) <= BUBBLE_MAX for b in bubbles(message))


def test_online_fraud_points_to_online_reporting():
    text = service.legal_message("โดนโกงซื้อของในเฟซบุ๊ก โอนเงินไปแล้ว").all_text()
    assert "thaipoliceonline.go.th" in text


def test_unrelated_question_falls_back_to_1599():
    text = service.legal_message("ฝนจะตกไหมพรุ่งนี้").text
    assert "1599" in text and "ที่มา" not in text


def test_every_knowledge_entry_has_source_and_date_and_finds_itself():
    kb = KnowledgeBase.load()
    assert len(kb.entries) >= 8
    for entry in kb.entries:
        assert entry.source and re.match(r"\d{4}-\d{2}-\d{2}$", entry.checked)
        for question in entry.questions:
            assert kb.answer(question).entry.id == entry.id, question


def test_phone_question_about_a_hotline_gets_the_hotline_entry():
    text = service.phone_for_text("เบอร์ตำรวจท่องเที่ยว").all_text()
    assert "1155" in text and "ที่มา:" in text


def test_a_province_alone_says_it_has_many_stations():
    message = service.station_for_text("อยู่เชียงใหม่ แจ้งความที่ไหน")
    assert "สภ.เมืองเชียงใหม่" in message.text
    assert "เชียงใหม่มีสถานีตำรวจหลายแห่ง" in message.all_text()

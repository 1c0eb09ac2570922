"""Police actions keep the conversation's context, with a real tracker and dispatcher.

Each turn runs the real action and carries its slot events into the next turn, as the engine
does: "ขอเบอร์ด้วย" after a station, "แล้วบางนาล่ะ" after a question, a place typed after
"type a place", "อันที่สอง" after a numbered choice.
"""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.police import (
    ActionPoliceAnswer,
    ActionPoliceFindStation,
    ActionPoliceNearestStations,
    ActionPoliceStationPhone,
)
from bot.kernel import registry
from bot.kernel.text import BUBBLE_MAX, visible_length
from tests.app.said import texts as said


class Chat:
    """One conversation: slots carried from turn to turn."""

    def __init__(self) -> None:
        self.slots: dict = {}

    def turn(self, action, text: str, intent: str = "police_find_station") -> str:
        tracker = Tracker("web:ctx", dict(self.slots),
                          {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "entities": []}, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        texts = said(dispatcher.messages)
        assert all(visible_length(t) <= BUBBLE_MAX for t in texts), texts
        return "\n".join(texts)


def test_phone_request_right_after_a_station_gives_that_stations_phone():
    chat = Chat()
    first = chat.turn(ActionPoliceFindStation(), "ร้านอยู่สวนลุมพินี ต้องแจ้งความที่ไหน")
    assert "สน.ลุมพินี" in first
    for ask in ("ขอเบอร์ด้วยค่ะ", "เบอร์โรงพักนี้", "เบอโรงพักนี้หน่อย"):
        reply = chat.turn(ActionPoliceStationPhone(), ask, "police_station_phone")
        assert reply.startswith("สน.ลุมพินี") and "02-255-5994" in reply, ask


def test_a_follow_up_repeats_the_last_question_with_the_new_place():
    chat = Chat()
    assert "สถานีตำรวจที่ใกล้ที่สุด 3 แห่ง" in chat.turn(
        ActionPoliceNearestStations(), "โรงพักใกล้สุดแถวอารีย์", "police_nearest_stations")
    # classified as a plain station question, the follow-up still means "nearest"
    reply = chat.turn(ActionPoliceFindStation(), "แล้วบางนาล่ะ")
    assert "สถานีตำรวจที่ใกล้ที่สุด 3 แห่ง" in reply and "สน.บางนา" in reply


def test_a_place_typed_after_type_a_place_is_read_as_that_place():
    chat = Chat()
    ask = chat.turn(ActionPoliceFindStation(), "จะแจ้งความค่ะ")
    assert "พิมพ์ชื่อสถานที่" in ask and chat.slots["expecting"] == "police_place"
    # the classifier could not place "ตาก" alone; the core hands it to the police answer
    skill, action_name = registry.answer_action(chat.slots["expecting"])
    assert skill.id == "police" and action_name == "action_police_answer"
    reply = chat.turn(ActionPoliceAnswer(), "ตาก", "nlu_fallback")
    assert "สภ.เมืองตาก" in reply and chat.slots["expecting"] is None


def test_an_everyday_word_is_not_a_place_when_nothing_was_asked():
    chat = Chat()
    reply = chat.turn(ActionPoliceFindStation(), "ไปแจ้งความเลย")
    assert "สภ.เมืองเลย" not in reply and "พิมพ์ชื่อสถานที่" in reply


def test_a_numbered_choice_can_be_answered_in_words():
    chat = Chat()
    choice = chat.turn(ActionPoliceFindStation(), "อยู่อำเภอเฉลิมพระเกียรติ")
    assert "1. เฉลิมพระเกียรติ" in choice and chat.slots["expecting"] == "police_choice"
    second = choice.splitlines()[2].split("จังหวัด")[-1].rstrip(")")
    reply = chat.turn(ActionPoliceAnswer(), "อันที่สองค่ะ", "nlu_fallback")
    assert reply.startswith("สถานีตำรวจที่ดูแลเฉลิมพระเกียรติ: สภ.เฉลิมพระเกียรติ")
    assert f"จังหวัด{second}" in reply


def test_a_road_is_offered_by_stretch_and_each_stretch_has_its_station():
    chat = Chat()
    choice = chat.turn(ActionPoliceFindStation(), "เกิดเหตุบน ถ.สุขุมวิท")
    assert "ยาวผ่านหลายเขต" in choice and "เขตวัฒนา" in choice
    reply = chat.turn(ActionPoliceAnswer(), "อันแรก", "nlu_fallback")
    assert reply.startswith("สถานีตำรวจที่ดูแลถนนสุขุมวิท: สน.")


def test_thai_digits_and_a_station_without_its_dot():
    chat = Chat()
    reply = chat.turn(ActionPoliceStationPhone(), "ขอเบอ สน ลุมพินี", "police_station_phone")
    assert reply.startswith("สน.ลุมพินี") and "02-255-5994" in reply
    reply = chat.turn(ActionPoliceFindStation(), "อยู่ซอยพหลโยธิน ๗ แถวอารีย์")
    assert "สน." in reply


def test_nearest_upcountry_says_the_stations_are_approximate():
    chat = Chat()
    reply = chat.turn(ActionPoliceNearestStations(), "โรงพักใกล้ๆ อำเภอแม่ริม",
                      "police_nearest_stations")
    assert "สภ.แม่ริม" in reply and "อาจต่างไป" in reply and "1599" in reply
    far = chat.turn(ActionPoliceNearestStations(), "สถานีตำรวจใกล้สุด อำเภออุ้มผาง",
                    "police_nearest_stations")
    assert "ไกลกว่า 10 กม." in far and "อาจต่างไป" in far

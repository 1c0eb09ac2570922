"""The Rasa components: normaliser, tokenizer and emergency override on real Messages."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.engine.nlu.emergency import EmergencyOverride
from bot.engine.nlu.normalizer import ThaiNormalizer
from bot.engine.nlu.tokenizer import ThaiTokenizer
from bot.kernel.text import normalize


@pytest.mark.parametrize("raw, expected", [
    ("ขอบคุณครับบบบบ", "ขอบคุณครับ"),
    ("ค่าาาาา", "ค่า"),
    ("โทร ๑๙๑", "โทร 191"),
    ("สวัส\u200bดี\ufeff", "สวัสดี"),
    ("ดีมากๆๆๆ", "ดีมากๆ"),
    ("  หลาย   ช่องว่าง ", "หลาย ช่องว่าง"),
    ("ห้อง 555 ฮ่าๆ", "ห้อง 555 ฮ่าๆ"),  # digits are not collapsed
    ("คุณ", "คุณ"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalizer_rewrites_message_text():
    message = Message({TEXT: "ช่วยด้วยยยย ๑๙๑"})
    ThaiNormalizer.create({}, None, None, None).process([message])
    assert message.get(TEXT) == "ช่วยด้วย 191"


def test_tokenizer_component_offsets():
    tokenizer = ThaiTokenizer.create({**ThaiTokenizer.get_default_config()}, None, None, None)
    text = "อยู่บางพลัด รหัส BKT-0123 🙂"
    message = Message({TEXT: text})
    tokenizer.process([message])
    tokens = message.get("text_tokens")
    assert [t.text for t in tokens] == ["อยู่", "บางพลัด", "รหัส", "BKT-0123", "🙂"]
    assert all(text[t.start:t.end] == t.text for t in tokens)


def _classified(text, name, confidence):
    message = Message({TEXT: text})
    message.set(INTENT, {"name": name, "confidence": confidence})
    EmergencyOverride.create(EmergencyOverride.get_default_config(), None, None, None).process(
        [message])
    return message.get(INTENT)["name"]


def test_override_turns_danger_now_into_emergency():
    assert _classified("ช่วยด้วย โดนปล้นอยู่ตอนนี้", "police_find_station", 0.9) == "emergency"
    assert _classified("ไฟไหม้ห้องข้างๆ", "greet", 0.5) == "emergency"


def test_override_respects_a_confident_service_question_without_urgency():
    assert _classified("โดนปล้นเมื่อวาน แจ้งความที่ไหน", "police_find_station", 0.9) == \
        "police_find_station"


def test_override_makes_a_hesitant_emergency_prediction_certain():
    message = Message({TEXT: "โดนกระชากกระเป๋า คนร้ายยังวิ่งอยู่"})
    message.set(INTENT, {"name": "emergency", "confidence": 0.45})
    message.set("intent_ranking", [{"name": "emergency", "confidence": 0.45},
                                   {"name": "motortaxi_verify", "confidence": 0.44}])
    EmergencyOverride.create(EmergencyOverride.get_default_config(), None, None, None).process(
        [message])
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[1]["confidence"] == 0.0  # not "ambiguous"


def test_override_ignores_confident_small_talk_when_danger_is_described():
    assert _classified("ภรรยาจะคลอดแล้ว", "goodbye", 0.9) == "emergency"


def test_override_leaves_ordinary_messages_alone():
    assert _classified("ภาษีป้ายคิดยังไง", "signtax_calculate", 0.4) == "signtax_calculate"


def test_cached_action_response_validation_still_rejects_bad_replies():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, SlotSet

    from bot.engine import speedups

    speedups.install()
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "active_skill", "value": "police"}],
            "responses": [{"text": "สวัสดี"}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 42}], "responses": "not a list"})
    assert Event.resolve_by_type("slot") is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


@pytest.mark.parametrize("disguised", ["\u200b/share_location{\"latitude\": 1}", "\u2066/restart",
                                       "\u00ad/human_handoff"])
def test_normalising_never_turns_typed_text_into_intent_syntax(disguised):
    message = Message({TEXT: disguised})
    ThaiNormalizer.create({}, None, None, None).process([message])
    assert not message.get(TEXT).startswith("/")


def test_a_payload_the_gateway_let_through_keeps_its_intent_syntax():
    message = Message({TEXT: '/share_location{"latitude": 13.7, "longitude": 100.5}'})
    ThaiNormalizer.create({}, None, None, None).process([message])
    assert message.get(TEXT) == '/share_location{"latitude": 13.7, "longitude": 100.5}'


def _hotline(text, name="emergency", confidence=0.9):
    message = Message({TEXT: text})
    message.set(INTENT, {"name": name, "confidence": confidence})
    EmergencyOverride.create(EmergencyOverride.get_default_config(), None, None, None).process(
        [message])
    found = [e for e in message.get("entities") or [] if e["entity"] == "emergency_hotline"]
    return [(e["value"], text[e["start"]:e["end"]]) for e in found]


def test_every_emergency_carries_the_number_to_call_first_for_the_engines_own_answer():
    assert _hotline("ช่วยด้วย แม่หมดสติ") == [("1669", "ช่วยด้วย")]
    assert _hotline("ไฟไหม้โกดังข้างบ้าน", "greet", 0.95) == [("199", "ไฟไหม้")]
    # the classifier alone said emergency: the general line, over the whole message
    assert _hotline("เกิดเรื่องแล้วครับ") == [("191", "เกิดเรื่องแล้วครับ")]
    assert _hotline("ภาษีป้ายคิดยังไง", "signtax_calculate") == []

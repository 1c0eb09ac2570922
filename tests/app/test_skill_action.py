"""The base of skill actions (``actions.base.SkillAction`` and ``Turn``), with a real tracker
and dispatcher: the active skill is set, an answer goes out whole, an unusable point is
answered once in Thai, a failure is answered politely; and the core's form policy."""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import SkillAction, Turn
from actions.forms import Interruption, interruption, returning
from bot.kernel import registry
from bot.kernel.answer import KEY, Answer, Target, ask
from bot.kernel.point import InvalidCoordinates, check_point

THAI = re.compile(r"[\u0e00-\u0e7f]")
ANSWER = ask("เลือก", [("ดูโรงพักใกล้ที่สุด", Target("police_nearest_stations")),
                       ("รับข่าวเตือนภัย", Target("police_warning_subscribe"))])


class Probe(SkillAction):
    """A police action for the test: sends ``ANSWER`` and remembers what its turn saw."""

    skill = "police"
    seen: dict = {}

    def name(self) -> str:
        return "action_police_probe"

    async def answer(self, turn: Turn):
        Probe.seen = {"text": turn.text, "raw": turn.raw, "chosen": turn.chosen,
                      "entities": turn.entities, "voice": turn.voice,
                      "channel": turn.channel, "skill": turn.skill.id}
        Probe.seen["point"] = turn.point
        turn.send(ANSWER)
        return [SlotSet("police_last_query", "find")]


class Broken(Probe):
    async def answer(self, turn):
        raise RuntimeError("boom")


class Quiet(Probe):
    activates = False


def _run(action, text="", entities=(), slots=None, events=(), intent="police_find_station",
         confidence=0.9):
    tracker = Tracker("web:probe", dict(slots or {}), {
        "text": text, "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities)}, list(events), False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, result


def test_the_skill_is_set_active_and_the_answer_goes_out_whole():
    messages, events = _run(Probe(), "อยู่ลาดพร้าว")
    assert events[0] == SlotSet("active_skill", "police")
    assert events[1:] == [SlotSet("police_last_query", "find")]
    [message] = messages  # one message: the text, its numbered choices and their targets
    assert Answer.from_dict(message["custom"][KEY]) == ANSWER
    assert Probe.seen["skill"] == "police"


def test_a_bookkeeping_action_leaves_the_active_skill_alone():
    _, events = _run(Quiet(), "สวัสดี")
    assert all(e.get("name") != "active_skill" for e in events)


def test_the_turn_reads_the_message_as_typed_and_as_a_choice():
    _run(Probe(), "อยู่ลาดพร้าว  เลข ๗", slots={"reply_mode": "voice"},
         events=[{"event": "user", "text": "x", "metadata": {"channel": "line"}}])
    seen = Probe.seen
    assert seen["text"] == "อยู่ลาดพร้าว เลข 7" and seen["raw"] == "อยู่ลาดพร้าว  เลข ๗"
    assert not seen["chosen"] and seen["voice"] and seen["channel"] == "line"
    assert seen["point"] is None
    payload = Target("police_find_station", {"police_place": "ลาดพร้าว"}).message()
    _run(Probe(), payload, entities=[{"entity": "police_place", "value": "ลาดพร้าว"}])
    assert Probe.seen["chosen"] and Probe.seen["text"] == "" and Probe.seen["raw"] == ""
    assert Probe.seen["entities"] == {"police_place": "ลาดพร้าว"}
    assert Probe.seen["channel"] == "rest"  # no gateway metadata


def test_a_shared_point_is_checked_once_for_every_skill():
    _run(Probe(), "", entities=[{"entity": "latitude", "value": "13.75"},
                                {"entity": "longitude", "value": 100.5}])
    assert Probe.seen["point"] == (13.75, 100.5)


def test_an_unusable_point_is_answered_once_with_its_thai_reason():
    messages, events = _run(Probe(), "", entities=[{"entity": "latitude", "value": 999},
                                                   {"entity": "longitude", "value": 100}])
    with pytest.raises(InvalidCoordinates) as reason:
        check_point(999, 100)
    [said] = messages  # once, and the answer is not sent
    assert said["response"] == "utter_location_invalid" and said["reason"] == str(reason.value)
    assert THAI.search(said["reason"])
    assert events == [SlotSet("active_skill", "police")]  # and nothing the answer would set


def test_a_failing_action_is_answered_politely_not_silently():
    messages, events = _run(Broken(), "อยู่ลาดพร้าว")
    assert [m.get("response") for m in messages] == ["utter_internal_error"] and events == []


def test_an_action_of_a_skill_that_is_not_installed_fails_politely():
    class Stray(Probe):
        skill = "nosuchskill"

    messages, _ = _run(Stray(), "x")
    assert [m.get("response") for m in messages] == ["utter_internal_error"]


# --- may a message interrupt a form? (actions.forms, the one policy) ------------------------

def _tracker(intent, confidence, events=()):
    return Tracker("web:form", {}, {"text": "x", "intent": {"name": intent,
                                                            "confidence": confidence}},
                   list(events), False, None, {"name": "signtax_form"}, "action_listen")


def test_danger_and_a_person_always_interrupt_a_form():
    signtax = registry.get("signtax")
    for intent in ("emergency", "human_handoff"):
        message = interruption(_tracker(intent, 0.9), signtax)
        assert message.lets_go(understood=True) and message.pauses(side_turns=1)


def test_another_skill_interrupts_only_what_the_form_did_not_understand():
    signtax = registry.get("signtax")
    police = interruption(_tracker("police_find_station", 0.9), signtax)
    assert police.other_skill and police.leaving
    assert police.lets_go(understood=False) and not police.lets_go(understood=True)
    assert not police.pauses(side_turns=1) and police.pauses(side_turns=2)
    unsure = interruption(_tracker("police_find_station", 0.3), signtax)
    assert not unsure.lets_go(understood=False)
    own = interruption(_tracker("signtax_calculate", 0.9), signtax)
    assert not own.other_skill and not own.lets_go(understood=False)
    assert Interruption("greet", 0.9, other_skill=False).lets_go(understood=False)


def test_the_form_knows_when_someone_else_answered_first():
    signtax = registry.get("signtax")
    user = {"event": "user", "text": "x"}
    police = {"event": "action", "name": "action_police_find_station"}
    form = {"event": "action", "name": "signtax_form"}
    assert returning(_tracker("police_find_station", 0.9, [user, police, form]), signtax)
    assert not returning(_tracker("signtax_calculate", 0.9, [police, user, form]), signtax)

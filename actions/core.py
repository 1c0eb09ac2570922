"""Core actions: menu, emergency, human handoff, shared location, services not yet built."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from actions.base import SafeAction, message_channel, message_point, response_text, send, settings
from bot.app.models import HandoffRequest
from bot.kernel import hotlines, registry, short
from bot.kernel.answer import Answer, Target, ask, numbered, numbered_text
from bot.kernel.db import session_factory
from bot.kernel.emergency import Triage, call_text_en, is_english, plea, triage
from bot.kernel.point import InvalidCoordinates
from bot.kernel.text import BUBBLE_MAX, visible_length

log = logging.getLogger(__name__)
HANDOFF_CONTEXT_MESSAGES = 5
# A handoff case is opened only when the message names a person to talk to (or the user
# pressed our button): a classifier guess on junk text ("aaaa…") must not fill the queue.
PERSON_WORDS = ("เจ้าหน้าที่", "แอดมิน", "พนักงาน", "คน", "บอท", "โอเปอเรเตอร์", "admin",
                "agent", "staff", "person", "human", "operator", "someone", "bot")


def menu_line(line: str, number: int, skill: registry.Manifest, domain: dict[str, Any]) -> str:
    """One numbered menu line ("1. ตำรวจ" as the choice builder wrote it) with what the
    service does; a service not open yet says so, with its hotline."""
    if skill.ready:
        return f"{line}: {skill.menu_th}"
    return response_text(domain, "utter_menu_line_preparing", number=number,
                         service=skill.name_th, hotline=skill.hotlines[0])


def menu_message(domain: dict[str, Any], intro: str = "utter_menu_intro") -> list[Answer]:
    """The numbered menu of services: each choice leads to the skill's entry. One bubble when
    it fits a phone screen (``BUBBLE_MAX``); with more services, the intro comes first in a
    bubble of its own and the list follows whole (a typed number picks from it)."""
    skills = registry.discover()
    choices = numbered([(m.name_th, Target(m.entry_intent)) for m in skills])
    lines = [menu_line(line, n, m, domain) for n, (line, m) in enumerate(
        zip(numbered_text("", choices).splitlines(), skills, strict=True), start=1)]
    head = response_text(domain, intro)
    whole = "\n".join([head, *lines])
    if visible_length(whole) <= BUBBLE_MAX:
        return [ask(whole, choices)]
    return [Answer(head), ask("\n".join(lines), choices)]


def send_menu(dispatcher, domain: dict[str, Any], intro: str = "utter_menu_intro") -> None:
    """Send the menu of services (``menu_message``)."""
    for answer in menu_message(domain, intro):
        send(dispatcher, answer)


def preparing_message(domain: dict[str, Any], skill: registry.Manifest) -> Answer:
    return Answer(response_text(domain, "utter_service_preparing", skill_name=skill.name_th,
                                hotlines=hotlines.describe(skill.hotlines)))


def offer_person(domain: dict[str, Any], response: str, button: str) -> Answer:
    """``response`` with one choice: talk to a person (``human_handoff``)."""
    return ask(response_text(domain, response),
               [(response_text(domain, button), Target("human_handoff"))])


class ActionShowMenu(SafeAction):
    """Shows the six services as a numbered list (typing the number works too)."""

    def name(self) -> str:
        return "action_show_menu"

    async def act(self, dispatcher, tracker, domain):
        send_menu(dispatcher, domain)
        return [SlotSet("menu_shown", True)]


# Words that turn the spoken form off; anything else asking for a mode turns it on.
PLAIN_MODE_WORDS = ("ปิด", "เลิก", "ยกเลิก", "ไม่ต้อง", "ไม่ใช้", "ปกติ", "ธรรมดา", "เหมือนเดิม",
                    "หยุด", "stop", "off", "normal")


# Words that ask for short replies, one idea per message (bot.kernel.short).
SHORT_MODE_WORDS = ("สั้น", "ทีละข้อ", "ทีละเรื่อง", "short")


def _set_short(sender: str, on: bool) -> None:
    """The short-replies choice in the app database, where the channels read it."""
    with session_factory(settings().database_url).begin() as session:
        short.set_short(session, sender, on)


class ActionSetReplyMode(SafeAction):
    """Remember how this user wants answers: ``voice`` (numbers also as words), short
    (one idea per message, kept in the app database where the channels read it:
    ``bot.kernel.short``), or plain (both off)."""

    def name(self) -> str:
        return "action_set_reply_mode"

    async def act(self, dispatcher, tracker, domain):
        # "เปิด" (turn on) contains "ปิด" (turn off): take it out before looking
        said = (tracker.latest_message.get("text") or "").lower().replace("เปิด", " ")
        if any(w in said for w in PLAIN_MODE_WORDS):
            await asyncio.to_thread(_set_short, tracker.sender_id, False)
            dispatcher.utter_message(response="utter_reply_mode_plain")
            return [SlotSet("reply_mode", None)]
        if any(w in said for w in SHORT_MODE_WORDS):
            await asyncio.to_thread(_set_short, tracker.sender_id, True)
            dispatcher.utter_message(response="utter_reply_mode_short")
            return []
        dispatcher.utter_message(response="utter_reply_mode_voice")
        return [SlotSet("reply_mode", "voice")]


class ActionReplyOrFallback(SafeAction):
    """A message the classifier could not place (out of scope, low confidence), or a bare
    yes or no.

    If the bot's last question is still open (slot ``expecting``), the skill that asked reads
    the message as its answer. Otherwise a yes or no is acknowledged, and a miss is answered
    politely: the menu the first time, a short "พิมพ์ เมนู" hint after that, so a phone screen
    is not filled with it again and again.
    """

    def name(self) -> str:
        return "action_reply_or_fallback"

    async def act(self, dispatcher, tracker, domain):
        found = registry.answer_action(tracker.get_slot("expecting"))
        if found is not None:
            skill, action = found
            return await hand_over(skill, action, dispatcher, tracker, domain, [])
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("affirm", "deny"):  # nothing is waiting for a yes or a no
            dispatcher.utter_message(
                response="utter_acknowledge" if intent == "affirm" else "utter_deny")
            return []
        dispatcher.utter_message(
            response="utter_out_of_scope" if intent == "out_of_scope" else "utter_fallback")
        urgent = emergency_before(tracker)
        if urgent or missed_before(tracker, domain):
            # the second misunderstanding in a row, or an emergency conversation that goes
            # on: a person takes over (the gateway pauses the conversation)
            return await open_handoff(dispatcher, tracker, urgent=urgent)
        if tracker.get_slot("menu_shown"):
            dispatcher.utter_message(response="utter_menu_hint")
            return []
        send_menu(dispatcher, domain)
        return [SlotSet("menu_shown", True)]


class ActionEmergency(SafeAction):
    """Danger now, after the engine has given the first number (``utter_emergency_call``):
    the other numbers the message calls for, then what to do next. Thoughts of self-harm get
    a short kind word and a button to talk to a person instead of instructions; a message in
    English gets the numbers in English too, with the tourist police."""

    def name(self) -> str:
        return "action_emergency"

    async def act(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        found = triage(text) or plea()
        if is_english(text):
            emergency_in_english(dispatcher, domain, found)
            return [SlotSet("emergency_kinds", " ".join(found.kinds))]
        # The kind-specific word below already names 1323 (self-harm) or 1300 (family).
        said_below = {"1323"} if found.self_harm else (
            {"1300"} if "family_violence" in found.kinds else set())
        for call in found.calls[1:]:
            if call.hotline in said_below:
                continue
            dispatcher.utter_message(response="utter_emergency_also", hotline=call.hotline,
                                     hotline_name=hotlines.name(call.hotline), label=call.label_th)
        if found.self_harm:
            if "self_harm_act" in found.kinds:
                dispatcher.utter_message(response="utter_crisis_act")
            send(dispatcher, offer_person(domain, "utter_crisis_support", "utter_crisis_button"))
        elif "family_violence" in found.kinds:
            dispatcher.utter_message(response="utter_emergency_family")
        else:
            dispatcher.utter_message(response="utter_emergency_after")
        events = [SlotSet("emergency_kinds", " ".join(found.kinds))]
        if emergency_before(tracker):  # an earlier emergency: the danger goes on
            events += await open_handoff(dispatcher, tracker, urgent=True,
                                         crisis=found.self_harm)
        return events


def emergency_in_english(dispatcher, domain: dict[str, Any], found: Triage) -> None:
    """The numbers of an emergency again in English, then the tourist police (1155); for
    thoughts of self-harm a kind word and the button to talk to a person."""
    dispatcher.utter_message(text=call_text_en(found.calls[0].hotline))
    for call in found.calls[1:]:
        dispatcher.utter_message(response="utter_english_also", hotline=call.hotline,
                                 hotline_name=hotlines.hotlines()[call.hotline]["name_en"])
    if found.self_harm:
        send(dispatcher, offer_person(domain, "utter_english_crisis",
                                      "utter_english_crisis_button"))
    dispatcher.utter_message(response="utter_english_tourist")


class ActionEnglish(SafeAction):
    """A message in English that is not an emergency: the emergency numbers and the tourist
    police in English, and that this service is in Thai."""

    def name(self) -> str:
        return "action_english"

    async def act(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_english_service")
        return []


def record_handoff(database_url: str, sender: str, context: str, channel: str = "rest",
                   service: str = "", urgent: bool = False) -> tuple[str, bool]:
    """Open a handoff case for ``sender`` unless one is open; return (case number, existed).
    ``service``: the skill the conversation was with; ``urgent`` raises the priority (of an
    open case too)."""
    factory = session_factory(database_url)
    try:
        with factory.begin() as session:
            case = _open_case(session, sender)
            if case is not None:
                case.priority = max(case.priority, int(urgent))
                return case.case_number, True
            case = HandoffRequest(sender_id=sender, channel=channel, context=context,
                                  service=service[:32], priority=int(urgent))
            session.add(case)
            session.flush()
            return case.case_number, False
    except IntegrityError:  # a concurrent request opened it first
        with factory.begin() as session:
            return _open_case(session, sender).case_number, True


def _open_case(session, sender: str) -> HandoffRequest | None:
    return session.scalars(select(HandoffRequest).where(
        HandoffRequest.sender_id == sender, HandoffRequest.status == "open")).first()


def conversation_service(tracker: Tracker) -> str:
    """The skill the conversation is with: the ``active_skill`` slot, else the skill of the
    latest message a skill understood; "" for none."""
    active = tracker.get_slot("active_skill")
    if active and registry.get(active) is not None:
        return active
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            skill = registry.skill_for_intent(intent)
            if skill is not None:
                return skill.id
    return ""


def missed_before(tracker: Tracker, domain: dict[str, Any]) -> bool:
    """The bot's answer to the message before this one was "I did not understand"
    (``utter_fallback``, or ``utter_out_of_scope``, which junk text gets too): this is the
    second misunderstanding in a row."""
    responses = domain.get("responses", {})
    said = {r.get("text") for name in ("utter_fallback", "utter_out_of_scope")
            for r in responses.get(name, [])}
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    return any(e.get("event") == "bot" and e.get("text") in said
               for e in tracker.events[users[-2]:users[-1]])


def emergency_before(tracker: Tracker) -> bool:
    """An earlier message of this conversation session was an emergency (slots carry over
    to a new session; the events do not lie)."""
    events = list(tracker.events)
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    users = [e for e in events[starts[-1] if starts else 0:] if e.get("event") == "user"]
    return any(((e.get("parse_data") or {}).get("intent") or {}).get("name") == "emergency"
               for e in users[:-1])


async def open_handoff(dispatcher, tracker: Tracker, urgent: bool = False,
                       crisis: bool = False) -> list[dict[str, Any]]:
    """Open (or find) the conversation's handoff case and tell the citizen its number."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    context = "\n".join(t for t in texts[-HANDOFF_CONTEXT_MESSAGES:] if t)
    try:
        number, existed = await asyncio.to_thread(
            record_handoff, settings().database_url, tracker.sender_id, context,
            message_channel(tracker), conversation_service(tracker), urgent)
    except SQLAlchemyError:
        log.exception("could not record a handoff request")
        dispatcher.utter_message(response="utter_handoff_unavailable")
        return []
    kinds = (tracker.get_slot("emergency_kinds") or "").split()
    if crisis or any(k.startswith("self_harm") for k in kinds):
        # someone in crisis asked for a person: no "nobody is here" ticket, a voice now
        template = "utter_handoff_crisis"
    else:
        template = "utter_handoff_existing" if existed else "utter_handoff_recorded"
    dispatcher.utter_message(response=template, case_number=number)
    return [SlotSet("handoff_case", number)]


class ActionHumanHandoff(SafeAction):
    """Records a request to talk to a person; asking again returns the same open case."""

    def name(self) -> str:
        return "action_human_handoff"

    async def act(self, dispatcher, tracker, domain):
        said = (tracker.latest_message.get("text") or "").lower()
        if not said.startswith("/") and not any(w in said for w in PERSON_WORDS):
            send(dispatcher, offer_person(domain, "utter_handoff_confirm", "utter_handoff_button"))
            return []
        return await open_handoff(dispatcher, tracker)


def skill_action(skill: registry.Manifest, action_name: str) -> Action:
    """The skill's action called ``action_name``, from ``actions/<skill id>.py``."""
    module = importlib.import_module(f"actions.{skill.id}")
    for obj in vars(module).values():
        if (isinstance(obj, type) and issubclass(obj, Action) and not inspect.isabstract(obj)
                and obj.__module__ == module.__name__ and obj().name() == action_name):
            return obj()
    raise LookupError(f"skill {skill.id!r} declares {action_name!r} but actions/{skill.id}.py "
                      "does not define it")


async def hand_over(skill: registry.Manifest, action_name: str, dispatcher, tracker, domain,
                    events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a skill's location or picture action inside this core action, on this turn.

    Running it here (rather than as a follow-up action) keeps the turn one that the core's
    rules describe ("share_location → action_handle_location → listen"), so no policy has
    to guess what follows the skill's action. The skill sees ``events`` already applied.
    """
    state = tracker.current_state()
    for event in events:
        if event.get("event") == "slot":
            state["slots"][event["name"]] = event["value"]
    return await skill_action(skill, action_name).run(dispatcher, Tracker.from_dict(state), domain)


class ActionHandleLocation(SafeAction):
    """A shared location, in any state: validated, kept in slots, passed to the active skill."""

    def name(self) -> str:
        return "action_handle_location"

    async def act(self, dispatcher, tracker, domain):
        try:
            point = message_point(tracker.latest_message or {})
        except InvalidCoordinates as exc:
            dispatcher.utter_message(response="utter_location_invalid", reason=str(exc))
            return [SlotSet("latitude", None), SlotSet("longitude", None)]
        if point is None:
            dispatcher.utter_message(response="utter_location_missing")
            return []
        lat, lon = point
        events = [SlotSet("latitude", lat), SlotSet("longitude", lon)]
        active = tracker.get_slot("active_skill")
        taker = registry.location_skill(active)
        if taker is not None:  # the skill answers with what the location means to it
            events.append(SlotSet("active_skill", taker.id))
            return events + await hand_over(taker, taker.location_action, dispatcher, tracker,
                                            domain, events)
        dispatcher.utter_message(response="utter_location_received",
                                 latitude=f"{lat:.5f}", longitude=f"{lon:.5f}")
        skill = registry.get(active or "")
        if skill is not None and not skill.ready:
            send(dispatcher, preparing_message(domain, skill))
        else:
            send_menu(dispatcher, domain, intro="utter_location_which_service")
        return events


class ActionHandleImage(SafeAction):
    """A picture the user sent: handed to the active skill if it reads pictures."""

    def name(self) -> str:
        return "action_handle_image"

    async def act(self, dispatcher, tracker, domain):
        ref = next((e.get("value") for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "image_ref"), None)
        if not isinstance(ref, str) or not ref:
            dispatcher.utter_message(response="utter_image_missing")
            return []
        taker = registry.image_skill(tracker.get_slot("active_skill"))
        if taker is not None:
            events = [SlotSet("image_ref", ref)]
            return events + await hand_over(taker, taker.image_action, dispatcher, tracker,
                                            domain, events)
        dispatcher.utter_message(response="utter_image_received")
        send_menu(dispatcher, domain)
        return [SlotSet("image_ref", ref)]


class ActionServicePreparing(SafeAction):
    """A skill not built yet: says so honestly, with the hotline that serves people today."""

    def name(self) -> str:
        return "action_service_preparing"

    async def act(self, dispatcher, tracker, domain):
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        skill = registry.skill_for_intent(intent) or registry.get(
            tracker.get_slot("active_skill") or "")
        if skill is None:
            send_menu(dispatcher, domain)
            return []
        send(dispatcher, preparing_message(domain, skill))
        return [SlotSet("active_skill", skill.id)]

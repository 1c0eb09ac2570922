"""Police actions: thin adapters from the conversation to ``skills.police`` and back.

Which station covers a shared location or a typed place, the nearest stations, a station's
phone, legal information, and district crime-warning subscriptions. Numbered choices carry
their answer as a typed target (intent and entities), so typing "1" works on every channel;
a choice named in words ("อันที่สอง") is read from the targets kept in ``police_choices``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SkillAction, Turn
from bot.kernel.answer import Answer, AnswerError, Target, ask
from bot.kernel.point import check_point
from skills.police import service, warnings
from skills.police.service import Reply

# Keys of the manifest's ``answers``: what the police skill last asked.
EXPECT_PLACE = "police_place"    # "type a place" (for a station, the nearest ones or a phone)
EXPECT_CHOICE = "police_choice"  # a numbered choice of places or stations
# "แล้วบางนาล่ะ": a follow-up that repeats the last police question with another place.
FOLLOW_UP = re.compile(r"^\s*(แล้ว|แล้วก็|ส่วน|ถ้าเป็น|ถ้า)\s*\S")
# "อันแรก", "อันที่ 2", "ข้อสอง", "ตัวเลือกที่ ๓", "อันสุดท้าย"
ORDINAL = re.compile(r"(?:อัน|ข้อ|ตัวเลือก|ที่|แห่ง)\s*(?:ที่)?\s*(แรก|สุดท้าย|หนึ่ง|สอง|สาม|สี่|ห้า|[1-9])")
ORDINAL_WORDS = {"แรก": 1, "หนึ่ง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5}
QUERIES = {"police_nearest_stations": "nearest", "police_station_phone": "phone"}


class PoliceAction(SkillAction):
    """A police action (abstract)."""

    skill = "police"


def _send(turn: Turn, reply: Reply) -> None:
    """Send every bubble in order (the choices go with the last, which lists them)."""
    for answer in reply.answers:
        turn.send(answer)


def _expecting(turn: Turn) -> str | None:
    """The police question still open, if the last question was ours."""
    value = turn.slot("expecting")
    return value if isinstance(value, str) and value.startswith("police_") else None


def _after(reply: Reply, query: str, turn: Turn) -> list[dict[str, Any]]:
    """Slots after a police answer: what was asked, what was shown, what is awaited."""
    events = [SlotSet("police_last_query", query)]
    if reply.station:
        events.append(SlotSet("police_station_shown", reply.station))
    if reply.asks:
        events.append(SlotSet("expecting", EXPECT_PLACE))
    elif reply.question:
        # a choice of places or stations is a question; the next steps after an answer are not
        events += [SlotSet("expecting", EXPECT_CHOICE),
                   SlotSet("police_choices", [c.target.to_dict() for c in reply.choices])]
    elif _expecting(turn):
        events.append(SlotSet("expecting", None))  # our question is answered
    return events


def _ordinal(text: str, count: int) -> int | None:
    """"อันแรก" → 0, "อันที่ 2" → 1, "อันสุดท้าย" → count - 1 (``None``: not a choice)."""
    found = ORDINAL.search(text)
    if found is None:
        return None
    word = found.group(1)
    n = count if word == "สุดท้าย" else ORDINAL_WORDS.get(word) or int(word)
    return n - 1 if 1 <= n <= count else None


def _chosen(turn: Turn, text: str) -> Target | None:
    """The target of a numbered choice the user named in words ("อันที่สอง")."""
    choices = turn.slot("police_choices") or []
    if _expecting(turn) != EXPECT_CHOICE or not choices or not text:
        return None
    if service.find_places(text):  # "ที่ห้างเซ็นทรัล" names a place, not choice five
        return None
    index = _ordinal(text, len(choices))
    if index is None:
        return None
    kept = choices[index]
    try:  # a conversation from before typed targets kept the payload text
        target = Target.parse(kept) if isinstance(kept, str) else Target.from_dict(kept)
    except AnswerError:
        return None
    return target if target.intent else None


def _point(entities: dict[str, Any]) -> tuple[float, float] | None:
    """The point a chosen place carries (checked like every point)."""
    if "latitude" not in entities and "longitude" not in entities:
        return None
    return check_point(entities.get("latitude"), entities.get("longitude"))


def answer(turn: Turn, query: str) -> tuple[Reply, str]:
    """The police answer for ``query`` ("find", "nearest", "phone") — one place for the
    intents, the follow-ups and the replies to our own questions — and the question that
    was answered in the end."""
    text, entities, point = turn.text, turn.entities, turn.point
    answering = _expecting(turn) is not None
    chosen = _chosen(turn, text)
    if chosen is not None:
        entities, point = chosen.entities, _point(chosen.entities)
        query = QUERIES.get(chosen.intent or "", "find")
    elif FOLLOW_UP.match(text) and turn.slot("police_last_query"):
        query = turn.slot("police_last_query")  # "แล้วบางนาล่ะ": same question, new place
    if query != "find":
        return _other(turn, query, text, entities, point, answering), query
    return _find(turn, text, entities, point, answering), query


def _find(turn: Turn, text: str, entities: dict[str, Any], point: tuple[float, float] | None,
          answering: bool) -> Reply:
    """The covering station of a chosen or typed place (or what to ask instead)."""
    if point is not None:
        return service.station_message(*point, service.place_from_choice(entities))
    found = service.station_for_text(text, answering) if text else None
    if found is not None:
        return found
    shown = turn.slot("police_station_shown")
    if text and shown and PHONE_WORDS.search(text):  # "ขอเบอร์ด้วย" after a station was shown
        return service.phone_for_text(text, None, shown)
    if text and service.default_index().find(text):  # "สน.ทองหล่ออยู่ที่ไหน"
        return service.phone_for_text(text)
    if answering:  # our question got something that is not a place: say so, ask no more
        return service.message([[service.t("place_not_found", text=text[:40])]])
    match = service.default_kb().answer(text) if text else None
    if match is not None and match.score >= service.STRONG_MATCH:
        return service.legal_message(text).then(service.t("ask_place"), asks=True)
    return service.message([[service.t("ask_place")]], asks=True)


PHONE_WORDS = re.compile(r"เบอร์|เบอ|โทร|ติดต่อ")


def _other(turn: Turn, query: str, text: str, entities: dict[str, Any],
           point: tuple[float, float] | None, answering: bool) -> Reply:
    """A station's phone, or the nearest stations."""
    if query == "phone":
        station_id = entities.get("police_station")
        if point is not None:  # a place chosen for a phone question
            return service.phone_message(service.default_index().at(*point).station)
        return service.phone_for_text(text, str(station_id) if station_id else None,
                                      turn.slot("police_station_shown"))
    if point is not None:
        return service.nearest_message(*point)
    found = service.nearest_for_text(text, answering) if text else None
    if found is None and turn.shared_point is not None and not answering:
        found = service.nearest_message(*turn.shared_point)
    if found is None and answering:
        return service.message([[service.t("place_not_found", text=text[:40])]])
    return found or service.message([[service.t("ask_place_nearest")]], asks=True)


async def _run(turn: Turn, query: str) -> list[dict[str, Any]]:
    reply, query = await asyncio.to_thread(answer, turn, query)
    _send(turn, service.spoken(reply) if turn.voice else reply)
    return _after(reply, query, turn)


class ActionPoliceFindStation(PoliceAction):
    """"อยู่ลาดพร้าว แจ้งความที่ไหน" → the covering station, or a numbered choice of places."""

    def name(self) -> str:
        return "action_police_find_station"

    async def answer(self, turn):
        return await _run(turn, "find")


class ActionPoliceAnswer(PoliceAction):
    """A reply to the police skill's own question ("type a place", a numbered choice) that
    the classifier could not place: ``action_reply_or_fallback`` hands it over (manifest
    ``answers``). The last police question is asked again with what was typed."""

    def name(self) -> str:
        return "action_police_answer"

    async def answer(self, turn):
        return await _run(turn, turn.slot("police_last_query") or "find")


class ActionPoliceAtLocation(PoliceAction):
    """A shared location (LINE, Messenger, web) → the station covering that point.

    ``action_handle_location`` runs it inside its own turn (see ``actions.core.hand_over``).
    After "which are the nearest?" was asked, the location answers that instead.
    """

    def name(self) -> str:
        return "action_police_at_location"

    async def answer(self, turn):
        point = turn.shared_point
        if point is None:
            turn.say("utter_location_missing")
            return []
        nearest = (_expecting(turn) == EXPECT_PLACE
                   and turn.slot("police_last_query") == "nearest")
        reply = await asyncio.to_thread(
            service.nearest_message if nearest else service.station_message, *point)
        _send(turn, reply)
        return _after(reply, "nearest" if nearest else "find", turn)


class ActionPoliceNearestStations(PoliceAction):
    """The three nearest stations to a chosen place, a typed place or the shared location."""

    def name(self) -> str:
        return "action_police_nearest_stations"

    async def answer(self, turn):
        return await _run(turn, "nearest")


class ActionPoliceStationPhone(PoliceAction):
    """"เบอร์ สน.ลุมพินี" → the station's phone; "ขอเบอร์ด้วย" → the station just shown."""

    def name(self) -> str:
        return "action_police_station_phone"

    async def answer(self, turn):
        return await _run(turn, "phone")


class ActionPoliceLegalInfo(PoliceAction):
    """A legal question (scams, rights when arrested, lost documents) → answer with source."""

    def name(self) -> str:
        return "action_police_legal_info"

    async def answer(self, turn):
        _send(turn, await asyncio.to_thread(service.legal_message, turn.text))
        return [SlotSet("expecting", None)] if _expecting(turn) else []


def _district_choice(districts: list[warnings.District], intent: str) -> Answer:
    return ask(service.t("choose_place", name=districts[0].district_th),
               [(f"{d.label} {d.province_th}", Target(intent, {"police_district": d.code}))
                for d in districts])


def _districts(turn: Turn) -> list[warnings.District]:
    """The district(s) the user means: a chosen code, a typed name, or the shared location."""
    code = turn.entities.get("police_district")
    if code:
        found = warnings.district_by_code(str(code))
        return [found] if found else []
    found = warnings.districts_in_text(turn.text) if turn.text else []
    if not found and turn.shared_point is not None:
        here = warnings.district_at(*turn.shared_point)
        found = [here] if here else []
    return found


class ActionPoliceWarningSubscribe(PoliceAction):
    """"รับเตือนภัยเขตบางกะปิ" → subscribed (a repeat is harmless)."""

    def name(self) -> str:
        return "action_police_warning_subscribe"

    async def answer(self, turn):
        def work() -> Answer:
            found = _districts(turn)
            if not found:
                return Answer(service.t("subscribe_ask"))
            if len(found) > 1:
                return _district_choice(found, "police_warning_subscribe")
            district = found[0]
            with turn.session() as session:
                created = warnings.subscribe(session, turn.sender, district)
            key = "subscribed" if created else "already_subscribed"
            return Answer(service.t(key, district=district.label,
                                    province=district.province_th))

        turn.send(await asyncio.to_thread(work))
        return []


class ActionPoliceWarningUnsubscribe(PoliceAction):
    """"ยกเลิกเตือนภัย" → every subscription of this conversation removed."""

    def name(self) -> str:
        return "action_police_warning_unsubscribe"

    async def answer(self, turn):
        count = await turn.in_session(warnings.unsubscribe_all, turn.sender)
        turn.send(Answer(service.t("unsubscribed", count=count) if count
                         else service.t("not_subscribed")))
        return []


class ActionPoliceWarningShow(PoliceAction):
    """"มีเตือนภัยแถวบางกะปิไหม" → recent warnings of that district (or of the subscribed ones)."""

    def name(self) -> str:
        return "action_police_warning_show"

    async def answer(self, turn):
        def work() -> list[Answer]:
            found = _districts(turn)
            if len(found) > 1:
                return [_district_choice(found, "police_warning_show")]
            with turn.session() as session:
                if not found:
                    found = warnings.subscriptions(session, turn.sender)
                if not found:
                    return [Answer(service.t("warnings_ask"))]
                return [warnings.recent_message(session, d) for d in found[:3]]

        for answer in await asyncio.to_thread(work):
            turn.send(answer)
        return []

"""Police actions: thin adapters from the tracker to ``skills.police`` and back.

Which station covers a shared location or a typed place, the nearest stations, a station's
phone, legal information, and district crime-warning subscriptions. Numbered choices carry
their answer in the button payload, so typing "1" works on every channel.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SafeAction, settings, voice
from bot.kernel.db import session_factory
from bot.kernel.geo import InvalidCoordinates
from bot.kernel.text import normalize
from skills.police import service, warnings

ACTIVE = SlotSet("active_skill", "police")
# Keys of the manifest's ``answers``: what the police skill last asked.
EXPECT_PLACE = "police_place"    # "type a place" (for a station, the nearest ones or a phone)
EXPECT_CHOICE = "police_choice"  # a numbered choice of places or stations
# "แล้วบางนาล่ะ": a follow-up that repeats the last police question with another place.
FOLLOW_UP = re.compile(r"^\s*(แล้ว|แล้วก็|ส่วน|ถ้าเป็น|ถ้า)\s*\S")
# "อันแรก", "อันที่ 2", "ข้อสอง", "ตัวเลือกที่ ๓", "อันสุดท้าย"
ORDINAL = re.compile(r"(?:อัน|ข้อ|ตัวเลือก|ที่|แห่ง)\s*(?:ที่)?\s*(แรก|สุดท้าย|หนึ่ง|สอง|สาม|สี่|ห้า|[1-9])")
ORDINAL_WORDS = {"แรก": 1, "หนึ่ง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5}


def _entities(tracker) -> dict[str, Any]:
    return {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}


def _text(tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else normalize(text)  # a button payload, not words


def _point(values: dict[str, Any]) -> tuple[float, float] | None:
    try:
        return float(values["latitude"]), float(values["longitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _slot_point(tracker) -> tuple[float, float] | None:
    return _point({"latitude": tracker.get_slot("latitude"),
                   "longitude": tracker.get_slot("longitude")})


def _send(dispatcher, message: dict[str, Any]) -> None:
    """Send every bubble in order; the buttons go with the last one, which lists them."""
    bubbles = [message["text"], *message.get("more", [])]
    for i, text in enumerate(bubbles):
        last = i == len(bubbles) - 1
        dispatcher.utter_message(text=text, buttons=(message.get("buttons") or []) if last else [],
                                 json_message=message.get("custom") if i == 0 else None)


def _refused(dispatcher, exc: InvalidCoordinates) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_location_invalid", reason=str(exc))
    return [ACTIVE]


def _expecting(tracker) -> str | None:
    """The police question still open, if the last question was ours."""
    value = tracker.get_slot("expecting")
    return value if isinstance(value, str) and value.startswith("police_") else None


def _after(message: dict[str, Any], query: str, tracker) -> list[dict[str, Any]]:
    """Slots after a police answer: what was asked, what was shown, what is awaited."""
    events = [ACTIVE, SlotSet("police_last_query", query)]
    station = (message.get("custom") or {}).get("police_station")
    if station:
        events.append(SlotSet("police_station_shown", station))
    if message.get("asks"):
        events.append(SlotSet("expecting", EXPECT_PLACE))
    elif message.get("buttons") and all("police_place" in b["payload"] or "police_station\""
                                         in b["payload"] for b in message["buttons"]):
        # a choice of places or stations is a question; the next steps after an answer are not
        events += [SlotSet("expecting", EXPECT_CHOICE),
                   SlotSet("police_choices", [b["payload"] for b in message["buttons"]])]
    elif _expecting(tracker):
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


def _chosen(tracker, text: str) -> dict[str, Any] | None:
    """The payload entities of a numbered choice the user named in words ("อันที่สอง")."""
    choices = tracker.get_slot("police_choices") or []
    if _expecting(tracker) != EXPECT_CHOICE or not choices or not text:
        return None
    if service.find_places(text):  # "ที่ห้างเซ็นทรัล" names a place, not choice five
        return None
    index = _ordinal(text, len(choices))
    if index is None:
        return None
    payload = str(choices[index])
    intent, _, raw = payload.partition("{")
    try:
        entities = json.loads("{" + raw) if raw else {}
    except ValueError:
        return None
    entities["_intent"] = intent.lstrip("/")
    return entities


def answer(tracker, query: str, text: str, entities: dict[str, Any]) -> dict[str, Any]:
    """The police answer for ``query`` ("find", "nearest", "phone") — one place for the
    intents, the follow-ups and the replies to our own questions. ``query`` in the result
    says which question was answered in the end."""
    message = _answer(tracker, query, text, entities)
    message.setdefault("query", query)
    return message


def _answer(tracker, query: str, text: str, entities: dict[str, Any]) -> dict[str, Any]:
    answering = _expecting(tracker) is not None
    chosen = _chosen(tracker, text)
    if chosen is not None:
        entities = chosen
        query = {"police_nearest_stations": "nearest",
                 "police_station_phone": "phone"}.get(chosen["_intent"], "find")
    elif FOLLOW_UP.match(text) and tracker.get_slot("police_last_query"):
        query = tracker.get_slot("police_last_query")  # "แล้วบางนาล่ะ": same question, new place
    point = _point(entities)
    if query != "find":
        return {**_other(tracker, query, text, entities, point, answering), "query": query}
    if point is not None:
        return service.station_message(*point, service.place_from_choice(entities))
    found = service.station_for_text(text, answering) if text else None
    if found is not None:
        return found
    shown = tracker.get_slot("police_station_shown")
    if text and shown and PHONE_WORDS.search(text):  # "ขอเบอร์ด้วย" after a station was shown
        return service.phone_for_text(text, None, shown)
    if text and service.default_index().find(text):  # "สน.ทองหล่ออยู่ที่ไหน"
        return service.phone_for_text(text)
    if answering:  # our question got something that is not a place: say so, ask no more
        return {"text": service.t("place_not_found", text=text[:40])}
    match = service.default_kb().answer(text) if text else None
    if match is not None and match.score >= service.STRONG_MATCH:
        legal = service.legal_message(text)
        legal["more"] = [*legal.get("more", []), service.t("ask_place")]
        legal["asks"] = True
        return legal
    return {"text": service.t("ask_place"), "asks": True}


PHONE_WORDS = re.compile(r"เบอร์|เบอ|โทร|ติดต่อ")


def _other(tracker, query: str, text: str, entities: dict[str, Any],
           point: tuple[float, float] | None, answering: bool) -> dict[str, Any]:
    """A station's phone, or the nearest stations."""
    if query == "phone":
        station_id = entities.get("police_station")
        if point is not None:  # a place chosen for a phone question
            return service.phone_message(service.default_index().at(*point).station)
        return service.phone_for_text(text, str(station_id) if station_id else None,
                                      tracker.get_slot("police_station_shown"))
    if point is not None:
        return service.nearest_message(*point)
    found = service.nearest_for_text(text, answering) if text else None
    if found is None and _slot_point(tracker) is not None and not answering:
        found = service.nearest_message(*_slot_point(tracker))
    if found is None and answering:
        return {"text": service.t("place_not_found", text=text[:40])}
    return found or {"text": service.t("ask_place_nearest"), "asks": True}


class ActionPoliceFindStation(SafeAction):
    """"อยู่ลาดพร้าว แจ้งความที่ไหน" → the covering station, or a numbered choice of places."""

    def name(self) -> str:
        return "action_police_find_station"

    async def act(self, dispatcher, tracker, domain):
        return await _run(dispatcher, tracker, "find")


async def _run(dispatcher, tracker, query: str) -> list[dict[str, Any]]:
    entities, text = _entities(tracker), _text(tracker)
    try:
        message = await asyncio.to_thread(answer, tracker, query, text, entities)
    except InvalidCoordinates as exc:
        return _refused(dispatcher, exc)
    _send(dispatcher, service.spoken(message) if voice(tracker) else message)
    return _after(message, message.get("query", query), tracker)


class ActionPoliceAnswer(SafeAction):
    """A reply to the police skill's own question ("type a place", a numbered choice) that
    the classifier could not place: ``action_reply_or_fallback`` hands it over (manifest
    ``answers``). The last police question is asked again with what was typed."""

    def name(self) -> str:
        return "action_police_answer"

    async def act(self, dispatcher, tracker, domain):
        return await _run(dispatcher, tracker, tracker.get_slot("police_last_query") or "find")


class ActionPoliceAtLocation(SafeAction):
    """A shared location (LINE, Messenger, web) → the station covering that point.

    ``action_handle_location`` runs it inside its own turn (see ``actions.core.hand_over``).
    After "which are the nearest?" was asked, the location answers that instead.
    """

    def name(self) -> str:
        return "action_police_at_location"

    async def act(self, dispatcher, tracker, domain):
        done = [ACTIVE]
        point = _slot_point(tracker)
        if point is None:
            dispatcher.utter_message(response="utter_location_missing")
            return done
        nearest = (_expecting(tracker) == EXPECT_PLACE
                   and tracker.get_slot("police_last_query") == "nearest")
        try:
            message = await asyncio.to_thread(
                service.nearest_message if nearest else service.station_message, *point)
        except InvalidCoordinates as exc:
            return [*_refused(dispatcher, exc), *done[1:]]
        _send(dispatcher, message)
        return _after(message, "nearest" if nearest else "find", tracker)


class ActionPoliceNearestStations(SafeAction):
    """The three nearest stations to a chosen place, a typed place or the shared location."""

    def name(self) -> str:
        return "action_police_nearest_stations"

    async def act(self, dispatcher, tracker, domain):
        return await _run(dispatcher, tracker, "nearest")


class ActionPoliceStationPhone(SafeAction):
    """"เบอร์ สน.ลุมพินี" → the station's phone; "ขอเบอร์ด้วย" → the station just shown."""

    def name(self) -> str:
        return "action_police_station_phone"

    async def act(self, dispatcher, tracker, domain):
        return await _run(dispatcher, tracker, "phone")


class ActionPoliceLegalInfo(SafeAction):
    """A legal question (scams, rights when arrested, lost documents) → answer with source."""

    def name(self) -> str:
        return "action_police_legal_info"

    async def act(self, dispatcher, tracker, domain):
        message = await asyncio.to_thread(service.legal_message, _text(tracker))
        _send(dispatcher, message)
        return [ACTIVE, *([SlotSet("expecting", None)] if _expecting(tracker) else [])]


def _district_choice(districts: list[warnings.District], intent: str) -> dict[str, Any]:
    buttons = [{"title": f"{d.label} {d.province_th}",
                "payload": f'/{intent}{{"police_district": "{d.code}"}}'} for d in districts]
    lines = [service.t("choose_place", name=districts[0].district_th)]
    lines += [f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1)]
    return {"text": "\n".join(lines), "buttons": buttons}


def _districts(tracker) -> list[warnings.District]:
    """The district(s) the user means: a chosen code, a typed name, or the shared location."""
    code = _entities(tracker).get("police_district")
    if code:
        found = warnings.district_by_code(str(code))
        return [found] if found else []
    text = _text(tracker)
    found = warnings.districts_in_text(text) if text else []
    if not found and _slot_point(tracker) is not None:
        here = warnings.district_at(*_slot_point(tracker))
        found = [here] if here else []
    return found


class ActionPoliceWarningSubscribe(SafeAction):
    """"รับเตือนภัยเขตบางกะปิ" → subscribed (a repeat is harmless)."""

    def name(self) -> str:
        return "action_police_warning_subscribe"

    async def act(self, dispatcher, tracker, domain):
        def work() -> dict[str, Any]:
            found = _districts(tracker)
            if not found:
                return {"text": service.t("subscribe_ask")}
            if len(found) > 1:
                return _district_choice(found, "police_warning_subscribe")
            district = found[0]
            with session_factory(settings().database_url).begin() as session:
                created = warnings.subscribe(session, tracker.sender_id, district)
            key = "subscribed" if created else "already_subscribed"
            return {"text": service.t(key, district=district.label, province=district.province_th)}

        _send(dispatcher, await asyncio.to_thread(work))
        return [ACTIVE]


class ActionPoliceWarningUnsubscribe(SafeAction):
    """"ยกเลิกเตือนภัย" → every subscription of this conversation removed."""

    def name(self) -> str:
        return "action_police_warning_unsubscribe"

    async def act(self, dispatcher, tracker, domain):
        def work() -> str:
            with session_factory(settings().database_url).begin() as session:
                count = warnings.unsubscribe_all(session, tracker.sender_id)
            return service.t("unsubscribed", count=count) if count else service.t("not_subscribed")

        dispatcher.utter_message(text=await asyncio.to_thread(work))
        return [ACTIVE]


class ActionPoliceWarningShow(SafeAction):
    """"มีเตือนภัยแถวบางกะปิไหม" → recent warnings of that district (or of the subscribed ones)."""

    def name(self) -> str:
        return "action_police_warning_show"

    async def act(self, dispatcher, tracker, domain):
        def work() -> list[dict[str, Any]]:
            found = _districts(tracker)
            if len(found) > 1:
                return [_district_choice(found, "police_warning_show")]
            with session_factory(settings().database_url).begin() as session:
                if not found:
                    found = warnings.subscriptions(session, tracker.sender_id)
                if not found:
                    return [{"text": service.t("warnings_ask")}]
                return [warnings.recent_message(session, d) for d in found[:3]]

        for message in await asyncio.to_thread(work):
            _send(dispatcher, message)
        return [ACTIVE]

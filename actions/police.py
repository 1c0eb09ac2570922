"""Police actions: thin adapters from the tracker to ``skills.police`` and back.

Which station covers a shared location or a typed place, the nearest stations, a station's
phone, legal information, and district crime-warning subscriptions. Numbered choices carry
their answer in the button payload, so typing "1" works on every channel.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SafeAction, settings
from bot.db import session_factory
from bot.geo import InvalidCoordinates
from skills.police import service, warnings

ACTIVE = SlotSet("active_skill", "police")


def _entities(tracker) -> dict[str, Any]:
    return {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}


def _text(tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text  # a button payload, not words


def _point(values: dict[str, Any]) -> tuple[float, float] | None:
    try:
        return float(values["latitude"]), float(values["longitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _slot_point(tracker) -> tuple[float, float] | None:
    return _point({"latitude": tracker.get_slot("latitude"),
                   "longitude": tracker.get_slot("longitude")})


def _send(dispatcher, message: dict[str, Any]) -> None:
    dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [],
                             json_message=message.get("custom"))


def _refused(dispatcher, exc: InvalidCoordinates) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_location_invalid", reason=str(exc))
    return [ACTIVE]


class ActionPoliceFindStation(SafeAction):
    """"อยู่ลาดพร้าว แจ้งความที่ไหน" → the covering station, or a numbered choice of places."""

    def name(self) -> str:
        return "action_police_find_station"

    async def act(self, dispatcher, tracker, domain):
        entities, text = _entities(tracker), _text(tracker)
        point = _point(entities)
        try:
            if point is not None:
                place = service.place_from_choice(entities)
                message = await asyncio.to_thread(service.station_message, *point, place)
            else:
                message = await asyncio.to_thread(self._for_text, text)
        except InvalidCoordinates as exc:
            return _refused(dispatcher, exc)
        _send(dispatcher, message)
        return [ACTIVE]

    @staticmethod
    def _for_text(text: str) -> dict[str, Any]:
        found = service.station_for_text(text) if text else None
        if found is not None:
            return found
        if text and service.default_index().find(text):  # "สน.ทองหล่ออยู่ที่ไหน"
            return service.phone_for_text(text)
        match = service.default_kb().answer(text) if text else None
        if match is not None and match.score >= service.STRONG_MATCH:
            legal = service.legal_message(text)
            return {"text": legal["text"] + "\n\n" + service.t("ask_place"),
                    "custom": legal.get("custom")}
        return {"text": service.t("ask_place")}


class ActionPoliceAtLocation(SafeAction):
    """A shared location (LINE, Messenger, web) → the station covering that point.

    ``action_handle_location`` runs it inside its own turn (see ``actions.core.hand_over``).
    """

    def name(self) -> str:
        return "action_police_at_location"

    async def act(self, dispatcher, tracker, domain):
        done = [ACTIVE]
        point = _slot_point(tracker)
        if point is None:
            dispatcher.utter_message(response="utter_location_missing")
            return done
        try:
            message = await asyncio.to_thread(service.station_message, *point)
        except InvalidCoordinates as exc:
            return [*_refused(dispatcher, exc), *done[1:]]
        _send(dispatcher, message)
        return done


class ActionPoliceNearestStations(SafeAction):
    """The three nearest stations to a chosen place, a typed place or the shared location."""

    def name(self) -> str:
        return "action_police_nearest_stations"

    async def act(self, dispatcher, tracker, domain):
        entities, text = _entities(tracker), _text(tracker)
        point = _point(entities)
        try:
            if point is not None:
                message = await asyncio.to_thread(service.nearest_message, *point)
            else:
                message = await asyncio.to_thread(service.nearest_for_text, text) if text else None
                if message is None and _slot_point(tracker) is not None:
                    message = await asyncio.to_thread(service.nearest_message,
                                                      *_slot_point(tracker))
        except InvalidCoordinates as exc:
            return _refused(dispatcher, exc)
        _send(dispatcher, message or {"text": service.t("ask_place_nearest")})
        return [ACTIVE]


class ActionPoliceStationPhone(SafeAction):
    """"เบอร์ สน.ลุมพินี" → the station's phone (read-aloud form), or a choice of stations."""

    def name(self) -> str:
        return "action_police_station_phone"

    async def act(self, dispatcher, tracker, domain):
        station_id = _entities(tracker).get("police_station")
        message = await asyncio.to_thread(service.phone_for_text, _text(tracker),
                                          str(station_id) if station_id else None)
        _send(dispatcher, message)
        return [ACTIVE]


class ActionPoliceLegalInfo(SafeAction):
    """A legal question (scams, rights when arrested, lost documents) → answer with source."""

    def name(self) -> str:
        return "action_police_legal_info"

    async def act(self, dispatcher, tracker, domain):
        message = await asyncio.to_thread(service.legal_message, _text(tracker))
        _send(dispatcher, message)
        return [ACTIVE]


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

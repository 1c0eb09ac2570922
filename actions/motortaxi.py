"""Motortaxi actions: thin adapters from the conversation to ``skills.motortaxi``."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import timedelta, timezone
from typing import Any

from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import SafeAction, response_text, settings
from bot.db import session_factory
from skills.motortaxi import codes, fares, service, vest
from skills.motortaxi.models import CATEGORIES, Complaint, utcnow
from skills.motortaxi.service import thai_time

log = logging.getLogger(__name__)
SKILL = "motortaxi"
BKK = timezone(timedelta(hours=7))
LOCATION_WINDOW = timedelta(hours=2)  # a shared location attaches to a complaint this recent


def _db(fn, *args):
    """Run ``fn(session, *args)`` in one transaction, off the event loop."""
    def work():
        with session_factory(settings().database_url).begin() as session:
            return fn(session, *args)
    return asyncio.to_thread(work)


def _text(tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _entity(tracker, name: str) -> Any:
    return next((e.get("value") for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == name), None)


def _rider_messages(dispatcher, domain, view: dict[str, Any]) -> None:
    """The verification answer: who, status in words, a warning when not allowed to ride."""
    dispatcher.utter_message(response="utter_motortaxi_rider", code=view["code"],
                             name=f"{view['first_name']} {view['last_name_masked']}",
                             plate=view["plate"], win=view["win"],
                             district=f"{view['district']} {view['province']}".strip(),
                             status=view["status_words"], complaints=view["complaints"])
    if view["synthetic"]:
        dispatcher.utter_message(response="utter_motortaxi_synthetic")
    if view["ok"]:
        dispatcher.utter_message(response="utter_motortaxi_rider_ok")
        dispatcher.utter_message(
            text=response_text(domain, "utter_motortaxi_after_verify"),
            buttons=[{"title": response_text(domain, "utter_motortaxi_button_complain"),
                      "payload": "/motortaxi_complain"},
                     {"title": response_text(domain, "utter_motortaxi_button_share"),
                      "payload": "/motortaxi_share_trip"}])
    else:
        dispatcher.utter_message(response="utter_motortaxi_rider_not_ok",
                                 status=view["status_words"])


def _warn_unusable(dispatcher, typed: str, outcome: str, view: dict[str, Any] | None) -> bool:
    """Warn about a mistyped, malformed or unknown code; ``True`` if a warning was given."""
    shown = codes.format_code(typed) if len(typed) == codes.LENGTH else typed
    if outcome == "check":
        dispatcher.utter_message(response="utter_motortaxi_code_typo", code=shown)
    elif outcome == "format":
        dispatcher.utter_message(response="utter_motortaxi_code_format")
    elif view is None:
        dispatcher.utter_message(response="utter_motortaxi_code_unknown", code=shown)
    else:
        return False
    return True


def _lookup_view(session, typed: str):
    found = service.lookup(session, typed)
    return found.outcome, found.code, service.rider_view(session, found.rider) if found.rider else None


class ActionMotortaxiVerify(SafeAction):
    """A typed vest code: who the rider is, or a clear warning with the DLT hotline."""

    def name(self) -> str:
        return "action_motortaxi_verify"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        typed = codes.find_in_text(_text(tracker))
        if typed is None:
            dispatcher.utter_message(response="utter_motortaxi_ask_code")
            return events
        outcome, code, view = await _db(_lookup_view, typed)
        if not _warn_unusable(dispatcher, typed, outcome, view):
            _rider_messages(dispatcher, domain, view)
            return [*events, SlotSet("motortaxi_rider_code", code)]
        return [*events, SlotSet("motortaxi_rider_code", None)]


class ActionMotortaxiScanPhoto(SafeAction):
    """A photo of a vest QR sent in chat: decoded here (zxing-cpp), then verified like a code."""

    def name(self) -> str:
        return "action_motortaxi_scan_photo"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        from bot import uploads  # the gateway's photo store (core); imported when a photo comes

        ref = _entity(tracker, "image_ref") or tracker.get_slot("image_ref")
        try:
            data = await asyncio.to_thread(uploads.load, settings().var_dir, ref)
        except KeyError:
            dispatcher.utter_message(response="utter_motortaxi_qr_unreadable")
            return events
        found = await asyncio.to_thread(vest.decode_qr, data)
        if not found:
            dispatcher.utter_message(response="utter_motortaxi_qr_unreadable")
            return events
        token = vest.token_from_url(found[0], settings().public_base_url)

        def work(session):
            rider = service.by_token(session, token) if token else None
            return (rider.code, service.rider_view(session, rider)) if rider else (None, None)
        code, view = await _db(work)
        if view is None:
            dispatcher.utter_message(response="utter_motortaxi_qr_forged")
            return [*events, SlotSet("motortaxi_rider_code", None)]
        _rider_messages(dispatcher, domain, view)
        return [*events, SlotSet("motortaxi_rider_code", code)]


def _complaint_text(tracker) -> str:
    """What the citizen wrote: the latest typed message of this complaint (not a button)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text") or ""
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if text.startswith("/"):
            continue
        return text if intent == "motortaxi_complain" else ""
    return ""


class ActionMotortaxiComplain(SafeAction):
    """Files a complaint (category asked with numbered choices if unclear); gives the case number."""

    def name(self) -> str:
        return "action_motortaxi_complain"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        text = _complaint_text(tracker)
        category = _entity(tracker, "motortaxi_category")
        if category not in CATEGORIES:
            category = service.guess_category(text) if text else None
        if category is None:
            names = service.texts()["categories"]
            lines = [response_text(domain, "utter_motortaxi_ask_category")]
            lines += [f"{i}. {names[c]}" for i, c in enumerate(CATEGORIES, start=1)]
            buttons = [{"title": names[c],
                        "payload": "/motortaxi_complain" + json.dumps({"motortaxi_category": c})}
                       for c in CATEGORIES]
            dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
            return events
        typed_code = codes.find_in_text(text) or tracker.get_slot("motortaxi_rider_code") or ""
        key = f"{tracker.sender_id}:{tracker.latest_message.get('message_id') or ''}"

        def work(session):
            case = service.file_complaint(session, tracker.sender_id, category, text,
                                          typed_code, request_key=key[:120])
            return (case.case_number, case.rider_code, case.rider_id, case.distance_km,
                    case.paid_baht, case.legal_fare_baht, case.status)
        number, rider_code, rider_id, km, paid, legal, status = await _db(work)
        if typed_code and rider_id is None:  # say the code is wrong; the case is filed anyway
            _warn_unusable(dispatcher, typed_code, service.lookup_outcome(typed_code), None)
        rider = (codes.format_code(rider_code) if rider_id else
                 response_text(domain, "utter_motortaxi_rider_unknown_in_case"))
        dispatcher.utter_message(response="utter_motortaxi_case_filed", case_number=number,
                                 category=service.texts()["categories"][category], rider=rider,
                                 status=service.status_words(status))
        if category == "overcharge":
            _fare_messages(dispatcher, km, paid)
        dispatcher.utter_message(response="utter_motortaxi_case_add_location")
        return [*events, SlotSet("motortaxi_category", None)]


def _fare_messages(dispatcher, km: float | None, paid: int | None) -> None:
    if km is None:
        dispatcher.utter_message(response="utter_motortaxi_fare_rule")
        return
    fare = fares.maximum_fare(km)
    dispatcher.utter_message(response="utter_motortaxi_fare_legal", km=f"{km:g}", baht=fare.baht)
    if fare.beyond_regulated:
        dispatcher.utter_message(response="utter_motortaxi_fare_beyond")
    if paid is not None:
        if paid > fare.baht:
            dispatcher.utter_message(response="utter_motortaxi_fare_over", paid=f"{paid:,}",
                                     over=f"{paid - fare.baht:,}")
        else:
            dispatcher.utter_message(response="utter_motortaxi_fare_within", paid=f"{paid:,}")


class ActionMotortaxiFare(SafeAction):
    """Legal maximum fare for a distance, or the rule when no distance is given."""

    def name(self) -> str:
        return "action_motortaxi_fare"

    async def act(self, dispatcher, tracker, domain):
        text = _text(tracker)
        _fare_messages(dispatcher, service.parse_distance(text), service.parse_paid(text))
        return [SlotSet("active_skill", SKILL)]


class ActionMotortaxiCaseStatus(SafeAction):
    """The status of the citizen's own complaints (another person's case number finds nothing)."""

    def name(self) -> str:
        return "action_motortaxi_case_status"

    async def act(self, dispatcher, tracker, domain):
        number = service.find_case_number(_text(tracker))

        def work(session):
            return [(c.case_number, c.category, c.created_at, c.status)
                    for c in service.cases_for(session, tracker.sender_id, number)]
        cases = await _db(work)
        if not cases:
            if number:
                dispatcher.utter_message(response="utter_motortaxi_case_not_found",
                                         case_number=number.upper().replace(" ", ""))
            else:
                dispatcher.utter_message(response="utter_motortaxi_no_cases")
        names = service.texts()["categories"]
        for case_number, category, created, status in cases:
            created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
            dispatcher.utter_message(response="utter_motortaxi_case_status",
                                     case_number=case_number, category=names[category],
                                     filed=thai_time(created.astimezone(BKK)),
                                     status=service.status_words(status))
        return [SlotSet("active_skill", SKILL)]


_FROM = re.compile(r"(?:จาก|ออกจาก|from)\s*(.+)$", re.IGNORECASE)


class ActionMotortaxiShareTrip(SafeAction):
    """A link a trusted person opens to see the trip and the rider's last reported position."""

    def name(self) -> str:
        return "action_motortaxi_share_trip"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        text = _text(tracker)
        typed = codes.find_in_text(text) or tracker.get_slot("motortaxi_rider_code")
        if not typed:
            dispatcher.utter_message(response="utter_motortaxi_share_ask_code")
            return events
        start = _FROM.search(text)

        def work(session):
            found = service.lookup(session, typed)
            if found.rider is None:
                return found.outcome, found.code, None, None
            view = service.rider_view(session, found.rider)
            if not view["ok"]:
                return "not_ok", found.code, view, None
            trip = service.share_trip(session, tracker.sender_id, found.rider,
                                      start.group(1).strip() if start else "")
            return "found", found.code, view, trip.token
        outcome, code, view, token = await _db(work)
        if _warn_unusable(dispatcher, typed, outcome, view):
            return events
        if outcome == "not_ok":
            dispatcher.utter_message(response="utter_motortaxi_share_not_ok", code=view["code"],
                                     status=view["status_words"])
            return events
        url = f"{settings().public_base_url}/motortaxi/trip/{token}"
        dispatcher.utter_message(response="utter_motortaxi_share_link", code=view["code"],
                                 name=f"{view['first_name']} {view['last_name_masked']}",
                                 plate=view["plate"], hours=service.TRIP_HOURS, url=url)
        return [*events, SlotSet("motortaxi_rider_code", code)]


class ActionMotortaxiLocation(SafeAction):
    """A shared location while talking about motortaxis: the place of the latest complaint."""

    def name(self) -> str:
        return "action_motortaxi_location"

    async def act(self, dispatcher, tracker, domain):
        lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")

        def work(session):
            case = session.scalars(select(Complaint).where(
                Complaint.sender_id == tracker.sender_id,
                Complaint.created_at >= utcnow() - LOCATION_WINDOW)
                .order_by(Complaint.id.desc()).limit(1)).first()
            if case is None or lat is None or lon is None:
                return None
            case.latitude, case.longitude = float(lat), float(lon)
            return case.case_number
        number = await _db(work)
        if number is None:
            dispatcher.utter_message(response="utter_motortaxi_location_no_case")
        else:
            dispatcher.utter_message(response="utter_motortaxi_case_location_added",
                                     case_number=number, latitude=f"{float(lat):.5f}",
                                     longitude=f"{float(lon):.5f}")
        return [SlotSet("active_skill", SKILL)]


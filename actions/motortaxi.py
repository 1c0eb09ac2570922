"""Motortaxi actions: thin adapters from the conversation to ``skills.motortaxi``."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import SafeAction, response_text, settings
from actions.core import skill_action
from bot.kernel import registry
from bot.kernel.db import session_factory
from bot.kernel.text import normalize
from skills.motortaxi import codes, fares, record, service, vest
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
        asked = (tracker.get_slot("expecting") or "")[len(ASKING):] if _in_flow(tracker) else ""
        if typed or asked in ("rider", "rider_hint"):
            if asked:  # the rider's code, "ไม่ทราบ" or the plate inside a complaint is its answer
                return await ActionMotortaxiComplain().act(dispatcher, tracker, domain)
        if typed is None:
            dispatcher.utter_message(response="utter_motortaxi_ask_code")
            if _in_flow(tracker):
                resume(dispatcher, tracker, domain)
                return events
            return [*events, SlotSet("expecting", "motortaxi_code")]
        outcome, code, view = await _db(_lookup_view, typed)
        if not _warn_unusable(dispatcher, typed, outcome, view):
            _rider_messages(dispatcher, domain, view)
            return [*events, SlotSet("motortaxi_rider_code", code), SlotSet("expecting", None)]
        # a typo or unknown code: the next code typed is a retry, whatever its wording
        return [*events, SlotSet("motortaxi_rider_code", None),
                SlotSet("expecting", "motortaxi_code")]


class ActionMotortaxiScanPhoto(SafeAction):
    """A photo of a vest QR sent in chat: decoded here (zxing-cpp), then verified like a code."""

    def name(self) -> str:
        return "action_motortaxi_scan_photo"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        from bot.app import uploads  # the gateway's photo store (core); imported when a photo comes

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


# --- the complaint record ------------------------------------------------------------------
# The draft lives in the slot ``motortaxi_complaint`` (JSON) while the slot ``expecting`` names
# the open question (``motortaxi_complaint_<field>``); it is filed only after the read-back.
DRAFT = "motortaxi_complaint"
OPEN = "motortaxi_complaint_open"  # a rule condition (rules.yml): see the domain fragment
DRAFT_KEPT_SECONDS = 2 * 3600  # an unfinished complaint is resumed within this time
ASKING = "motortaxi_complaint_"
FIELDS = ("rider", "rider_hint", "place", "when", "story")
ASK = {"rider": "utter_motortaxi_ask_rider", "rider_hint": "utter_motortaxi_ask_rider_hint",
       "place": "utter_motortaxi_ask_place", "when": "utter_motortaxi_ask_when",
       "story": "utter_motortaxi_ask_story"}
SEND = ("1", "ส่ง", "ยืนยัน", "ตกลง", "ok", "โอเค", "ใช่", "ถูกต้อง", "yes", "send")
EDIT = ("2", "แก้", "ไม่ถูก", "ผิด", "edit", "no")
SHARE_WORDS = re.compile(r"แชร์|share|ทริป|trip|ส่งลิงก์|ลิงก์|ติดตาม|เดินทาง|ส่งให้", re.IGNORECASE)
POLICE_WORDS = re.compile(r"แจ้งความ|ตำรวจ|สน\.|สภ\.|โรงพัก|สถานีตำรวจ|ใกล้|ที่ไหน|เบอร์|police",
                          re.IGNORECASE)
SCAM_WORDS = re.compile(r"โอนเงิน|โอนไป|โอนให้|บล็อก|block|ออนไลน์|online|แอป|ลิงก์แปลก|คอลเซ็นเตอร์"
                        r"|ขายของ|สั่งของ|มิจฉาชีพ|หลอก", re.IGNORECASE)


def _now() -> datetime:
    """Bangkok wall-clock time (a complaint's "yesterday" is Thai yesterday)."""
    return datetime.now(BKK).replace(tzinfo=None)


def _draft(tracker) -> dict[str, Any]:
    try:
        value = json.loads(tracker.get_slot(DRAFT) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _in_flow(tracker) -> bool:
    return (tracker.get_slot("expecting") or "").startswith(ASKING)


def _missing(draft: dict[str, Any]) -> str | None:
    """The next thing to ask, in the order a citizen tells it; ``None`` when complete."""
    if not draft.get("rider_code") and not draft.get("rider_unknown"):
        return "rider"
    if draft.get("rider_unknown") and not draft.get("hint_done"):
        return "rider_hint"
    for field in ("place", "when", "story"):
        if not draft.get(field):
            return field
    return None


def _choice(text: str) -> str | None:
    folded = normalize(text).strip().lower()
    if folded.startswith(EDIT) or folded in ("๒",):
        return "edit"
    if folded.startswith(SEND) or folded in ("๑",):
        return "send"
    return None


def _merge(draft: dict[str, Any], text: str, field: str, check) -> list[tuple[str, dict]]:
    """Put what ``text`` says into ``draft``; returns warnings to show (response, values).

    ``field`` is the question just asked ("" when none): a bare answer fills only it, and a
    message naming other details changes only those (a correction never wipes the rest).
    """
    warnings: list[tuple[str, dict]] = []
    rec = record.parse_record(text, _now())
    if rec.rider_code:
        outcome = check(rec.rider_code)
        shown = codes.format_code(rec.rider_code)
        if outcome in ("check", "format"):
            warnings.append(("utter_motortaxi_code_typo" if outcome == "check"
                             else "utter_motortaxi_code_format", {"code": shown}))
        else:
            draft.update(rider_code=shown, rider_found=outcome == "found",
                         rider_unknown=False, hint_done=True)
    elif rec.rider_unknown and field in ("rider", "rider_hint", ""):
        if field == "rider_hint":
            draft["hint_done"] = True
        else:
            draft["rider_unknown"] = True
    if rec.rider_hint:
        draft.update(rider_hint=rec.rider_hint, rider_unknown=not draft.get("rider_code"),
                     hint_done=True)
    elif field in ("rider", "rider_hint") and not rec.rider_code and not rec.rider_unknown \
            and record.has_content(text):
        draft.update(rider_hint=record.stand_hint(text), rider_unknown=True, hint_done=True)
        return warnings  # the answer was about the rider, nothing else
    elif field == "rider_hint" and rec.rider_unknown:
        hint = record.stand_hint(text)
        if hint:
            draft["rider_hint"] = hint
    if rec.place:
        draft["place"] = rec.place
    elif field == "place" and record.has_content(text) and not rec.when:
        draft["place"] = " ".join(normalize(text).split())[:300]
    if rec.when:
        draft.update(when=rec.when, day=rec.day.isoformat() if rec.day else None)
    elif field == "when" and normalize(text).strip():
        draft["when"] = " ".join(normalize(text).split())[:64]
    named_other = rec.rider_code or rec.place or rec.when or rec.rider_hint
    if rec.story and (field in ("story", "") or not draft.get("story")
                      or (field == "confirm" and not named_other)):
        draft["story"] = rec.story
    elif field == "story" and not draft.get("story") and record.has_content(text):
        draft["story"] = " ".join(normalize(text).split())[:1000]
    return warnings


def _rider_words(domain, draft: dict[str, Any]) -> str:
    if draft.get("rider_code"):
        key = ("utter_motortaxi_rec_rider_found" if draft.get("rider_found")
               else "utter_motortaxi_rec_rider_not_found")
        return response_text(domain, key, code=draft["rider_code"])
    hint = draft.get("rider_hint") or ""
    return response_text(domain, "utter_motortaxi_rider_unknown_in_case") + (f" ({hint})" if hint else "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def readback(domain, draft: dict[str, Any]) -> str:
    """"ตรวจสอบก่อนส่ง: …" with every detail, short enough for one phone bubble."""
    return response_text(domain, "utter_motortaxi_readback",
                         rider=_short(_rider_words(domain, draft), 60),
                         place=_short(draft.get("place", ""), 50),
                         when=_short(draft.get("when", ""), 40),
                         story=_short(draft.get("story", ""), 80))


def _ask(dispatcher, domain, field: str, draft: dict[str, Any]) -> list:
    """Ask the next missing detail (or read back and ask to confirm)."""
    if field == "confirm":
        dispatcher.utter_message(
            text=readback(domain, draft),
            buttons=[{"title": response_text(domain, "utter_motortaxi_button_send"),
                      "payload": "/motortaxi_complain" + json.dumps({"motortaxi_confirm": "send"})},
                     {"title": response_text(domain, "utter_motortaxi_button_edit"),
                      "payload": "/motortaxi_complain" + json.dumps({"motortaxi_confirm": "edit"})}])
    else:
        dispatcher.utter_message(response=ASK[field])
    return [SlotSet(DRAFT, json.dumps(draft, ensure_ascii=False)),
            SlotSet("expecting", ASKING + field), SlotSet(OPEN, True)]


def resume(dispatcher, tracker, domain) -> None:
    """After a side question inside the complaint flow: the open question again."""
    if not _in_flow(tracker):
        return
    field = tracker.get_slot("expecting")[len(ASKING):]
    dispatcher.utter_message(response="utter_motortaxi_resume")
    if field == "confirm":
        _ask(dispatcher, domain, field, _draft(tracker))
    elif field in ASK:
        dispatcher.utter_message(response=ASK[field])


def _check_code(typed: str) -> str:
    """``found``, ``unknown``, ``check`` or ``format`` for a code typed in a complaint."""
    def work(session):
        return service.lookup(session, typed).outcome
    with session_factory(settings().database_url).begin() as session:
        return work(session)


class ActionMotortaxiComplain(SafeAction):
    """A complaint, detail by detail: asks only what is missing, reads it back, files on "1".

    Rider code (or "ไม่ทราบ", then plate or stand), place, time and what happened; a message
    giving several fills them all. Nothing is filed before the citizen confirms the read-back,
    and never without what happened.
    """

    def name(self) -> str:
        return "action_motortaxi_complain"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        expecting = tracker.get_slot("expecting") or ""
        raw = _text(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent.startswith("police_") and (expecting != ASKING + "place"
                                             or POLICE_WORDS.search(raw)):
            # the place question is no longer open, or this is a real police question
            action = skill_action(registry.get("police"), f"action_{intent}")
            return await action.run(dispatcher, tracker, domain)
        text = "" if raw.startswith("/") else raw
        if expecting == "motortaxi_code" and codes.find_in_text(text):
            rec = record.parse_record(text, _now())
            if not (rec.story or rec.place or rec.when):  # the code asked for, not a complaint
                return await ActionMotortaxiVerify().act(dispatcher, tracker, domain)
        draft = _draft(tracker)
        if not _in_flow(tracker) and draft.get("t", 0) < time.time() - DRAFT_KEPT_SECONDS:
            draft = {}  # a complaint abandoned long ago is not mixed into a new one
        draft["t"] = int(time.time())
        field = expecting[len(ASKING):] if expecting.startswith(ASKING) else ""
        if not draft.get("rider_code") and not draft.get("rider_unknown") \
                and tracker.get_slot("motortaxi_rider_code"):
            # "ร้องเรียนผู้ขับคนนี้" right after a verification: that rider
            draft.update(rider_code=codes.format_code(tracker.get_slot("motortaxi_rider_code")),
                         rider_found=True, hint_done=True)
        category = _entity(tracker, "motortaxi_category")
        if category in CATEGORIES:
            draft["category"] = category
        choice = _entity(tracker, "motortaxi_confirm") or (
            _choice(text) if field == "confirm" else None)
        if field == "confirm" and choice == "send" and _missing(draft) is None:
            return events + await self._file(dispatcher, tracker, domain, draft)
        if field == "confirm" and choice == "edit" and not record.has_content(
                re.sub(r"^\s*(?:2|๒)\b", "", text)):
            dispatcher.utter_message(response="utter_motortaxi_ask_edit")
            return [*events, SlotSet("expecting", ASKING + "confirm")]
        warnings = await asyncio.to_thread(_merge, draft, text, field, _check_code)
        for response, values in warnings:
            dispatcher.utter_message(response=response, **values)
        if warnings and not draft.get("rider_code"):
            dispatcher.utter_message(response="utter_motortaxi_ask_rider_again")
            return [*events, SlotSet(DRAFT, json.dumps(draft, ensure_ascii=False)),
                    SlotSet("expecting", ASKING + "rider")]
        if field == "confirm" and text and {**draft, "t": 0} == {**_draft(tracker), "t": 0}:
            dispatcher.utter_message(response="utter_motortaxi_ask_edit")
            return [*events, SlotSet("expecting", ASKING + "confirm")]
        return [*events, *_ask(dispatcher, domain, _missing(draft) or "confirm", draft)]

    async def _file(self, dispatcher, tracker, domain, draft: dict[str, Any]) -> list:
        story = draft["story"]
        category = draft.get("category") or service.guess_category(story) or "other"
        key = f"{tracker.sender_id}:{tracker.latest_message.get('message_id') or ''}"
        day = draft.get("day")

        def work(session):
            case = service.file_complaint(
                session, tracker.sender_id, category, story,
                (draft.get("rider_code") or "").replace("-", ""), request_key=key[:120],
                place=draft.get("place", ""), occurred_at=draft.get("when", ""),
                occurred_on=date.fromisoformat(day) if day else None,
                rider_hint=draft.get("rider_hint", ""))
            return case.case_number, case.distance_km, case.paid_baht, case.status
        number, km, paid, status = await _db(work)
        dispatcher.utter_message(response="utter_motortaxi_case_filed", case_number=number,
                                 category=service.texts()["categories"][category],
                                 status=service.status_words(status))
        if category == "overcharge":
            _fare_messages(dispatcher, km, paid)
        dispatcher.utter_message(response="utter_motortaxi_case_add_location")
        return [SlotSet(DRAFT, None), SlotSet("expecting", None), SlotSet(OPEN, False),
                SlotSet("motortaxi_category", None)]


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
        expecting = tracker.get_slot("expecting") or ""
        if expecting == ASKING + "story" or (expecting == "motortaxi_code"
                                             and codes.find_in_text(text)):
            # "เก็บ 100 บาท" is the story asked for; a code is the code asked for
            action = (ActionMotortaxiComplain() if expecting.startswith(ASKING)
                      else ActionMotortaxiVerify())
            return await action.act(dispatcher, tracker, domain)
        km = service.parse_distance(text)
        if km is None and SCAM_WORDS.search(text):
            # money sent to a stranger is not a fare question: say where scams are reported
            dispatcher.utter_message(response="utter_motortaxi_not_a_fare")
            return []
        _fare_messages(dispatcher, km, service.parse_paid(text))
        resume(dispatcher, tracker, domain)
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
        resume(dispatcher, tracker, domain)
        return [SlotSet("active_skill", SKILL)]


_FROM = re.compile(r"(?:จาก|ออกจาก|from)\s*(.+)$", re.IGNORECASE)


class ActionMotortaxiShareTrip(SafeAction):
    """A link a trusted person opens to see the trip and the rider's last reported position."""

    def name(self) -> str:
        return "action_motortaxi_share_trip"

    async def act(self, dispatcher, tracker, domain):
        events = [SlotSet("active_skill", SKILL)]
        text = _text(tracker)
        if codes.find_in_text(text) and (tracker.get_slot("expecting") == "motortaxi_code"
                                         or _in_flow(tracker) or not SHARE_WORDS.search(text)):
            # a code re-typed after a warning ("ขอโทษ รหัส …") asks who the rider is: a
            # passenger must see the rider's status, never a trip link instead
            action = ActionMotortaxiComplain() if _in_flow(tracker) else ActionMotortaxiVerify()
            return await action.act(dispatcher, tracker, domain)
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


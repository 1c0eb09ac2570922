"""Motortaxi actions: thin adapters from the conversation to ``skills.motortaxi``."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import date, timedelta, timezone
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SkillAction, Turn, settings
from actions.core import skill_action
from bot.kernel import registry
from bot.kernel.answer import Answer, Call, Card, Choice, Target, ask
from skills.motortaxi import codes, complaint, fares, record, service, vest
from skills.motortaxi.models import CATEGORIES
from skills.motortaxi.service import thai_time

log = logging.getLogger(__name__)
BKK = timezone(timedelta(hours=7))
LOCATION_WINDOW = timedelta(hours=2)  # a shared location attaches to a complaint this recent


class MotortaxiAction(SkillAction):
    """A motortaxi action (abstract)."""

    skill = "motortaxi"


def _rider_messages(turn: Turn, view: dict[str, Any]) -> None:
    """The verification answer: who, status in words, a warning when not allowed to ride."""
    turn.send(Answer(turn.response(
        "utter_motortaxi_rider", code=view["code"],
        name=f"{view['first_name']} {view['last_name_masked']}",
        plate=view["plate"], win=view["win"],
        district=f"{view['district']} {view['province']}".strip(),
        status=view["status_words"], complaints=view["complaints"]), card=_rider_card(turn, view)))
    if view["synthetic"]:
        turn.say("utter_motortaxi_synthetic")
    if view["ok"]:
        turn.say("utter_motortaxi_rider_ok")
        turn.send(ask(turn.response("utter_motortaxi_after_verify"), [
            (turn.response("utter_motortaxi_button_complain"), Target("motortaxi_complain")),
            (turn.response("utter_motortaxi_button_share"), Target("motortaxi_share_trip"))]))
    else:
        turn.say("utter_motortaxi_rider_not_ok", status=view["status_words"])


def _rider_card(turn: Turn, view: dict[str, Any]) -> Card:
    """The verification as a card: the status in words on green (may ride) or red (may not),
    plate, stand, complaints; complain and share buttons, or the DLT hotline."""
    words = service.texts
    complain = Choice(turn.response("utter_motortaxi_button_complain"), Target("motortaxi_complain"))
    if view["ok"]:
        buttons: tuple = (complain, Choice(turn.response("utter_motortaxi_button_share"),
                                           Target("motortaxi_share_trip")))
    else:
        buttons = (Call("1584", words("card.dlt")), complain)
    return Card(
        f"{view['first_name']} {view['last_name_masked']}", words("card.code", code=view["code"]),
        ((words("card.plate"), view["plate"]), (words("card.stand"), view["win"]),
         (words("card.district"), f"{view['district']} {view['province']}".strip()),
         (words("card.complaints"), str(view["complaints"]))),
        view["status_words"], "ok" if view["ok"] else "danger", buttons)


def _warn_unusable(turn: Turn, typed: str, outcome: str, view: dict[str, Any] | None) -> bool:
    """Warn about a mistyped, malformed or unknown code; ``True`` if a warning was given."""
    shown = codes.format_code(typed) if len(typed) == codes.LENGTH else typed
    if outcome == "check":
        turn.say("utter_motortaxi_code_typo", code=shown)
    elif outcome == "format":
        turn.say("utter_motortaxi_code_format")
    elif view is None:
        turn.say("utter_motortaxi_code_unknown", code=shown)
    else:
        return False
    return True


def _lookup_view(session, typed: str):
    found = service.lookup(session, typed)
    return found.outcome, found.code, service.rider_view(session, found.rider) if found.rider else None


class ActionMotortaxiVerify(MotortaxiAction):
    """A typed vest code: who the rider is, or a clear warning with the DLT hotline."""

    def name(self) -> str:
        return "action_motortaxi_verify"

    async def answer(self, turn):
        typed = codes.find_in_text(turn.raw)
        asked = (turn.slot("expecting") or "")[len(ASKING):] if _in_flow(turn) else ""
        if typed or asked in ("rider", "rider_hint"):
            if asked:  # the rider's code, "ไม่ทราบ" or the plate inside a complaint is its answer
                return await ActionMotortaxiComplain().answer(turn)
        if typed is None:  # a photo of the vest QR answers too: offer the camera
            turn.send(Answer(turn.response("utter_motortaxi_ask_code"), ask_photo=True))
            if _in_flow(turn):
                resume(turn)
                return []
            return [SlotSet("expecting", "motortaxi_code")]
        outcome, code, view = await turn.in_session(_lookup_view, typed)
        if not _warn_unusable(turn, typed, outcome, view):
            _rider_messages(turn, view)
            return [SlotSet("motortaxi_rider_code", code), SlotSet("expecting", None)]
        # a typo or unknown code: the next code typed is a retry, whatever its wording
        return [SlotSet("motortaxi_rider_code", None), SlotSet("expecting", "motortaxi_code")]


class ActionMotortaxiScanPhoto(MotortaxiAction):
    """A photo of a vest QR sent in chat: decoded here (zxing-cpp), then verified like a code."""

    def name(self) -> str:
        return "action_motortaxi_scan_photo"

    async def answer(self, turn):
        from bot.app import uploads  # the gateway's photo store (core); imported when a photo comes

        ref = turn.entities.get("image_ref") or turn.slot("image_ref")
        try:
            data = await asyncio.to_thread(uploads.load, settings().database_url, ref)
        except KeyError:
            turn.say("utter_motortaxi_qr_unreadable")
            return []
        found = await asyncio.to_thread(vest.decode_qr, data)
        if not found:
            turn.say("utter_motortaxi_qr_unreadable")
            return []
        token = vest.token_from_url(found[0], settings().public_base_url)

        def work(session):
            rider = service.by_token(session, token) if token else None
            return (rider.code, service.rider_view(session, rider)) if rider else (None, None)
        code, view = await turn.in_session(work)
        if view is None:
            turn.say("utter_motortaxi_qr_forged")
            return [SlotSet("motortaxi_rider_code", None)]
        _rider_messages(turn, view)
        return [SlotSet("motortaxi_rider_code", code)]


# --- the complaint record ------------------------------------------------------------------
# The draft lives in the slot ``motortaxi_complaint`` (JSON) while the slot ``expecting`` names
# the open question (``motortaxi_complaint_<field>``); it is filed only after the read-back.
# What a message adds to the draft and what to ask next: ``skills.motortaxi.complaint``.
DRAFT = "motortaxi_complaint"
OPEN = "motortaxi_complaint_open"  # a rule condition (rules.yml): see the domain fragment
ASKING = "motortaxi_complaint_"
ASK = {"rider": "utter_motortaxi_ask_rider", "rider_hint": "utter_motortaxi_ask_rider_hint",
       "place": "utter_motortaxi_ask_place", "when": "utter_motortaxi_ask_when",
       "story": "utter_motortaxi_ask_story"}
UNUSABLE_CODE = {"check": "utter_motortaxi_code_typo", "format": "utter_motortaxi_code_format"}
SHARE_WORDS = re.compile(r"แชร์|share|ทริป|trip|ส่งลิงก์|ลิงก์|ติดตาม|เดินทาง|ส่งให้", re.IGNORECASE)
POLICE_WORDS = re.compile(r"แจ้งความ|ตำรวจ|สน\.|สภ\.|โรงพัก|สถานีตำรวจ|ใกล้|ที่ไหน|เบอร์|police",
                          re.IGNORECASE)
SCAM_WORDS = re.compile(r"โอนเงิน|โอนไป|โอนให้|บล็อก|block|ออนไลน์|online|แอป|ลิงก์แปลก|คอลเซ็นเตอร์"
                        r"|ขายของ|สั่งของ|มิจฉาชีพ|หลอก", re.IGNORECASE)


def _draft(turn: Turn) -> dict[str, Any]:
    try:
        value = json.loads(turn.slot(DRAFT) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _in_flow(turn: Turn) -> bool:
    return (turn.slot("expecting") or "").startswith(ASKING)


def _rider_words(turn: Turn, draft: dict[str, Any]) -> str:
    if draft.get("rider_code"):
        key = ("utter_motortaxi_rec_rider_found" if draft.get("rider_found")
               else "utter_motortaxi_rec_rider_not_found")
        return turn.response(key, code=draft["rider_code"])
    hint = draft.get("rider_hint") or ""
    return turn.response("utter_motortaxi_rider_unknown_in_case") + (f" ({hint})" if hint else "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def readback(turn: Turn, draft: dict[str, Any]) -> str:
    """"ตรวจสอบก่อนส่ง: …" with every detail, short enough for one phone bubble."""
    return turn.response("utter_motortaxi_readback",
                         rider=_short(_rider_words(turn, draft), 60),
                         place=_short(draft.get("place", ""), 50),
                         when=_short(draft.get("when", ""), 40),
                         story=_short(draft.get("story", ""), 80))


def _ask(turn: Turn, field: str, draft: dict[str, Any]) -> list:
    """Ask the next missing detail (or read back and ask to confirm)."""
    if field == "confirm":
        turn.send(ask(readback(turn, draft), [
            (turn.response("utter_motortaxi_button_send"),
             Target("motortaxi_complain", {"motortaxi_confirm": "send"})),
            (turn.response("utter_motortaxi_button_edit"),
             Target("motortaxi_complain", {"motortaxi_confirm": "edit"}))]))
    else:
        turn.send(Answer(turn.response(ASK[field]), ask_location=field == "place"))
    return [SlotSet(DRAFT, json.dumps(draft, ensure_ascii=False)),
            SlotSet("expecting", ASKING + field), SlotSet(OPEN, True)]


def resume(turn: Turn) -> None:
    """After a side question inside the complaint flow: the open question again."""
    if not _in_flow(turn):
        return
    field = turn.slot("expecting")[len(ASKING):]
    turn.say("utter_motortaxi_resume")
    if field == "confirm":
        _ask(turn, field, _draft(turn))
    elif field in ASK:
        turn.say(ASK[field])


class ActionMotortaxiComplain(MotortaxiAction):
    """A complaint, detail by detail: asks only what is missing, reads it back, files on "1".

    Rider code (or "ไม่ทราบ", then plate or stand), place, time and what happened; a message
    giving several fills them all. Nothing is filed before the citizen confirms the read-back,
    and never without what happened.
    """

    def name(self) -> str:
        return "action_motortaxi_complain"

    async def answer(self, turn):
        expecting = turn.slot("expecting") or ""
        intent, _ = turn.intent
        if intent.startswith("police_") and (expecting != ASKING + "place" or turn.chosen
                                             or POLICE_WORDS.search(turn.raw)):
            # the place question is no longer open, or this is a real police question
            action = skill_action(registry.get("police"), f"action_{intent}")
            return await action.run(turn.dispatcher, turn.tracker, turn.domain)
        text = turn.raw
        if expecting == "motortaxi_code" and codes.find_in_text(text):
            rec = record.parse_record(text, complaint.now_bangkok())
            if not (rec.story or rec.place or rec.when):  # the code asked for, not a complaint
                return await ActionMotortaxiVerify().answer(turn)
        draft = _draft(turn)
        if not _in_flow(turn) and draft.get("t", 0) < time.time() - complaint.DRAFT_KEPT_SECONDS:
            draft = {}  # a complaint abandoned long ago is not mixed into a new one
        draft["t"] = int(time.time())
        field = expecting[len(ASKING):] if expecting.startswith(ASKING) else ""
        if not draft.get("rider_code") and not draft.get("rider_unknown") \
                and turn.slot("motortaxi_rider_code"):
            # "ร้องเรียนผู้ขับคนนี้" right after a verification: that rider
            draft.update(rider_code=codes.format_code(turn.slot("motortaxi_rider_code")),
                         rider_found=True, hint_done=True)
        category = turn.entities.get("motortaxi_category")
        if category in CATEGORIES:
            draft["category"] = category
        choice = turn.entities.get("motortaxi_confirm") or (
            complaint.choice(text) if field == "confirm" else None)
        if field == "confirm" and choice == "send" and complaint.missing(draft) is None:
            return await self._file(turn, draft)
        if field == "confirm" and choice == "edit" and not record.has_content(
                re.sub(r"^\s*(?:2|๒)\b", "", text)):
            turn.say("utter_motortaxi_ask_edit")
            return [SlotSet("expecting", ASKING + "confirm")]

        def check(typed: str) -> str:
            with turn.session() as session:
                return service.lookup(session, typed).outcome
        unusable = await asyncio.to_thread(complaint.merge, draft, text, field, check,
                                           complaint.now_bangkok())
        for outcome, shown in unusable:
            turn.say(UNUSABLE_CODE[outcome], code=shown)
        if unusable and not draft.get("rider_code"):
            turn.say("utter_motortaxi_ask_rider_again")
            return [SlotSet(DRAFT, json.dumps(draft, ensure_ascii=False)),
                    SlotSet("expecting", ASKING + "rider")]
        if field == "confirm" and text and {**draft, "t": 0} == {**_draft(turn), "t": 0}:
            turn.say("utter_motortaxi_ask_edit")
            return [SlotSet("expecting", ASKING + "confirm")]
        return _ask(turn, complaint.missing(draft) or "confirm", draft)

    async def _file(self, turn: Turn, draft: dict[str, Any]) -> list:
        story = draft["story"]
        category = draft.get("category") or service.guess_category(story) or "other"
        key = f"{turn.sender}:{turn.message.get('message_id') or ''}"
        day = draft.get("day")

        def work(session):
            case = service.file_complaint(
                session, turn.sender, category, story,
                (draft.get("rider_code") or "").replace("-", ""), request_key=key[:120],
                place=draft.get("place", ""), occurred_at=draft.get("when", ""),
                occurred_on=date.fromisoformat(day) if day else None,
                rider_hint=draft.get("rider_hint", ""))
            return case.case_number, case.distance_km, case.paid_baht, case.status
        number, km, paid, status = await turn.in_session(work)
        turn.send(Answer(turn.response(
            "utter_motortaxi_case_filed", case_number=number,
            category=service.texts(f"categories.{category}"),
            status=service.status_words(status)),
            card=service.complaint_card(number, category, status)))
        if category == "overcharge":
            _fare_messages(turn, km, paid)
        turn.say("utter_motortaxi_case_add_location")
        return [SlotSet(DRAFT, None), SlotSet("expecting", None), SlotSet(OPEN, False),
                SlotSet("motortaxi_category", None)]


def _fare_messages(turn: Turn, km: float | None, paid: int | None) -> None:
    if km is None:
        turn.say("utter_motortaxi_fare_rule")
        return
    fare = fares.maximum_fare(km)
    turn.say("utter_motortaxi_fare_legal", km=f"{km:g}", baht=fare.baht)
    if fare.beyond_regulated:
        turn.say("utter_motortaxi_fare_beyond")
    if paid is not None:
        if paid > fare.baht:
            turn.say("utter_motortaxi_fare_over", paid=f"{paid:,}", over=f"{paid - fare.baht:,}")
        else:
            turn.say("utter_motortaxi_fare_within", paid=f"{paid:,}")


class ActionMotortaxiFare(MotortaxiAction):
    """Legal maximum fare for a distance, or the rule when no distance is given."""

    def name(self) -> str:
        return "action_motortaxi_fare"

    async def answer(self, turn):
        text = turn.raw
        expecting = turn.slot("expecting") or ""
        if expecting == ASKING + "story" or (expecting == "motortaxi_code"
                                             and codes.find_in_text(text)):
            # "เก็บ 100 บาท" is the story asked for; a code is the code asked for
            action = (ActionMotortaxiComplain() if expecting.startswith(ASKING)
                      else ActionMotortaxiVerify())
            return await action.answer(turn)
        km = service.parse_distance(text)
        if km is None and SCAM_WORDS.search(text):
            # money sent to a stranger is not a fare question: say where scams are reported
            turn.say("utter_motortaxi_not_a_fare")
            return []
        _fare_messages(turn, km, service.parse_paid(text))
        resume(turn)
        return []


class ActionMotortaxiCaseStatus(MotortaxiAction):
    """The status of the citizen's own complaints (another person's case number finds nothing)."""

    def name(self) -> str:
        return "action_motortaxi_case_status"

    async def answer(self, turn):
        number = service.find_case_number(turn.raw)

        def work(session):
            return [(c.case_number, c.category, c.created_at, c.status)
                    for c in service.cases_for(session, turn.sender, number)]
        cases = await turn.in_session(work)
        if not cases:
            if number:
                turn.say("utter_motortaxi_case_not_found",
                         case_number=number.upper().replace(" ", ""))
            else:
                turn.say("utter_motortaxi_no_cases")
        for case_number, category, created, status in cases:
            created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
            turn.send(Answer(turn.response(
                "utter_motortaxi_case_status", case_number=case_number,
                category=service.texts(f"categories.{category}"),
                filed=thai_time(created.astimezone(BKK)), status=service.status_words(status)),
                card=service.complaint_card(case_number, category, status)))
        resume(turn)
        return []


_FROM = re.compile(r"(?:จาก|ออกจาก|from)\s*(.+)$", re.IGNORECASE)


class ActionMotortaxiShareTrip(MotortaxiAction):
    """A link a trusted person opens to see the trip and the rider's last reported position."""

    def name(self) -> str:
        return "action_motortaxi_share_trip"

    async def answer(self, turn):
        text = turn.raw
        if codes.find_in_text(text) and (turn.slot("expecting") == "motortaxi_code"
                                         or _in_flow(turn) or not SHARE_WORDS.search(text)):
            # a code re-typed after a warning ("ขอโทษ รหัส …") asks who the rider is: a
            # passenger must see the rider's status, never a trip link instead
            action = ActionMotortaxiComplain() if _in_flow(turn) else ActionMotortaxiVerify()
            return await action.answer(turn)
        typed = codes.find_in_text(text) or turn.slot("motortaxi_rider_code")
        if not typed:
            turn.say("utter_motortaxi_share_ask_code")
            return []
        start = _FROM.search(text)

        def work(session):
            found = service.lookup(session, typed)
            if found.rider is None:
                return found.outcome, found.code, None, None
            view = service.rider_view(session, found.rider)
            if not view["ok"]:
                return "not_ok", found.code, view, None
            trip = service.share_trip(session, turn.sender, found.rider,
                                      start.group(1).strip() if start else "")
            return "found", found.code, view, trip.token
        outcome, code, view, token = await turn.in_session(work)
        if _warn_unusable(turn, typed, outcome, view):
            return []
        if outcome == "not_ok":
            turn.say("utter_motortaxi_share_not_ok", code=view["code"],
                     status=view["status_words"])
            return []
        url = f"{settings().public_base_url}/motortaxi/trip/{token}"
        turn.say("utter_motortaxi_share_link", code=view["code"],
                 name=f"{view['first_name']} {view['last_name_masked']}",
                 plate=view["plate"], hours=service.TRIP_HOURS, url=url)
        return [SlotSet("motortaxi_rider_code", code)]


class ActionMotortaxiLocation(MotortaxiAction):
    """A shared location while talking about motortaxis: the place of the latest complaint."""

    def name(self) -> str:
        return "action_motortaxi_location"

    async def answer(self, turn):
        point = turn.shared_point
        number = await turn.in_session(service.locate_recent_complaint, turn.sender,
                                       *point, LOCATION_WINDOW) if point else None
        if number is None:
            turn.say("utter_motortaxi_location_no_case")
        else:
            turn.say("utter_motortaxi_case_location_added", case_number=number,
                     latitude=f"{point[0]:.5f}", longitude=f"{point[1]:.5f}")
        return []

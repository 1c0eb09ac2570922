"""Signboard tax actions: thin adapters between the tracker and ``skills.signtax``.

The conversation is a form (``signtax_form``) whose validation action reads the raw text of
every message and advances the skill's state machine (``skills.signtax.dialogue``); the state
lives in the ``signtax_state`` slot. When the machine says it is done, ``signtax_done`` is set,
the form ends and ``action_signtax_finish`` files the return and shows the bill, or the
receipts, history, or a closing line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SafeAction, settings, voice
from actions.core import parse_coordinates
from bot.kernel import registry
from bot.kernel.db import session_factory
from skills.signtax import dialogue, districts, links, service
from skills.signtax.speech import say_baht, thai_date
from skills.signtax.texts import text

log = logging.getLogger(__name__)
ACTIVE = SlotSet("active_skill", "signtax")
# Intents the core answers even in the middle of the form (the form pauses); so does any
# other skill's intent when the message says nothing about signs.
CORE_FIRST = {"emergency", "human_handoff", "greet", "help", "goodbye", "thanks",
              "out_of_scope", "set_reply_mode", "english"}
ALWAYS_FIRST = {"emergency", "human_handoff"}
LEAVE_CONFIDENCE = 0.6
OWN_ACTIONS = {"signtax_form", "validate_signtax_form", "action_ask_signtax_done",
               "action_signtax_start", "action_signtax_location", "action_handle_location",
               "action_listen", "action_extract_slots", "action_session_start"}


def _send(dispatcher, message: dict[str, Any]) -> None:
    dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def _returning(tracker) -> bool:
    """True when another action answered the latest message before the form ran again."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in OWN_ACTIONS:
            return True
    return False


class ValidateSigntaxForm(SafeAction):
    """Every message while the form is active: parse it, update the state, say what changed."""

    def name(self) -> str:
        return "validate_signtax_form"

    async def act(self, dispatcher, tracker, domain):
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0)
        point = parse_coordinates(message.get("entities") or [])
        if isinstance(point, str) and point != "missing":
            dispatcher.utter_message(response="utter_location_invalid", reason=point)
            return [SlotSet("signtax_state", tracker.get_slot("signtax_state"))]
        located = (await asyncio.to_thread(districts.locate, *point)
                   if isinstance(point, tuple) else None)
        raw = message.get("text") or ""
        turn = dialogue.step(tracker.get_slot("signtax_state"),
                             "" if raw.startswith("/") else raw,
                             today=service.today_in_bangkok(), location=located,
                             spoken=voice(tracker))
        other = registry.skill_for_intent(name)
        leaving = confidence >= LEAVE_CONFIDENCE and (
            name in ALWAYS_FIRST or (other is not None and other.id != "signtax"))
        state = tracker.get_slot("signtax_state") or {}
        if _returning(tracker):
            # Back after the core or another skill answered this message: the form's question
            # follows with its data kept. Danger, or a second message in a row for another
            # service, pauses the calculation (the data stays for "ภาษีป้าย" later).
            side_turns = int(state.get("side_turns") or 0) + (1 if leaving else 0)
            if leaving and (name in ALWAYS_FIRST or side_turns > 1):
                return [SlotSet("signtax_done", dialogue.PAUSED),
                        SlotSet("signtax_state", {**state, "paused": True, "side_turns": 0})]
            if state.get("signs"):
                dispatcher.utter_message(text=text("resume", n=len(state["signs"])))
            return [SlotSet("signtax_state", {**state, "side_turns": side_turns})] if state else []
        if name in ALWAYS_FIRST and confidence >= LEAVE_CONFIDENCE:
            return []  # reject: danger now or a person asked for is never held up by the form
        if not turn.understood and (leaving or (
                name in CORE_FIRST and confidence >= LEAVE_CONFIDENCE)):
            return []  # reject: the core or the other skill answers this message
        for m in turn.messages:
            _send(dispatcher, m)
        if turn.understood:
            turn.state["side_turns"] = 0
        events = [SlotSet("signtax_state", turn.state)]
        if turn.done:
            events.append(SlotSet("signtax_done", turn.done))
        return events


class ActionAskSigntaxDone(SafeAction):
    """The question the state machine is waiting on (numbered choices come with buttons)."""

    def name(self) -> str:
        return "action_ask_signtax_done"

    async def act(self, dispatcher, tracker, domain):
        state = tracker.get_slot("signtax_state") or {}
        _send(dispatcher, state.get("prompt") or {"text": text("ask_describe")})
        return []


class ActionSigntaxStart(SafeAction):
    """Entry: a fresh calculation, or the paused one when the message brings no new sign and
    does not ask for a new one (the form then reads the first message itself)."""

    def name(self) -> str:
        return "action_signtax_start"

    async def act(self, dispatcher, tracker, domain):
        state = tracker.get_slot("signtax_state") or {}
        raw = (tracker.latest_message or {}).get("text") or ""
        if state.get("paused") and state.get("signs") and not dialogue.starts_afresh(raw):
            return [ACTIVE, SlotSet("signtax_done", None)]
        return [ACTIVE, SlotSet("signtax_state", None), SlotSet("signtax_done", None)]


class ActionSigntaxLocation(SafeAction):
    """A location shared while signtax is the active skill: the form reads it as the district."""

    def name(self) -> str:
        return "action_signtax_location"

    async def act(self, dispatcher, tracker, domain):
        return [ACTIVE, SlotSet("signtax_done", None), FollowupAction("signtax_form")]


def _baht(spoken: bool):
    """Amounts in figures; also in words when the user asked for the spoken form."""
    return say_baht if spoken else dialogue.plain_baht


def _bill_messages(bill: service.Bill, cfg, spoken: bool = False) -> list[dict[str, Any]]:
    baht = _baht(spoken)
    late = (text("bill_late_line", amount=baht(bill.late_filing)) if bill.late_filing
            else "")
    head = ([text("bill_existing")] if bill.existing else []) + [
        text("bill_header", bill_number=bill.bill_number),
        text("bill_lines", business=bill.business_name, district=bill.district_th,
             year=bill.tax_year + 543, tax=baht(bill.tax), late_line=late,
             amount=baht(bill.amount), due=thai_date(bill.due_on),
             ref1=bill.bill_number, ref2=bill.ref2)]
    page = links.bill_url(cfg.public_base_url, cfg.secret_key, bill.bill_number)
    # the bill in phone-sized bubbles, split between lines
    messages = dialogue.pack([[line for part in head for line in part.split("\n")]])
    if cfg.promptpay_biller_id:
        messages.append({"text": text("bill_qr", link=page), "image": links.bill_qr_url(
            cfg.public_base_url, cfg.secret_key, bill.bill_number), "alt": text(
            "bill_image_alt", bill_number=bill.bill_number, amount=say_baht(bill.amount))})
    else:
        messages.append({"text": text("bill_no_qr", district=bill.district_th, link=page)})
    messages.append({"text": text("bill_late_payment")})
    return messages


def _file(cfg, sender: str, state: dict[str, Any]) -> service.Bill:
    return service.file_return(
        session_factory(cfg.database_url), sender_id=sender, business_name=state["business"],
        district_code=state["district"]["code"], district_th=state["district"]["name_th"],
        signs=[dialogue.to_sign(s) for s in state["signs"]], today=service.today_in_bangkok())


def _history_lines(cfg, rows: list[dict], receipts_only: bool,
                   spoken: bool = False) -> list[str]:
    say = _baht(spoken)
    if receipts_only:
        lines = []
        for r in rows:
            if r["receipt_number"]:
                lines.append(text("receipt_line", receipt_number=r["receipt_number"],
                                  date=thai_date(r["paid_on"]), bill_number=r["bill_number"],
                                  amount=say(r["amount"]), link=links.receipt_url(
                                      cfg.public_base_url, cfg.secret_key, r["receipt_number"])))
        return lines or [text("receipts_none")]
    if not rows:
        return [text("history_none")]
    lines = [text("history_header")]
    for n, r in enumerate(rows, start=1):
        status = (text("status_paid", receipt_number=r["receipt_number"],
                       paid=thai_date(r["paid_on"])) if r["receipt_number"]
                  else text("status_unpaid"))
        lines.append(text("history_line", n=n, year=r["tax_year"] + 543,
                          business=r["business_name"], district=r["district_th"],
                          signs=r["signs"], filed=thai_date(r["filed_on"]),
                          bill_number=r["bill_number"] or "-", amount=say(r["amount"]),
                          status=status))
    return lines


class ActionSigntaxFinish(SafeAction):
    """After the form: file and bill, or show receipts/history, or close politely."""

    def name(self) -> str:
        return "action_signtax_finish"

    async def act(self, dispatcher, tracker, domain):
        done = tracker.get_slot("signtax_done")
        state = tracker.get_slot("signtax_state") or {}
        cfg = settings()
        reset = [SlotSet("signtax_done", None), SlotSet("signtax_state", None)]
        if done == dialogue.PAUSED:  # keep the signs for when the citizen comes back
            return [SlotSet("signtax_done", None)]
        if done == dialogue.BILL:
            try:
                bill = await asyncio.to_thread(_file, cfg, tracker.sender_id, state)
            except (SQLAlchemyError, ValueError, KeyError, TypeError) as exc:
                # the type only: SQL errors carry parameters (business names)
                log.error("signtax filing failed: %s", type(exc).__name__)
                dispatcher.utter_message(text=text("bill_failed"))
                return reset
            for m in _bill_messages(bill, cfg, spoken=voice(tracker)):
                dispatcher.utter_message(text=m["text"], image=m.get("image"),
                                         json_message={"alt": m["alt"]} if m.get("alt")
                                         else None)
        elif done in (dialogue.RECEIPTS, dialogue.HISTORY):
            rows = await asyncio.to_thread(service.history, session_factory(cfg.database_url),
                                           tracker.sender_id)
            for m in dialogue.pack([[line for part in _history_lines(
                    cfg, rows, receipts_only=done == dialogue.RECEIPTS, spoken=voice(tracker))
                    for line in part.split("\n")]]):
                dispatcher.utter_message(text=m["text"])
        elif done in (dialogue.FINISHED, dialogue.CANCELLED):
            dispatcher.utter_message(text=text(done))
        return reset

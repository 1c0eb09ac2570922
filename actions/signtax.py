"""Signboard tax actions: thin adapters between the tracker and ``skills.signtax``.

The conversation is a form (``signtax_form``) whose validation action reads the raw text of
every message and advances the skill's state machine (``skills.signtax.dialogue``); the state
lives in the ``signtax_state`` slot. When the machine says it is done, ``signtax_done`` is set,
the form ends and ``action_signtax_finish`` files the return and shows the bill, or the
receipts, history, or a closing line. Which messages may interrupt the form is the core's
policy (``actions.forms``).
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SkillAction, settings
from actions.forms import interruption, returning
from bot.kernel.answer import Answer
from bot.kernel.db import session_factory
from skills.signtax import chat, dialogue, districts, service
from skills.signtax.texts import text

log = logging.getLogger(__name__)


class SigntaxAction(SkillAction):
    """A signtax action (abstract)."""

    skill = "signtax"


class ValidateSigntaxForm(SigntaxAction):
    """Every message while the form is active: parse it, update the state, say what changed."""

    activates = False  # the form's bookkeeping: the skill that answered last stays active

    def name(self) -> str:
        return "validate_signtax_form"

    def refused(self, turn, exc):
        return [SlotSet("signtax_state", turn.slot("signtax_state"))]  # the form keeps waiting

    async def answer(self, turn):
        point = turn.point
        located = await asyncio.to_thread(districts.locate, *point) if point else None
        moved = dialogue.step(turn.slot("signtax_state"), turn.raw,
                              today=service.today_in_bangkok(), location=located,
                              spoken=turn.voice)
        message = interruption(turn.tracker, turn.skill)
        state = turn.slot("signtax_state") or {}
        if returning(turn.tracker, turn.skill):
            # Back after the core or another skill answered this message: the form's question
            # follows with its data kept, unless the policy pauses it (the data stays for
            # "ภาษีป้าย" later).
            side_turns = int(state.get("side_turns") or 0) + (1 if message.leaving else 0)
            if message.pauses(side_turns):
                return [SlotSet("signtax_done", dialogue.PAUSED),
                        SlotSet("signtax_state", {**state, "paused": True, "side_turns": 0})]
            if state.get("signs"):
                turn.send(Answer(text("resume", n=len(state["signs"]))))
            return [SlotSet("signtax_state", {**state, "side_turns": side_turns})] if state else []
        if message.lets_go(moved.understood):
            return []  # reject: the core or the other skill answers this message
        for m in moved.messages:
            turn.send(m)
        if moved.understood:
            moved.state["side_turns"] = 0
        events = [SlotSet("signtax_state", moved.state)]
        if moved.done:
            events.append(SlotSet("signtax_done", moved.done))
        return events


class ActionAskSigntaxDone(SigntaxAction):
    """The question the state machine is waiting on (numbered choices come with it)."""

    activates = False

    def name(self) -> str:
        return "action_ask_signtax_done"

    async def answer(self, turn):
        turn.send(dialogue.prompt_of(turn.slot("signtax_state") or {})
                  or Answer(text("ask_describe")))
        return []


class ActionSigntaxStart(SigntaxAction):
    """Entry: a fresh calculation, or the paused one when the message brings no new sign and
    does not ask for a new one (the form then reads the first message itself)."""

    def name(self) -> str:
        return "action_signtax_start"

    async def answer(self, turn):
        state = turn.slot("signtax_state") or {}
        if state.get("paused") and state.get("signs") and not dialogue.starts_afresh(turn.raw):
            return [SlotSet("signtax_done", None)]
        return [SlotSet("signtax_state", None), SlotSet("signtax_done", None)]


class ActionSigntaxLocation(SigntaxAction):
    """A location shared while signtax is the active skill: the form reads it as the district."""

    def name(self) -> str:
        return "action_signtax_location"

    async def answer(self, turn):
        return [SlotSet("signtax_done", None), FollowupAction("signtax_form")]


class ActionSigntaxFinish(SigntaxAction):
    """After the form: file and bill, or show receipts/history, or close politely."""

    activates = False  # after a pause the citizen is with another service

    def name(self) -> str:
        return "action_signtax_finish"

    async def answer(self, turn):
        done = turn.slot("signtax_done")
        state = turn.slot("signtax_state") or {}
        cfg = settings()
        site = chat.Site(cfg.public_base_url, cfg.secret_key, bool(cfg.promptpay_biller_id))
        factory = session_factory(cfg.database_url)
        reset = [SlotSet("signtax_done", None), SlotSet("signtax_state", None)]
        if done == dialogue.PAUSED:  # keep the signs for when the citizen comes back
            return [SlotSet("signtax_done", None)]
        if done == dialogue.BILL:
            try:
                bill = await asyncio.to_thread(chat.file_from_state, factory, turn.sender, state)
            except (SQLAlchemyError, ValueError, KeyError, TypeError) as exc:
                # the type only: SQL errors carry parameters (business names)
                log.error("signtax filing failed: %s", type(exc).__name__)
                turn.send(Answer(text("bill_failed")))
                return reset
            answers = chat.bill_answers(bill, site, spoken=turn.voice)
        elif done in (dialogue.RECEIPTS, dialogue.HISTORY):
            rows = await asyncio.to_thread(service.history, factory, turn.sender)
            answers = chat.history_answers(rows, site, receipts_only=done == dialogue.RECEIPTS,
                                           spoken=turn.voice)
        elif done in (dialogue.FINISHED, dialogue.CANCELLED):
            answers = [Answer(text(done))]
        else:
            answers = []
        for answer in answers:
            turn.send(answer)
        return reset

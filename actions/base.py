"""Shared bases and helpers for actions. Nothing here is registered as an action.

A skill's action is a ``SkillAction``: it names its skill, and its ``answer`` works on a
``Turn`` — what the user said (text, entities, a shared point), the slots, the database, and
how to reply (a typed ``Answer`` whole, or a domain response). The base sets the active-skill
slot, answers an unusable point once (``utter_location_invalid`` with the Thai reason), and
answers any failure politely instead of going silent::

    from rasa_sdk.events import SlotSet

    from actions.base import SkillAction, Turn
    from bot.kernel.answer import Target, ask
    from skills.example import service

    class ActionExampleLookup(SkillAction):
        skill = "example"                       # the manifest's id
        def name(self) -> str:
            return "action_example_lookup"      # listed in the manifest's "actions"
        async def answer(self, turn: Turn) -> list[dict]:
            found = service.lookup(turn.text, turn.point)   # rules and SQL live in the skill
            turn.send(ask(found.text, [(t, Target("example_more", {"item": i}))
                                       for t, i in found.items]))
            return [SlotSet("example_last", found.key)]
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property, lru_cache
from typing import Any, ClassVar, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.kernel import registry
from bot.kernel.answer import Answer
from bot.kernel.db import session_factory
from bot.kernel.point import InvalidCoordinates, check_point
from bot.kernel.sender import channel_of
from bot.kernel.settings import Settings
from bot.kernel.text import normalize

log = logging.getLogger(__name__)
ACTIVE_SKILL = "active_skill"  # the slot naming the skill the conversation is with
T = TypeVar("T")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The action server's settings, read on first use (never at import time)."""
    return Settings.from_env()


def response_text(domain: dict[str, Any], name: str, /, **values: Any) -> str:
    """The first variant of response ``name`` from the domain, with ``{values}`` filled in."""
    text = domain["responses"][name][0]["text"]
    return text.format(**values) if values else text


def voice(tracker: Tracker) -> bool:
    """The user asked for the spoken form: numbers, codes and amounts also as words."""
    return tracker.get_slot("reply_mode") == "voice"


def message_channel(tracker: Tracker) -> str:
    """The channel the latest message came on, from the metadata the gateway sent with it
    (``bot.kernel.sender``; ``"rest"`` for a message that came another way)."""
    event = tracker.get_last_event_for("user") or {}
    return channel_of(event.get("metadata"))


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    """Send a typed answer whole, as one custom payload the channels' renderer reads."""
    dispatcher.utter_message(json_message=answer.payload())


def message_point(message: dict[str, Any]) -> tuple[float, float] | None:
    """The point a message carries (a shared location, or a place a choice named), checked.

    ``None`` when it carries none; ``InvalidCoordinates`` (a Thai reason) when it is unusable.
    """
    values = {e.get("entity"): e.get("value") for e in message.get("entities") or []}
    if "latitude" not in values and "longitude" not in values:
        return None
    return check_point(values.get("latitude"), values.get("longitude"))


class SafeAction(Action, abc.ABC):
    """An action whose failure is logged and answered politely instead of going silent."""

    @abc.abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        """Do the action's work; exceptions are handled by ``run``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception:  # one failing action must not take the conversation down
            log.exception("action %s failed", self.name())
            dispatcher.utter_message(response="utter_internal_error")
            return []


class Turn:
    """What one run of a skill action sees and does: the latest message, the slots, the
    database, and the replies (sent in order as they are made)."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                 domain: dict[str, Any], skill: registry.Manifest):
        self.dispatcher, self.tracker, self.domain, self.skill = dispatcher, tracker, domain, skill

    @property
    def message(self) -> dict[str, Any]:
        return self.tracker.latest_message or {}

    @property
    def chosen(self) -> bool:
        """The message is a choice the gateway sent (an intent with entities), not words."""
        return (self.message.get("text") or "").startswith("/")

    @property
    def raw(self) -> str:
        """What the user typed, as typed; ``""`` for a choice the gateway sent as a payload."""
        return "" if self.chosen else self.message.get("text") or ""

    @property
    def text(self) -> str:
        """What the user typed, normalised (``bot.kernel.text.normalize``); ``""`` for a
        payload. "อยู่ลาดพร้าว  แจ้งความที่ไหน๑" → "อยู่ลาดพร้าว แจ้งความที่ไหน1"."""
        return normalize(self.raw)

    @property
    def intent(self) -> tuple[str, float]:
        """The classified intent's name and confidence (``("", 0.0)`` when none)."""
        intent = self.message.get("intent") or {}
        return intent.get("name") or "", float(intent.get("confidence") or 0)

    @property
    def entities(self) -> dict[str, Any]:
        """The message's entities, name → value (a repeated name: the last one)."""
        return {e.get("entity"): e.get("value") for e in self.message.get("entities") or []}

    @cached_property
    def point(self) -> tuple[float, float] | None:
        """The point this message carries (a shared location, or a place a choice named);
        ``None`` when none. An unusable one raises ``InvalidCoordinates``, which the base
        answers once with ``utter_location_invalid`` and its Thai reason."""
        return message_point(self.message)

    @property
    def shared_point(self) -> tuple[float, float] | None:
        """The last location shared in this conversation (slots ``latitude``/``longitude``,
        checked when they were set by ``action_handle_location``)."""
        lat, lon = self.slot("latitude"), self.slot("longitude")
        try:
            return (float(lat), float(lon)) if lat is not None and lon is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def voice(self) -> bool:
        """The user asked for the spoken form (numbers, codes and amounts also as words)."""
        return voice(self.tracker)

    @property
    def sender(self) -> str:
        """The conversation's sender id (``<channel>:<user>``)."""
        return self.tracker.sender_id

    @property
    def channel(self) -> str:
        """The channel the message came on (``line``, ``fb``, ``web``; ``rest`` otherwise)."""
        return message_channel(self.tracker)

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the app database, in one transaction (committed when the block ends
        without an error). Blocking: use it inside ``in_session`` or ``asyncio.to_thread``."""
        with session_factory(settings().database_url).begin() as session:
            yield session

    async def in_session(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(session, *args)`` in one transaction, off the event loop."""
        def work() -> T:
            with self.session() as session:
                return fn(session, *args)
        return await asyncio.to_thread(work)

    def send(self, answer: Answer) -> None:
        """Send a typed answer whole (one custom payload)."""
        send(self.dispatcher, answer)

    def say(self, response: str, **values: Any) -> None:
        """Send the domain response ``response`` with ``{values}`` filled in."""
        self.dispatcher.utter_message(response=response, **values)

    def response(self, name: str, /, **values: Any) -> str:
        """The text of domain response ``name`` (to build an answer around it)."""
        return response_text(self.domain, name, **values)


class SkillAction(SafeAction):
    """An action of one skill (``skill``: the manifest's id). ``run`` sets the active-skill
    slot to it (unless ``activates`` is off: a form's bookkeeping actions), builds the
    ``Turn`` and calls ``answer``; an unusable point is answered with
    ``utter_location_invalid`` and a failure with the internal-error apology."""

    skill: ClassVar[str]
    activates: ClassVar[bool] = True

    @abc.abstractmethod
    async def answer(self, turn: Turn) -> list[dict[str, Any]]:
        """Do the action's work: reply through ``turn``, return the events (slots)."""

    def turn(self, dispatcher: CollectingDispatcher, tracker: Tracker,
             domain: dict[str, Any]) -> Turn:
        manifest = registry.get(self.skill)
        if manifest is None:
            raise LookupError(f"{type(self).__name__}: no installed skill {self.skill!r}")
        return Turn(dispatcher, tracker, domain, manifest)

    def refused(self, turn: Turn, exc: InvalidCoordinates) -> list[dict[str, Any]]:
        """The events after an unusable point was answered (the reason is already said)."""
        return []

    async def act(self, dispatcher, tracker, domain):
        turn = self.turn(dispatcher, tracker, domain)
        active = [SlotSet(ACTIVE_SKILL, self.skill)] if self.activates else []
        try:
            events = await self.answer(turn)
        except InvalidCoordinates as exc:
            turn.say("utter_location_invalid", reason=str(exc))
            events = self.refused(turn, exc)
        return [*active, *events]

"""The one pipeline every channel runs, and the base of the channel adapters.

inbound → dedupe → resolve → ask → render → deliver:

1. an adapter parses the platform's event into an ``Inbound`` (text, payload, or a sentence
   the gateway says itself) for a ``Sender``;
2. ``fresh`` drops a redelivered event (``Dedupe``);
3. ``converse`` notes the contact and maps a typed number or a pressed button to the choice
   last offered (``Contacts``), asks the engine (``EngineCall``; the outage text when it
   cannot answer), puts the user's waiting notifications in front (``Outbox``), reads it all
   as typed answers (``render.normalize``) and remembers the choices now offered; for a user
   who asked for short replies, gives them one idea per message, a few at a time
   (``prefs.ReplyPrefs``; "ต่อ", "อ่านอีกครั้ง", "ตอบสั้นๆ" and "ตอบปกติ" are answered here);
4. ``deliver`` hands the answers to the adapter's ``send`` (the platform's own rendering and
   API); notifications it carried are then marked delivered, or kept with the answers the
   platform refused (``Undelivered``) for the user's next message.

An adapter (``line``, ``messenger``, ``web``) only parses its platform's events, checks its
signature and sends its platform's messages. The notifier pushes the outbox through
``push_notification`` within each platform's rules (``can_push``).
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot.app.channels import render
from bot.app.channels.ask import EngineCall
from bot.app.channels.contacts import Contacts
from bot.app.channels.dedupe import Dedupe
from bot.app.channels.inbound import Inbound
from bot.app.channels.outbox import Outbox
from bot.app.channels.prefs import ReplyPrefs
from bot.app.channels.texts import TEXTS
from bot.app.console.handoff import BOT, CITIZEN, Handoffs, withdraws
from bot.kernel import emergency, notify, short
from bot.kernel.answer import Answer
from bot.kernel.db import session_factory
from bot.kernel.sender import Sender

log = logging.getLogger(__name__)


@dataclass
class Parts:
    """What every channel shares: one of each job, over the app database and the engine."""

    dedupe: Dedupe
    contacts: Contacts
    engine: EngineCall
    outbox: Outbox
    prefs: ReplyPrefs | None = None  # short replies; None: every user gets the usual form
    handoffs: Handoffs | None = None  # live handoff (the console); None: never paused

    @classmethod
    def over(cls, database_url: str, engine: EngineCall | None = None) -> Parts:
        factory = session_factory(database_url)
        return cls(Dedupe(factory), Contacts(factory), engine or EngineCall(), Outbox(factory),
                   ReplyPrefs(factory), Handoffs(factory))


@dataclass
class Outgoing:
    """Answers ready for a platform: the notifications it carries first (``note_ids``), then
    the engine's answer."""

    answers: list[Answer]
    note_ids: list[int] = field(default_factory=list)
    short: bool = False  # short replies: one idea per message, never joined
    paused: bool = False  # the conversation is with an operator (bot.app.console.handoff)

    def fit(self, room: int, limit: int) -> Outgoing:
        """The engine's answer in fewer, fuller messages (``render.fit``); each notification
        stays a message of its own. Short replies stay as they are."""
        if self.short:
            return self
        notes = len(self.note_ids)
        return Outgoing(self.answers[:notes] + render.fit(self.answers[notes:], room, limit),
                        self.note_ids, paused=self.paused)

    def unsent(self, indexes: Iterable[int]) -> list[Answer]:
        """The answers (not the notifications) at ``indexes``, in order."""
        notes = len(self.note_ids)
        return [self.answers[i] for i in sorted(set(indexes)) if i >= notes]


class Undelivered(Exception):
    """The platform refused part of an answer: ``reason``, and the ``answers`` not sent."""

    def __init__(self, reason: str, answers: list[Answer]) -> None:
        super().__init__(reason)
        self.reason, self.answers = reason, answers


class InOrder:
    """Background work per user, in arrival order: a user's second message is handled after
    the first has been answered, while other users are served meanwhile. The webhook can
    answer the platform at once; ``close`` waits a little for the work still running."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: dict[str, int] = {}

    def run(self, user: str, work: Coroutine[Any, Any, None], what: str) -> None:
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._queued[user] = self._queued.get(user, 0) + 1

        async def in_turn() -> None:
            try:
                async with lock:
                    await work
            except Exception:
                log.exception("%s failed", what)
            finally:
                self._queued[user] -= 1
                if not self._queued[user]:
                    del self._queued[user], self._locks[user]

        task = asyncio.create_task(in_turn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)


class Gateway(abc.ABC):
    """A channel adapter on the shared pipeline. ``channel``: its ``Sender`` channel."""

    channel: ClassVar[str]
    name: ClassVar[str]  # for logs: "LINE", "Messenger", "web chat"
    # An answer with nothing in it (a paused conversation's ordinary message) is still
    # "sent" (the web chat's HTTP response); platforms that push are not called at all.
    sends_empty: ClassVar[bool] = False

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self._work = InOrder()

    def sender(self, user: str) -> Sender:
        return Sender(self.channel, user)

    # --- lifecycle (adapters with clients of their own extend these) ----------------------

    async def start(self) -> None:
        """Open the platform's clients (the app's startup); none by default."""
        return None

    async def close(self) -> None:
        """Finish the work still running, close the clients (the app's shutdown)."""
        await self._work.close()

    # --- the pipeline --------------------------------------------------------------------

    async def fresh(self, key: str | None) -> bool:
        """False for a platform event already taken in (``key``: its id; ``None``: the
        platform gives none, so it cannot be redelivered as the same)."""
        if key is None or await self.parts.dedupe.first_time(f"{self.channel}:{key}"):
            return True
        log.info("%s redelivery dropped", self.name)
        return False

    def later(self, sender: Sender, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, after this user's earlier messages."""
        self._work.run(sender.id, work, f"{self.name} event")

    async def converse(self, sender: Sender, inbound: Inbound) -> Outgoing:
        """Step 3: the answer to ``inbound``, with the waiting notifications in front."""
        if inbound.text is not None and self.parts.prefs is not None:
            said = short.command(inbound.text)
            done = await self.reply_form(sender, said) if said else None
            if done is not None:
                return done
        if inbound.text is not None:
            message = await self.parts.contacts.resolve(sender, inbound.text)
        else:
            await self.parts.contacts.seen(sender)
            message = inbound.payload
        if inbound.say is not None:
            return await self.outgoing(sender, [{"text": inbound.say}])
        handoffs = self.parts.handoffs
        case = None if handoffs is None else \
            await asyncio.to_thread(handoffs.open_case, sender.id)
        if case is not None:
            return await self.while_paused(sender, inbound, message, case.id)
        await self.thinking(sender)
        replies = await self.parts.engine.ask(sender, message)
        if handoffs is not None:
            case = await asyncio.to_thread(handoffs.open_case, sender.id)
            if case is not None:  # this message asked for a person: the conversation pauses
                urgent = inbound.text is not None and emergency.triage(inbound.text) is not None
                said = await asyncio.to_thread(handoffs.started, case, "", urgent)
                replies = [*replies, {"text": said}]
                await asyncio.to_thread(handoffs.record, case.id,
                                        [(BOT, r.get("text") or "") for r in replies])
                out = await self.outgoing(sender, replies)
                out.paused = True
                return out
        return await self.outgoing(sender, replies)

    async def while_paused(self, sender: Sender, inbound: Inbound, message: str,
                           case_id: int) -> Outgoing:
        """An operator has the conversation: the message joins the transcript and the bot
        stays silent, except that "ยกเลิก" (``handoff.withdraws``) closes the request and the
        bot answers again, and an emergency is still answered by the engine at once (its
        hotline first) and raises the case's priority. What the operator wrote meanwhile
        (the outbox) still comes with the answer."""
        handoffs = self.parts.handoffs
        said = inbound.text if inbound.text is not None else message
        if inbound.text is not None and withdraws(inbound.text):
            await asyncio.to_thread(handoffs.record, case_id, [(CITIZEN, said)])
            return await self.outgoing(
                sender, [{"text": await asyncio.to_thread(handoffs.withdraw, case_id)}])
        urgent = inbound.text is not None and emergency.triage(inbound.text) is not None
        lines = [(CITIZEN, said)]
        replies: list[dict[str, Any]] = []
        if urgent:
            replies = await self.parts.engine.ask(sender, message)
            lines += [(BOT, r.get("text") or "") for r in replies]
        await asyncio.to_thread(handoffs.record, case_id, lines, urgent)
        out = await self.outgoing(sender, replies)
        out.paused = True
        return out

    async def reply_form(self, sender: Sender, said: str) -> Outgoing | None:
        """The gateway's own answer to "ตอบสั้นๆ", "ตอบปกติ", "ต่อ" or "อ่านอีกครั้ง";
        ``None`` when the engine should have the words ("ต่อ" with nothing left to read in
        the usual form)."""
        prefs = self.parts.prefs
        if prefs is None:
            return None
        if said in ("short", "normal"):
            await self.parts.contacts.seen(sender)
            await prefs.set_short(sender, said == "short")
            key = "short_on" if said == "short" else "short_off"
            return await self.outgoing(sender, [{"text": TEXTS[key]}])
        if not await prefs.is_short(sender):
            return None
        await self.parts.contacts.seen(sender)
        found = await (prefs.more(sender) if said == "more" else prefs.again(sender))
        if found is None:
            return Outgoing([Answer(TEXTS["short_nothing"])], short=True)
        return Outgoing(found, short=True)

    async def outgoing(self, sender: Sender, replies: list[dict[str, Any]]) -> Outgoing:
        """``replies`` (engine format) after the pending notifications, as typed answers; the
        choices they offer are remembered for a later number or button. For a user who
        asked for short replies, the engine's answers come one idea per message, the first
        few now and the rest on "ต่อ" (notifications stay whole)."""
        notes = await self.parts.outbox.claim_for(sender)
        noted = [render.complete(n.as_answer()) for n in notes]
        answers = render.normalize(replies)
        choices = render.offered_choices(noted + answers)
        buttons = render.card_choices(noted + answers)
        if choices or buttons:
            await self.parts.contacts.offer(sender, choices, buttons)
        prefs = self.parts.prefs
        if prefs is not None and await prefs.is_short(sender):
            return Outgoing(noted + await prefs.shorten(sender, answers),
                            [n.id for n in notes], short=True)
        return Outgoing(noted + answers, [n.id for n in notes])

    async def deliver(self, sender: Sender, out: Outgoing, context: Any = None) -> bool:
        """Step 4: ``send`` it. True when all of it arrived; otherwise the notifications it
        carried stay pending and the answers the platform refused join the outbox, so the
        user sees them at the next contact."""
        if not out.answers and not self.sends_empty:
            return True
        try:
            await self.send(sender, out, context)
        except Undelivered as exc:
            log.warning("%s answer not delivered: %s", self.name, exc.reason)
            await self.parts.outbox.failed(out.note_ids, exc.reason)
            await self.parts.outbox.keep(sender, exc.answers)
            return False
        await self.parts.outbox.delivered(out.note_ids)
        return True

    async def handle(self, sender: Sender, inbound: Inbound, context: Any = None) -> bool:
        """The whole pipeline after dedupe, for one message."""
        return await self.deliver(sender, await self.converse(sender, inbound), context)

    async def thinking(self, sender: Sender) -> None:
        """Show that the engine is working (LINE's loading animation, Messenger's typing);
        nothing by default."""
        return None

    @abc.abstractmethod
    async def send(self, sender: Sender, out: Outgoing, context: Any) -> None:
        """Render ``out`` for the platform and send it; ``Undelivered`` for what it refused.
        ``context``: what the adapter passed to ``handle`` (a reply token, a response box)."""

    # --- pushing (the notifier) ----------------------------------------------------------

    def can_push(self, sender: Sender, contact: Any) -> bool:
        """Whether the platform lets us write to ``sender`` first now (``contact``: its
        ``channel_contacts`` row, or None). Channels that cannot push say no."""
        return False

    async def push_notification(self, sender: Sender, note: notify.Notification) -> None:
        """Send one outbox notification; raises whatever the platform's refusal is."""
        raise NotImplementedError(f"{self.name} cannot push")

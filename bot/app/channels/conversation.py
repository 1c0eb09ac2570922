"""What every channel does with a user's message, whatever the platform.

Record the contact, map a typed number (Thai digits too) or a button payload to the choice
last offered, ask the engine, put the user's pending notifications in front of the answer,
remember the new choices, and afterwards mark the notifications delivered, or keep them for
later when the platform refused them. Database work runs in a thread (``asyncio.to_thread``).

What a user typed is only ever text. A message the gateway builds itself or maps from a
choice it offered (a typed number, a button's payload, a shared location) is a ``Payload``
and reaches the engine marked as one (``metadata.choice``); the engine disarms Rasa's
"/intent{...}" syntax in everything else. An empty or failed engine answer is an outage:
the user gets the outage text, after the hotline when the message describes danger now.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.app.channels import render
from bot.app.channels.models import ChannelContact, ChannelEvent, NotificationClaim
from bot.app.channels.texts import TEXTS
from bot.app.engine_client import EngineClient, EngineUnavailable
from bot.kernel import notify
from bot.kernel.db import session_factory, utcnow
from bot.kernel.emergency import call_text, triage
from bot.kernel.point import check_point
from bot.kernel.text import normalize, thai_digits_to_arabic

log = logging.getLogger(__name__)
T = TypeVar("T")

CHOICE = re.compile(r"^\s*([0-9\u0e50-\u0e59]{1,2})\s*[.)]?\s*$")
CLAIM_TTL = timedelta(minutes=5)  # an in-flight delivery older than this was lost with its process
EVENT_RETENTION = timedelta(days=7)  # platforms redeliver within hours; keep a week of event ids
NOTES_PER_MESSAGE = 10  # pending notifications shown with one answer; the rest with the next


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


class Payload(str):
    """A message the gateway vouches for: a choice it offered, or one it built (a location).

    Only these reach the engine as Rasa's "/intent{...}" syntax; a plain ``str`` is text.
    """


def coordinates(lat: Any, lon: Any) -> tuple[float, float]:
    """``(lat, lon)`` from a platform event (numbers only), or ``InvalidCoordinates``
    (a ``ValueError``): ``bot.kernel.point.check_point``, the one coordinate check.

    >>> coordinates(13.7, 100.5)
    (13.7, 100.5)
    """
    return check_point(lat, lon, numbers_only=True)


def location_message(lat: Any, lon: Any) -> Payload:
    """The engine message for a shared location (Rasa's intent-with-entities syntax);
    ``ValueError`` when the coordinates are not a place on Earth."""
    lat, lon = coordinates(lat, lon)
    return Payload("/share_location" + json.dumps({"latitude": lat, "longitude": lon}))


def image_message(ref: str) -> Payload:
    """The engine message for a photo kept by ``bot.app.uploads``."""
    return Payload("/share_image" + json.dumps({"image_ref": ref}))


def outage_replies(message: str) -> list[dict[str, Any]]:
    """What the user gets when the engine or the action server fails: the hotline first
    when ``message`` describes danger now, then the outage text (which names 191 and 1669).

    >>> [r["text"].split(":")[0] for r in outage_replies("ไฟไหม้ มีคนหมดสติ")][:2]
    ['โทร 199 ทันที', 'โทร 1669 ทันที']
    """
    found = None if isinstance(message, Payload) else triage(message)
    calls = [{"text": call_text(c.hotline)} for c in (found.calls if found else ())]
    return calls + [{"text": TEXTS["engine_down"]}]


class _Gone(Exception):
    """The notification was delivered meanwhile (the claim is rolled back)."""


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


@dataclass
class Outgoing:
    """An answer ready to render, and the notifications it carries."""

    replies: list[render.Reply]
    note_ids: list[int] = field(default_factory=list)


class Conversations:
    """The channel-independent half of every gateway, over the app database and the engine."""

    def __init__(self, engine: EngineClient | None, database_url: str) -> None:
        self.engine = engine  # set when the app's HTTP session exists
        self.factory = session_factory(database_url)

    # --- events and contacts -------------------------------------------------------------

    def _first_time(self, key: str) -> bool:
        try:
            with self.factory.begin() as session:
                session.add(ChannelEvent(key=key[:200]))
            return True
        except IntegrityError:
            return False

    async def first_time(self, key: str) -> bool:
        """True the first time a platform event ``key`` is seen (also across restarts)."""
        return await asyncio.to_thread(self._first_time, key)

    def _contact(self, session: Session, sender: str) -> ChannelContact:
        contact = session.get(ChannelContact, sender)
        if contact is None:
            contact = ChannelContact(sender_id=sender, choices=[], blocked=False)
            session.add(contact)
        return contact

    def _change_contact(self, sender: str, change: Callable[[ChannelContact], T]) -> T:
        """Apply ``change`` to the sender's contact row in one transaction, creating the row
        if needed. Two first messages at once both try to create it: the loser retries."""
        for attempt in range(3):
            try:
                with self.factory.begin() as session:
                    return change(self._contact(session, sender))
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _set_blocked(self, sender: str, blocked: bool) -> None:
        self._change_contact(sender, lambda contact: setattr(contact, "blocked", blocked))

    async def set_blocked(self, sender: str, blocked: bool) -> None:
        """The user blocked (LINE unfollow) or unblocked the account."""
        await asyncio.to_thread(self._set_blocked, sender, blocked)

    def contact(self, sender: str) -> ChannelContact | None:
        with self.factory() as session:
            return session.get(ChannelContact, sender)

    # --- user messages -------------------------------------------------------------------

    def _inbound(self, sender: str, text: str | None) -> str | None:
        """Record the contact; return what the engine should get for a typed ``text``."""
        def seen(contact: ChannelContact) -> list[dict[str, str]]:
            contact.last_inbound_at = utcnow()
            contact.blocked = False
            return list(contact.choices or [])

        choices = self._change_contact(sender, seen)
        if text is None:
            return None
        if any(text == c.get("payload") for c in choices):  # a button of ours, pressed
            return Payload(text)
        clean = normalize(text)  # before any check: invisible characters hide nothing
        number = CHOICE.match(clean)
        if number is not None:
            index = int(thai_digits_to_arabic(number.group(1))) - 1
            if 0 <= index < len(choices):
                return Payload(choices[index]["payload"])
        return clean or "?"

    async def inbound(self, sender: str, text: str | None = None) -> str | None:
        """Note that ``sender`` wrote; resolve a typed number or payload (``None``: nothing typed).

        After a menu whose first choice is ``{"title": "ตำรวจ", "payload": "/police_find_station"}``
        both "1" and "๑" become the ``Payload`` "/police_find_station"; anything else stays text.
        """
        return await asyncio.to_thread(self._inbound, sender, text)

    async def ask(self, sender: str, message: str, channel: str) -> Outgoing:
        """The engine's answer to ``message`` with the user's pending notifications in front.

        An engine that fails, or answers nothing (its action server is down), is an outage:
        the user gets ``outage_replies`` rather than silence.
        """
        metadata = {"channel": channel, "choice": isinstance(message, Payload)}
        try:
            replies = await self.engine.send(sender, message, metadata=metadata)
            if not any(r.get("text") or r.get("image") or r.get("custom") for r in replies
                       if isinstance(r, dict)):
                raise EngineUnavailable("the engine answered nothing")
        except EngineUnavailable as exc:
            log.warning("engine unavailable for a %s message: %s", channel, exc)
            replies = outage_replies(message)
        return await self.outgoing(sender, replies)

    async def outgoing(self, sender: str, replies: list[dict[str, Any]]) -> Outgoing:
        """``replies`` (engine format) after the pending notifications; choices remembered."""
        notes = await asyncio.to_thread(self._claim_for, sender)
        out = Outgoing(render.normalize([n.as_message() for n in notes] + replies),
                       [n.id for n in notes])
        choices = render.offered_choices(out.replies)
        if choices:
            await asyncio.to_thread(self._remember, sender, choices)
        return out

    def _remember(self, sender: str, choices: list[dict[str, str]]) -> None:
        self._change_contact(sender, lambda contact: setattr(contact, "choices", choices))

    # --- notifications -------------------------------------------------------------------

    def _take(self, note_id: int, *, now: datetime, honour_retry: bool) -> bool:
        """Claim one notification for delivery; False if another delivery holds it."""
        try:
            with self.factory.begin() as session:
                claim = session.get(NotificationClaim, note_id)
                if claim is None:
                    session.add(NotificationClaim(notification_id=note_id, claimed_at=now))
                    session.flush()  # a concurrent claim fails here
                    # delivered by another process since our list was read?
                    status = session.scalar(select(notify.Notification.status).where(
                        notify.Notification.id == note_id))
                    if status != notify.PENDING:
                        raise _Gone
                    return True
                retry_after = _aware(claim.retry_after)
                if retry_after is None:  # in flight
                    if now - _aware(claim.claimed_at) < CLAIM_TTL:
                        return False
                elif honour_retry and retry_after > now:
                    return False
                taken = session.execute(
                    update(NotificationClaim)
                    .where(NotificationClaim.notification_id == note_id,
                           NotificationClaim.claimed_at == claim.claimed_at)
                    .values(claimed_at=now, retry_after=None)).rowcount
                return taken == 1
        except (IntegrityError, _Gone):
            return False

    def _claim_for(self, sender: str) -> list[notify.Notification]:
        """The user is here: take their pending notifications, even those waiting for a retry."""
        with self.factory() as session:
            notes = notify.pending(session, sender, limit=NOTES_PER_MESSAGE)
        now = utcnow()
        return [n for n in notes if self._take(n.id, now=now, honour_retry=False)]

    def pending_on(self, prefixes: list[str], limit: int = 200) -> list[notify.Notification]:
        """Pending notifications of users on the given channels (``line``, ``fb``), oldest first."""
        if not prefixes:
            return []
        sender = notify.Notification.sender_id
        with self.factory() as session:
            return list(session.scalars(
                select(notify.Notification)
                .where(notify.Notification.status == notify.PENDING,
                       or_(*(sender.startswith(f"{p}:") for p in prefixes)))
                .order_by(notify.Notification.id).limit(limit)))

    def take(self, note_id: int) -> bool:
        """Claim one notification for a push, unless held or waiting for its retry time."""
        return self._take(note_id, now=utcnow(), honour_retry=True)

    def _delivered(self, ids: list[int]) -> None:
        with self.factory.begin() as session:
            notify.mark_delivered(session, ids)
            session.execute(delete(NotificationClaim)
                            .where(NotificationClaim.notification_id.in_(ids)))

    async def delivered(self, ids: list[int]) -> None:
        if ids:
            await asyncio.to_thread(self._delivered, ids)

    def _failed(self, ids: list[int], error: str, retry_in: timedelta) -> None:
        with self.factory.begin() as session:
            for note_id in ids:
                notify.mark_failed(session, note_id, error)
            session.execute(update(NotificationClaim)
                            .where(NotificationClaim.notification_id.in_(ids))
                            .values(retry_after=utcnow() + retry_in))

    async def failed(self, ids: list[int], error: str,
                     retry_in: timedelta = timedelta(minutes=1)) -> None:
        """The platform refused: keep the notifications pending, retry after ``retry_in``."""
        if ids:
            await asyncio.to_thread(self._failed, ids, error, retry_in)

    def _keep(self, sender: str, replies: list[render.Reply]) -> None:
        with self.factory.begin() as session:
            for reply in replies:
                for part in render.split_text(reply.text, notify.MAX_TEXT):
                    notify.enqueue(session, sender, part, kind="channel.undelivered",
                                   buttons=reply.choices, image_url=reply.image)

    async def keep_undelivered(self, sender: str, replies: list[render.Reply]) -> None:
        """Answers the platform refused go to the outbox, to be shown at the next contact."""
        if replies:
            await asyncio.to_thread(self._keep, sender, replies)

    def forget_old_events(self) -> int:
        """Drop redelivery records older than ``EVENT_RETENTION``."""
        with self.factory.begin() as session:
            return session.execute(delete(ChannelEvent).where(
                ChannelEvent.received_at < utcnow() - EVENT_RETENTION)).rowcount

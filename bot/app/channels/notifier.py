"""The notifier: pushes the ``bot.kernel.notify`` outbox to users on the channel they came from.

Every few seconds it takes the pending notifications (claimed, so two app processes or a
push and the user's own next message never send one twice) and pushes each on its channel
within that channel's rules: LINE unless the user blocked the account, stopping for the round
when LINE answers 429 (push quota or rate limit); Messenger only inside the 24-hour window.
A refused push stays pending, is retried later with a growing delay, and is shown anyway at
the user's next message on that channel, the web chat included (web chat users cannot be
pushed to, so theirs always wait for that). Nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from bot.app import retention
from bot.app.channels.conversation import Conversations
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
HOUSEKEEPING_ROUNDS = 1800  # about once an hour: forget old redelivery records
RETENTION_RETRY_ROUNDS = 30  # a locked tracker database: try again in about a minute


class Pusher(Protocol):
    prefix: str

    def can_push(self, sender: str, contact: Any) -> bool: ...

    async def push_notification(self, sender: str, note: Any) -> None: ...


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first refusal, doubling, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts)))


class Notifier:
    """Delivers pending notifications through the channels that can push."""

    def __init__(self, conversations: Conversations, pushers: list[Pusher],
                 settings: Settings | None = None) -> None:
        self.conversations = conversations
        # Housekeeping reads the tracker retention from here (from the environment if None).
        self.settings = settings
        self._retention_retry = -1
        self.pushers = {p.prefix: p for p in pushers}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Run a round now instead of waiting for the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """One round; returns how many notifications were delivered."""
        if not self.pushers:
            return 0
        notes = await asyncio.to_thread(self.conversations.pending_on, list(self.pushers))
        delivered, stopped, checked = 0, set(), set()
        for note in notes:
            prefix = note.sender_id.split(":", 1)[0]
            pusher = self.pushers[prefix]
            if prefix not in checked:  # the channel's own limits first (LINE's monthly quota)
                checked.add(prefix)
                room = getattr(pusher, "quota_left", None)
                if room is not None and not await room():
                    stopped.add(prefix)
            if prefix in stopped:
                continue
            contact = await asyncio.to_thread(self.conversations.contact, note.sender_id)
            if not pusher.can_push(note.sender_id, contact):
                continue  # waits for the user's next message
            if not await asyncio.to_thread(self.conversations.take, note.id):
                continue
            try:
                await pusher.push_notification(note.sender_id, note)
            except Exception as exc:  # the platform's refusal, whatever its kind
                log.warning("notification %s (%s) not pushed: %s", note.id, note.kind, exc)
                await self.conversations.failed([note.id], str(exc), retry_delay(note.attempts))
                if getattr(exc, "stop", False):
                    stopped.add(prefix)
                continue
            await self.conversations.delivered([note.id])
            delivered += 1
        return delivered

    async def run(self) -> None:
        """Poll until cancelled; a failing round is logged and the next one runs anyway."""
        rounds = 0
        while True:
            try:
                await self.run_once()
                if rounds % HOUSEKEEPING_ROUNDS == 0:
                    await asyncio.to_thread(self.conversations.forget_old_events)
            except Exception:
                log.exception("notifier round failed")
            if rounds % HOUSEKEEPING_ROUNDS == 0 or rounds == self._retention_retry:
                # Old conversation events in the engine's tracker store; a locked database
                # (None) is tried again in about a minute.
                try:
                    if await asyncio.to_thread(retention.purge_configured, self.settings) is None:
                        self._retention_retry = rounds + RETENTION_RETRY_ROUNDS
                except Exception:
                    log.exception("tracker retention failed")
            rounds += 1
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()

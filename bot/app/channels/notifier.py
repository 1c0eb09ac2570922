"""The notifier: pushes the ``bot.kernel.notify`` outbox to users on the channel they came from.

Every few seconds it takes the pending notifications (claimed, so two app processes or a
push and the user's own next message never send one twice) and pushes each through its
channel's gateway within that channel's rules: LINE unless the user blocked the account,
stopping for the round when LINE answers 429 (push quota or rate limit); Messenger only inside
the 24-hour window. A refused push stays pending, is retried later with a growing delay, and
is shown anyway at the user's next message on that channel, the web chat included (web chat
users cannot be pushed to, so theirs always wait for that). Nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.app.channels.gateway import Gateway, Parts
from bot.kernel.sender import Sender

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first refusal, doubling, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts)))


class Notifier:
    """Delivers pending notifications through the gateways that can push (LINE, Messenger)."""

    def __init__(self, parts: Parts, gateways: Sequence[Gateway]) -> None:
        self.parts = parts
        self.pushers = {g.channel: g for g in gateways}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Run a round now instead of waiting for the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """One round; returns how many notifications were delivered."""
        if not self.pushers:
            return 0
        outbox = self.parts.outbox
        notes = await asyncio.to_thread(outbox.pending_on, list(self.pushers))
        delivered, stopped, checked = 0, set(), set()
        for note in notes:
            try:
                sender = Sender.parse(note.sender_id)
            except ValueError:  # "line:" with no user: no one to push to
                continue
            pusher = self.pushers[sender.channel]
            if sender.channel not in checked:  # the channel's own limits first (LINE's quota)
                checked.add(sender.channel)
                room = getattr(pusher, "quota_left", None)
                if room is not None and not await room():
                    stopped.add(sender.channel)
            if sender.channel in stopped:
                continue
            contact = await asyncio.to_thread(self.parts.contacts.get, sender)
            if not pusher.can_push(sender, contact):
                continue  # waits for the user's next message
            if not await asyncio.to_thread(outbox.take, note.id):
                continue
            try:
                await pusher.push_notification(sender, note)
            except Exception as exc:  # the platform's refusal, whatever its kind
                log.warning("notification %s (%s) not pushed: %s", note.id, note.kind, exc)
                await outbox.failed([note.id], str(exc), retry_delay(note.attempts))
                if getattr(exc, "stop", False):
                    stopped.add(sender.channel)
                continue
            await outbox.delivered([note.id])
            choices = note.as_answer().choices
            if choices:  # its buttons, or their numbers, pick from these now
                await self.parts.contacts.offer(sender, choices)
            delivered += 1
        return delivered

    async def run(self) -> None:
        """Poll until cancelled; a failing round is logged and the next one runs anyway."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("notifier round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()

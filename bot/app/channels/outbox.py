"""The channels' side of the outbox (``bot.kernel.notify``): claims, delivery, what waits.

Each notification is claimed (``notification_claims``) before it is sent, so two app
processes, or a push and the user's own next message, never deliver it twice. A claim older
than ``CLAIM_TTL`` was lost with its process and may be taken over; a refused push leaves its
claim with a ``retry_after`` time. An answer a platform refused joins the outbox itself
(``keep``), to be shown at the user's next message: nothing is lost.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.channels import render
from bot.app.channels.models import NotificationClaim
from bot.kernel import notify
from bot.kernel.answer import Answer
from bot.kernel.db import utcnow
from bot.kernel.sender import Sender

CLAIM_TTL = timedelta(minutes=5)  # an in-flight delivery older than this was lost with its process
PER_ANSWER = 10  # pending notifications shown with one answer; the rest with the next
UNDELIVERED = "channel.undelivered"  # the kind of an answer kept because the platform refused it


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


class _Gone(Exception):
    """The notification was delivered meanwhile (the claim is rolled back)."""


def pieces(answer: Answer, limit: int = notify.MAX_TEXT) -> list[Answer]:
    """``answer`` in outbox-sized parts: the image with the first, the rest with the last.

    >>> [len(p.text) for p in pieces(Answer("ก" * 7), limit=5)]
    [5, 2]
    """
    texts = render.split_text(answer.text, limit)
    if len(texts) <= 1:
        return [answer]
    first = Answer(texts[0], image=answer.image)
    middle = [Answer(t) for t in texts[1:-1]]
    last = dataclasses.replace(answer, text=texts[-1], image=None)
    return [first, *middle, last]


class Outbox:
    """Claims on pending notifications, and their delivery or failure."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

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
                retry_after = aware(claim.retry_after)
                if retry_after is None:  # in flight
                    if now - aware(claim.claimed_at) < CLAIM_TTL:
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

    def take(self, note_id: int) -> bool:
        """Claim one notification for a push, unless held or waiting for its retry time."""
        return self._take(note_id, now=utcnow(), honour_retry=True)

    def _claim_for(self, sender: Sender) -> list[notify.Notification]:
        with self.factory() as session:
            notes = notify.pending(session, sender.id, limit=PER_ANSWER)
        now = utcnow()
        return [n for n in notes if self._take(n.id, now=now, honour_retry=False)]

    async def claim_for(self, sender: Sender) -> list[notify.Notification]:
        """The user is here: take their pending notifications, even those waiting for a
        retry, to show in front of the answer."""
        return await asyncio.to_thread(self._claim_for, sender)

    def pending_on(self, channels: Sequence[str], limit: int = 200) -> list[notify.Notification]:
        """Pending notifications of users on the given channels (``line``, ``fb``), oldest first."""
        if not channels:
            return []
        sender = notify.Notification.sender_id
        with self.factory() as session:
            return list(session.scalars(
                select(notify.Notification)
                .where(notify.Notification.status == notify.PENDING,
                       or_(*(sender.startswith(f"{c}:") for c in channels)))  # Sender.id
                .order_by(notify.Notification.id).limit(limit)))

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

    def _keep(self, sender: Sender, answers: list[Answer]) -> None:
        with self.factory.begin() as session:
            for answer in answers:
                for piece in pieces(answer):
                    notify.enqueue(session, sender.id, piece, kind=UNDELIVERED)

    async def keep(self, sender: Sender, answers: list[Answer]) -> None:
        """Answers the platform refused go to the outbox, to be shown at the next contact."""
        if answers:
            await asyncio.to_thread(self._keep, sender, answers)

"""Redelivered platform events taken once, also across restarts and app processes.

LINE and Messenger deliver an event again when our answer to the webhook was slow or lost.
Each event's id (LINE ``webhookEventId``, Messenger ``mid``) is stored in ``channel_events``:
the first insert wins, a second one fails on the primary key. Ids older than ``RETENTION``
are forgotten by the app's housekeeping (platforms redeliver within hours).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.channels.models import ChannelEvent
from bot.kernel.db import utcnow

RETENTION = timedelta(days=7)


class Dedupe:
    """Which platform events were already taken in."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def _first_time(self, key: str) -> bool:
        try:
            with self.factory.begin() as session:
                session.add(ChannelEvent(key=key[:200]))
            return True
        except IntegrityError:
            return False

    async def first_time(self, key: str) -> bool:
        """True the first time the event ``key`` (``line:<webhookEventId>``, ``fb:<mid>``) is
        seen; False for every redelivery, whichever process got the first."""
        return await asyncio.to_thread(self._first_time, key)

    def forget_old(self) -> int:
        """Drop the records older than ``RETENTION``; how many went."""
        with self.factory.begin() as session:
            return session.execute(delete(ChannelEvent).where(
                ChannelEvent.received_at < utcnow() - RETENTION)).rowcount

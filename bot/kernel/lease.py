"""Work that must run once per deployment, not once per web app: a lease in the app database.

Every web app runs the same background loops; some of them must run in one process at a
time (a simulator, an MQTT subscriber that stores what it hears, a periodic check that tells
citizens something). ``only_one`` runs such loops in the process that holds the named lease
(a row in ``leases``), renews it every third of its time to live, and stops them if the lease
is lost; when the holder stops or dies, another web app takes the lease over within ``ttl``
seconds. With one web app (SQLite, ``make run``) that web app always holds it::

    await only_one(factory, "forest", lambda: [offline_loop(), demo()])   # until cancelled

The web apps' clocks are compared (the holder writes when its lease ends): keep the
machines on NTP; a skew much smaller than ``ttl`` is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.kernel.db import UNAVAILABLE, Base, utcnow

log = logging.getLogger(__name__)
TTL = 30.0  # seconds a lease lasts without being renewed


class LeaseRow(Base):
    """Who runs the named work now, and until when unless renewed."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Lease:
    """One process's claim on the lease ``name``."""

    def __init__(self, factory: sessionmaker[Session], name: str, ttl: float = TTL) -> None:
        self.factory, self.name, self.ttl = factory, name, ttl
        self.holder = f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(4)}"

    def hold(self) -> bool:
        """Take or renew the lease; False while another process holds it."""
        now = utcnow()
        until = now + timedelta(seconds=self.ttl)
        with self.factory.begin() as session:
            if session.execute(update(LeaseRow).where(
                    LeaseRow.name == self.name,
                    or_(LeaseRow.holder == self.holder, LeaseRow.expires_at < now))
                    .values(holder=self.holder, expires_at=until)).rowcount:
                return True
        try:
            with self.factory.begin() as session:
                session.add(LeaseRow(name=self.name, holder=self.holder, expires_at=until))
        except IntegrityError:  # another process holds it (or took it just now)
            return False
        return True

    def release(self) -> None:
        with self.factory.begin() as session:
            session.execute(delete(LeaseRow).where(LeaseRow.name == self.name,
                                                   LeaseRow.holder == self.holder))


async def only_one(factory: sessionmaker[Session], name: str,
                   loops: Callable[[], list[Coroutine[Any, Any, None]]],
                   ttl: float = TTL) -> None:
    """Run ``loops()`` while this process holds the lease ``name``; until cancelled.

    While the database does not answer, what runs keeps running (no other process can take
    the lease meanwhile: the lease is in that database)."""
    lease = Lease(factory, name, ttl)
    tasks: list[asyncio.Task] = []
    try:
        while True:
            try:
                held = await asyncio.to_thread(lease.hold)
            except UNAVAILABLE as exc:
                log.warning("lease %s not renewed: the database does not answer (%s)", name,
                            type(exc).__name__)
                held = bool(tasks)
            if held and not tasks:
                log.info("running %s in this web app", name)
                tasks = [asyncio.create_task(loop) for loop in loops()]
            elif not held and tasks:
                log.info("%s runs in another web app now", name)
                await _cancel(tasks)
                tasks = []
            await asyncio.sleep(ttl / 3)
    finally:
        await _cancel(tasks)
        with contextlib.suppress(*UNAVAILABLE):
            await asyncio.to_thread(lease.release)


async def _cancel(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

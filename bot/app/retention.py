"""Tracker retention: conversation events older than a limit are deleted from Rasa's tracker store.

Rasa's SQL tracker store (``endpoints.yml``) keeps every event of every conversation, the
citizens' messages verbatim, forever. The web app's ``Housekeeping`` calls
:func:`purge_configured` once an hour (and forgets the channels' old redelivery records); it
deletes rows of Rasa's ``events`` table (float ``timestamp``, seconds since the epoch) older
than ``TRACKER_RETENTION_DAYS`` (default 30; 0 keeps everything). A tracker database that does not exist yet is left alone (not
created); a locked one is retried later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bot.kernel.settings import ROOT, Settings

log = logging.getLogger(__name__)

BATCH = 5000  # rows per transaction, so the engine never waits long for the write lock
BUSY_TIMEOUT = 2.0  # seconds to wait for an SQLite lock before trying again later


def tracker_url(settings: Settings, endpoints: Path = ROOT / "endpoints.yml") -> str | sa.URL:
    """The SQLAlchemy URL of the tracker store the engine uses.

    ``TRACKER_URL`` when set (the engine reads the same: ``url`` in ``endpoints.yml``).
    SQLite: the file named by ``TRACKER_DB`` (relative to the project, where the engine runs).
    Other dialects: host, port and credentials from ``tracker_store`` in ``endpoints.yml``
    with ``${VAR}`` taken from the environment, as Rasa reads them.
    """
    if settings.tracker_url:
        url = sa.make_url(settings.tracker_url)
        if url.get_backend_name() == "postgresql":  # the engine's driver is psycopg2, ours 3
            url = url.set(drivername="postgresql+psycopg")
        return url
    if settings.tracker_dialect == "sqlite":
        path = Path(settings.tracker_db)
        return f"sqlite:///{path if path.is_absolute() else ROOT / path}"
    import yaml

    store = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}

    def value(key: str) -> str | None:
        raw = store.get(key)
        if raw is None:
            return None
        return re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m[1], ""), str(raw)) or None

    host = value("host")
    if host and "://" in host:
        return host
    port = value("port")
    return sa.URL.create(settings.tracker_dialect, username=value("username"),
                         password=value("password"), host=host,
                         port=int(port) if port else None,
                         database=value("db") or settings.tracker_db)


def purge_events(url: str | sa.URL, days: float, now: float | None = None,
                 busy_timeout: float = BUSY_TIMEOUT) -> int | None:
    """Delete tracker events older than ``days`` before ``now`` (epoch seconds).

    Returns how many were deleted, 0 when there is no tracker database or table yet, and
    ``None`` when the database is locked (the caller tries again later).
    """
    if days <= 0:
        return 0
    url = sa.make_url(url)
    connect_args = {}
    if url.get_backend_name() == "sqlite":
        if not url.database or not Path(url.database).exists():
            return 0  # the engine has not created it yet; connecting would create an empty file
        connect_args = {"timeout": busy_timeout}
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    deleted = 0
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        events = sa.table("events", sa.column("id"), sa.column("timestamp"))
        while True:
            with engine.begin() as conn:
                old = sa.select(events.c.id).where(events.c.timestamp < cutoff).limit(BATCH)
                ids = [row[0] for row in conn.execute(old)]
                if not ids:
                    return deleted
                conn.execute(sa.delete(events).where(events.c.id.in_(ids)))
                deleted += len(ids)
    except sa.exc.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            log.info("tracker database busy: %d old events deleted so far, trying again later",
                     deleted)
            return None
        raise
    finally:
        engine.dispose()


def purge_configured(settings: Settings | None = None, now: float | None = None) -> int | None:
    """Apply the configured retention to the engine's tracker store and log the count."""
    settings = Settings.from_env() if settings is None else settings
    days = settings.tracker_retention_days
    deleted = purge_events(tracker_url(settings), days, now=now)
    if deleted:
        log.info("tracker retention: deleted %d conversation events older than %d days",
                 deleted, days)
    return deleted


class Housekeeping:
    """The web app's hourly chores: ``forget`` (old redelivery records, ``dedupe.forget_old``;
    stale texts kept for short replies, ``ReplyPrefs.forget_old``; each on its own, a failing
    one is logged and the rest still run) and deleting old tracker events; a locked tracker
    database is tried again in a minute."""

    EVERY = 3600.0  # seconds
    RETRY = 60.0

    def __init__(self, forget: Sequence[Callable[[], object]],
                 settings: Settings | None = None) -> None:
        self.forget = list(forget)
        self.settings = settings  # None: read from the environment each time

    async def run_once(self) -> bool:
        """One round; False when the tracker database was busy (try again soon)."""
        for chore in self.forget:
            try:
                await asyncio.to_thread(chore)
            except Exception:
                log.exception("housekeeping: %s failed", getattr(chore, "__qualname__", chore))
        try:
            return await asyncio.to_thread(purge_configured, self.settings) is not None
        except Exception:
            log.exception("tracker retention failed")
            return True

    async def run(self) -> None:
        """Every hour until cancelled."""
        while True:
            done = await self.run_once()
            await asyncio.sleep(self.EVERY if done else self.RETRY)

"""What the web apps of one deployment share through Redis, besides Rasa's lock store: the
web chat's per-client rate limits and the wake-ups of the live streams.

The switch is the lock store's: with ``LOCK_STORE=redis`` (the production profile) every web
app uses that Redis (``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_PASSWORD``, ``REDIS_LOCK_DB``;
keys and the channel under ``LOCK_KEY_PREFIX``). Without it (``make run``: one web app) the
limits and the wake-ups stay in the process, as they were::

    shared = connect(settings)                     # None without LOCK_STORE=redis
    limit = rate_limit(shared, "chat", 60, 30)     # RateLimit or SharedRateLimit
    task = asyncio.create_task(Relay(shared, hub).run())
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from bot.app.console.handoff import Hub
from bot.kernel.ratelimit import RateLimit, SharedRateLimit
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0  # between attempts to subscribe again after Redis went away
TIMEOUT = 1.0  # seconds a command may take: a Redis that stops answering is soon noticed


@dataclass
class Shared:
    """One web app's Redis client and the deployment's key prefix."""

    client: Any  # redis.asyncio.Redis
    prefix: str

    async def close(self) -> None:
        await self.client.aclose()


def connect(settings: Settings) -> Shared | None:
    """A client for the deployment's Redis, or None when the web apps share nothing there.
    Nothing is sent until first use: a Redis that is down does not stop the web app."""
    if not settings.redis_url:
        return None
    import redis.asyncio as redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    client = redis.Redis.from_url(settings.redis_url, socket_timeout=TIMEOUT,
                                  socket_connect_timeout=TIMEOUT,
                                  retry=Retry(NoBackoff(), 1), health_check_interval=30)
    return Shared(client, settings.redis_prefix)


def rate_limit(shared: Shared | None, name: str, per_minute: float,
               burst: int) -> RateLimit | SharedRateLimit:
    """The limit named ``name``: one budget per client across every web app when shared."""
    if shared is None:
        return RateLimit(per_minute, burst)
    return SharedRateLimit(shared.client, f"{shared.prefix}:rate:{name}", per_minute, burst)


class Relay:
    """Carries a hub's pokes to the hubs of every other web app (Redis pub/sub), so that an
    operator's reply made on one web app wakes the citizen's stream held by another.

    A poke is still delivered in its own process at once (``Hub.poke``); the relay publishes
    it and wakes this process's listeners with what the others published. While Redis is
    away a poke reaches only its own process: the web chat's stream still reads the outbox
    every few seconds, so a reply is late, never lost."""

    def __init__(self, shared: Shared, hub: Hub) -> None:
        self.client, self.hub = shared.client, hub
        self.channel = f"{shared.prefix}:hub"
        self.origin = secrets.token_hex(8)  # our own pokes come back: skipped
        self._queue: asyncio.Queue[tuple[str, ...]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    def send(self, keys: tuple[str, ...]) -> None:
        """``Hub.relay``: called from any thread."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing: nothing to tell
                self._loop.call_soon_threadsafe(self._queue.put_nowait, keys)

    async def run(self) -> None:
        """Publish and subscribe until cancelled."""
        self._loop = asyncio.get_running_loop()
        self.hub.relay = self.send
        try:
            await asyncio.gather(self._publish(), self._subscribe())
        finally:
            self.hub.relay = None

    async def _publish(self) -> None:
        from redis.exceptions import RedisError

        while True:
            keys = set(await self._queue.get())
            while not self._queue.empty():  # a burst of pokes goes as one message
                keys.update(self._queue.get_nowait())
            note = json.dumps({"from": self.origin, "keys": sorted(keys)})
            try:
                await self.client.publish(self.channel, note)
            except (RedisError, OSError) as exc:
                log.warning("live-stream wake-up not shared (Redis: %s)", type(exc).__name__)

    async def _subscribe(self) -> None:
        from redis.exceptions import RedisError

        failing = False
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    if failing:
                        log.info("live-stream wake-ups shared again")
                        failing = False
                    async for message in pubsub.listen():
                        self._deliver(message.get("data"))
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("live-stream wake-ups from other web apps stopped (Redis: %s); "
                                "subscribing again every %.0f s", type(exc).__name__,
                                RETRY_SECONDS)
                failing = True
            await asyncio.sleep(RETRY_SECONDS)

    def _deliver(self, data: Any) -> None:
        try:
            note = json.loads(data)
        except (TypeError, ValueError):
            return
        if isinstance(note, dict) and note.get("from") != self.origin:
            self.hub.wake(*(k for k in note.get("keys", ()) if isinstance(k, str)))

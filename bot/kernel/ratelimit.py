"""Per-client rate limits (token buckets), for public APIs that must not be scraped or flooded.

>>> limits = RateLimit(per_minute=2, burst=2)
>>> [limits.retry_after("198.51.100.7", now=0.0) for _ in range(3)]
[None, None, 30.0]
>>> limits.retry_after("198.51.100.7", now=30.0) is None
True

One bucket per client key (an address, a sender id): ``burst`` requests at once, then
``per_minute`` on average. Buckets of quiet clients are dropped, so memory stays bounded
by the number of clients active within the last few minutes. In-process: with several
app processes each has its own buckets; ``SharedRateLimit`` keeps the same buckets in Redis,
so that K web apps behind a load balancer give a client one budget, not K.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

PRUNE_EVERY = 1024  # calls between sweeps of idle buckets


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimit:
    """``retry_after(key)`` is ``None`` when the request may go ahead, else seconds to wait."""

    def __init__(self, per_minute: float, burst: int) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._calls = 0
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float | None = None) -> float | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._calls += 1
            if self._calls % PRUNE_EVERY == 0:
                self._prune(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return round((1.0 - bucket.tokens) / self.rate, 1)

    async def check(self, key: str) -> float | None:
        """``retry_after`` for callers that may also be given a ``SharedRateLimit``."""
        return self.retry_after(key)

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate  # an idle bucket is full again after this
        for key in [k for k, b in self._buckets.items() if now - b.at > full_after]:
            del self._buckets[key]


# KEYS[1]: one client's bucket; ARGV: tokens per second, burst. Redis's clock (TIME), so web
# apps on machines whose clocks differ agree; the bucket expires once it would be full again.
# Returns the seconds to wait ("0": go ahead) as a string (Lua numbers become integers).
BUCKET_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = math.min(burst, (tonumber(held[1]) or burst)
                        + math.max(0, now - (tonumber(held[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class SharedRateLimit:
    """``RateLimit``'s buckets in Redis, one per client key, shared by every process that
    names the same ``prefix``: ``await check(key)``. One atomic script call per request; the
    key is hashed (no address is stored). When Redis does not answer, this process's own
    buckets decide, so a Redis restart neither blocks requests nor lets floods through.

    ``client``: a ``redis.asyncio.Redis`` (``bot.app.shared`` makes it)."""

    def __init__(self, client: Any, prefix: str, per_minute: float, burst: int) -> None:
        self.local = RateLimit(per_minute, burst)
        self.prefix = prefix
        self._script = client.register_script(BUCKET_SCRIPT)
        self._failing = False

    async def check(self, key: str) -> float | None:
        from redis.exceptions import RedisError

        bucket = f"{self.prefix}:{hashlib.blake2s(key.encode(), digest_size=12).hexdigest()}"
        try:
            wait = float(await self._script(keys=[bucket],
                                            args=[self.local.rate, self.local.burst]))
        except (RedisError, OSError) as exc:
            if not self._failing:
                log.warning("shared rate limit unavailable (%s): counting in this process "
                            "until Redis answers", type(exc).__name__)
            self._failing = True
            return self.local.retry_after(key)
        if self._failing:
            log.info("shared rate limit back in Redis")
            self._failing = False
        return round(wait, 1) if wait > 0 else None


# The web app's maker of named limits (``bot.app.shared.rate_limit``: shared in Redis in the
# production profile); a skill's web module asks ``limit_for`` rather than making its own.
LIMITS = web.AppKey("rate_limits", Callable[[str, float, int], Any])


def limit_for(app: web.Application, name: str, per_minute: float,
              burst: int) -> RateLimit | SharedRateLimit:
    """The limit ``name`` of this web app: one budget per client across the deployment's web
    apps when they share Redis, this process's own buckets otherwise."""
    make = app.get(LIMITS)
    return make(name, per_minute, burst) if make is not None else RateLimit(per_minute, burst)


def client_key(remote: str | None, forwarded_for: str | None, trust_proxy: bool) -> str:
    """Who is asking: the peer address, or, behind a trusted proxy (``TRUST_PROXY=1``), the
    address the proxy saw (the last ``X-Forwarded-For`` entry, the one the proxy added).

    >>> client_key("127.0.0.1", "203.0.113.9, 198.51.100.2", trust_proxy=True)
    '198.51.100.2'
    >>> client_key("127.0.0.1", "203.0.113.9", trust_proxy=False)
    '127.0.0.1'
    """
    if trust_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last[:64]
    return remote or "unknown"

"""Per-client rate limits (token buckets), for public APIs that must not be scraped or flooded.

>>> limits = RateLimit(per_minute=2, burst=2)
>>> [limits.retry_after("198.51.100.7", now=0.0) for _ in range(3)]
[None, None, 30.0]
>>> limits.retry_after("198.51.100.7", now=30.0) is None
True

One bucket per client key (an address, a sender id): ``burst`` requests at once, then
``per_minute`` on average. Buckets of quiet clients are dropped, so memory stays bounded
by the number of clients active within the last few minutes. In-process: with several
app processes each has its own buckets (a shared store is the scale-out's business).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

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

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate  # an idle bucket is full again after this
        for key in [k for k, b in self._buckets.items() if now - b.at > full_after]:
            del self._buckets[key]


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

"""Client for the Rasa engine: its token-protected REST channel, on one engine or several.

One ``aiohttp.ClientSession`` per app, timeouts on every call, and library errors turned
into ``EngineUnavailable`` so gateways can answer the user instead of failing.

Several engines (``ENGINE_URL`` with comma-separated URLs, all sharing one tracker store and
a Redis lock store, see ``endpoints.yml``) take the messages in turn. An engine that cannot be
connected to has not seen the message, so the next one is tried; an engine that took the
message and then failed or timed out is not asked again by another (that could answer one
message twice): the caller answers with the outage text instead.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class EngineUnavailable(RuntimeError):
    """The engine did not answer, or answered with an error."""


def engine_urls(value: str) -> list[str]:
    """The engines' base URLs in ``ENGINE_URL`` (one, or several separated by commas)."""
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


class EngineClient:
    """Talks to the engine(s) at ``base_url`` (comma-separated for several) with ``token``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str,
                 timeout: float = 20.0) -> None:
        self._session = session
        self._bases = engine_urls(base_url)
        if not self._bases:
            raise ValueError("no engine URL")
        self._turn = itertools.count()
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, sender: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one user message; return the bot's replies in Rasa's REST format."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        headers = {"Authorization": f"Bearer {self._token}"}
        first = next(self._turn) % len(self._bases)
        order = self._bases[first:] + self._bases[:first]
        for number, base in enumerate(order, 1):
            try:
                async with self._session.post(f"{base}/webhooks/rest/webhook", json=body,
                                              headers=headers, timeout=self._timeout) as resp:
                    if resp.status != 200:
                        raise EngineUnavailable(f"engine answered HTTP {resp.status}")
                    replies = await resp.json()
            except aiohttp.ClientConnectorError as exc:
                if number < len(order):  # never reached it: the next engine may take it
                    log.warning("engine %s cannot be reached (%s); trying the next", base,
                                type(exc).__name__)
                    continue
                raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
            if not isinstance(replies, list):
                raise EngineUnavailable("engine reply is not a list")
            return replies
        raise EngineUnavailable("no engine")  # not reached: order is never empty

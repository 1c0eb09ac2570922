"""Client for the Rasa engine on loopback: its token-protected REST channel.

One ``aiohttp.ClientSession`` per app, timeouts on every call, and library errors turned
into ``EngineUnavailable`` so gateways can answer the user instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class EngineUnavailable(RuntimeError):
    """The engine did not answer, or answered with an error."""


class EngineClient:
    """Talks to the engine at ``base_url`` with ``token``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str,
                 timeout: float = 20.0) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, sender: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one user message; return the bot's replies in Rasa's REST format."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._session.post(f"{self._base}/webhooks/rest/webhook", json=body,
                                          headers=headers, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise EngineUnavailable(f"engine answered HTTP {resp.status}")
                replies = await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
        if not isinstance(replies, list):
            raise EngineUnavailable("engine reply is not a list")
        return replies

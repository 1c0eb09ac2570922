"""Client for the Rasa engine on loopback: the token-protected REST channel and HTTP API.

One ``aiohttp.ClientSession`` per app, timeouts on every call, and library errors turned
into ``EngineUnavailable`` so gateways can answer the user instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

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

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (slots, events) from the engine's HTTP API."""
        url = f"{self._base}/conversations/{quote(sender, safe='')}/tracker"
        try:
            async with self._session.get(url, params={"token": self._token},
                                         timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise EngineUnavailable(f"engine answered HTTP {resp.status}")
                return await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__) from exc

    async def last_buttons(self, sender: str) -> list[dict[str, Any]]:
        """The buttons of the latest bot message that offered choices (empty if none).

        A number typed later still refers to the last list of choices the user saw.
        """
        events = (await self.tracker(sender)).get("events") or []
        for event in reversed(events):
            if event.get("event") == "bot":
                buttons = (event.get("data") or {}).get("buttons") or []
                if buttons:
                    return buttons
        return []

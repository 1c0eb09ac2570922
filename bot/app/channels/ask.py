"""Asking the engine, and what the user gets when it cannot answer.

The engine gets the conversation's sender id, the message, and metadata saying the channel and
whether the message is a ``Payload`` the gateway vouches for. An engine that fails, or answers
nothing (its action server is down), is an outage: the user gets the outage text rather than
silence, after the hotline when the message describes danger now.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.app.channels.inbound import Payload
from bot.app.channels.texts import TEXTS
from bot.app.engine_client import EngineClient, EngineUnavailable
from bot.kernel.emergency import call_text, triage
from bot.kernel.sender import Sender

log = logging.getLogger(__name__)


def outage_replies(message: str) -> list[dict[str, Any]]:
    """What the user gets when the engine or the action server fails: the hotline first
    when ``message`` describes danger now, then the outage text (which names 191 and 1669).

    >>> [r["text"].split(":")[0] for r in outage_replies("ไฟไหม้ มีคนหมดสติ")][:2]
    ['โทร 199 ทันที', 'โทร 1669 ทันที']
    """
    found = None if isinstance(message, Payload) else triage(message)
    calls = [{"text": call_text(c.hotline)} for c in (found.calls if found else ())]
    return calls + [{"text": TEXTS["engine_down"]}]


def _says_something(replies: list[Any]) -> bool:
    return any(r.get("text") or r.get("image") or r.get("custom") for r in replies
               if isinstance(r, dict))


class EngineCall:
    """The engine, as the gateway asks it. ``client`` is set once the app's HTTP session
    exists (``bot.app.web.app``)."""

    def __init__(self, client: EngineClient | None = None) -> None:
        self.client = client

    async def ask(self, sender: Sender, message: str) -> list[dict[str, Any]]:
        """The engine's replies (Rasa's REST format) to ``message``, or ``outage_replies``."""
        metadata = sender.metadata(choice=isinstance(message, Payload))
        try:
            if self.client is None:
                raise EngineUnavailable("no engine client yet")
            replies = await self.client.send(sender.id, message, metadata=metadata)
            if not _says_something(replies):
                raise EngineUnavailable("the engine answered nothing")
        except EngineUnavailable as exc:
            log.warning("engine unavailable for a %s message: %s", sender.channel, exc)
            return outage_replies(message)
        return replies

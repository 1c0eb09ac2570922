"""Who a conversation is with: the channel, and the user on that channel.

The channels' gateway names each conversation ``<channel>:<user>`` (``line:<userId>``,
``fb:<psid>``, ``web:<session>``): that string is the engine's sender id, and the outbox
(``bot.kernel.notify``) files proactive messages under it. With every message the gateway
also sends the channel in the message's metadata (``{"channel": "line", ...}``); whoever needs
the channel of a message reads it there with ``channel_of``, never from the id's prefix.

>>> Sender("web", "a1b2c3d4e5f6").id
'web:a1b2c3d4e5f6'
>>> Sender.parse("line:U4af4980629")
Sender(channel='line', user='U4af4980629')
>>> channel_of({"channel": "fb", "choice": False})
'fb'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHANNELS = ("line", "fb", "web")  # LINE, Messenger, the web chat
OTHER = "rest"  # a message that did not come through the gateway (the engine's REST API)
MAX_ID = 128  # what the engine and the app's tables take


@dataclass(frozen=True)
class Sender:
    """One conversation: ``channel`` (one of ``CHANNELS``) and the platform's ``user`` id."""

    channel: str
    user: str

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"not a channel: {self.channel!r}")
        if not self.user or len(self.id) > MAX_ID:
            raise ValueError("a sender needs a user id of at most "
                             f"{MAX_ID - len(self.channel) - 1} characters")

    @property
    def id(self) -> str:
        """The sender id the engine and the outbox know the conversation by."""
        return f"{self.channel}:{self.user}"

    def __str__(self) -> str:
        return self.id

    @classmethod
    def parse(cls, sender_id: str) -> Sender:
        """The sender an id names; ``ValueError`` when it is not one of a channel's ids."""
        channel, sep, user = str(sender_id).partition(":")
        if not sep:
            raise ValueError("a sender id is <channel>:<user>")
        return cls(channel, user)

    def metadata(self, *, choice: bool) -> dict[str, Any]:
        """The metadata the gateway sends with a message: the channel, and whether the
        message is a payload it vouches for (a choice it offered, a location it built)."""
        return {"channel": self.channel, "choice": choice}


def channel_of(metadata: Mapping[str, Any] | None) -> str:
    """The channel a message came on, from the metadata the gateway sent with it
    (``"rest"`` for a message that came another way).

    >>> channel_of(None)
    'rest'
    """
    channel = metadata.get("channel") if isinstance(metadata, Mapping) else None
    return channel if channel in CHANNELS else OTHER

"""Shared bases and helpers for actions. Nothing here is registered as an action."""

from __future__ import annotations

import abc
import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.kernel.settings import Settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The action server's settings, read on first use (never at import time)."""
    return Settings.from_env()


def response_text(domain: dict[str, Any], name: str, **values: Any) -> str:
    """The first variant of response ``name`` from the domain, with ``{values}`` filled in."""
    text = domain["responses"][name][0]["text"]
    return text.format(**values) if values else text


def voice(tracker: Tracker) -> bool:
    """The user asked for the spoken form: numbers, codes and amounts also as words."""
    return tracker.get_slot("reply_mode") == "voice"


def channel_of(sender_id: str) -> str:
    """The channel a sender id belongs to: ``web:abc`` → ``web``; others → ``rest``."""
    prefix, sep, _ = sender_id.partition(":")
    return prefix if sep and prefix in ("web", "line", "fb", "console") else "rest"


class SafeAction(Action, abc.ABC):
    """An action whose failure is logged and answered politely instead of going silent."""

    @abc.abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        """Do the action's work; exceptions are handled by ``run``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception:  # one failing action must not take the conversation down
            log.exception("action %s failed", self.name())
            dispatcher.utter_message(response="utter_internal_error")
            return []

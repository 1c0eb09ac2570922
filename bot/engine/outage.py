"""The engine answers for the action server when it cannot be reached.

Rasa 3.6 logs a failed custom action and carries on as if it had said nothing: a citizen
whose answer depends on the action server would get silence. ``install`` wraps
``RemoteAction.run`` so that an action server that is down, too slow or broken turns into the
domain's ``utter_internal_error`` (a Thai apology that names 191 and 1669), sent in place of
the action's answer. The turn then ends as the rules expect, instead of Rasa guessing on.
An emergency has already had its number by then: ``utter_emergency_call`` is a response,
said by the engine before the action runs.

A form's validation refusing a value (``ActionExecutionRejection``) is normal dialogue, not
an outage, and passes through untouched.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
APOLOGY = "utter_internal_error"
_installed = False


def install() -> None:
    """Patch ``RemoteAction.run`` (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any,
                  domain: Any) -> list[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:  # the action server is down, timed out or answered badly
            log.error("custom action %s failed, the user gets the outage answer: %s",
                      self.name(), exc)
            message = await nlg.generate(APOLOGY, tracker, output_channel.name())
            return [BotUttered(message.get("text"), metadata={"utter_action": APOLOGY})]

    RemoteAction.run = run
    _installed = True

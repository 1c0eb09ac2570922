"""Rasa's REST channel with a bearer token, for the app's gateways on loopback.

Same URL and payload as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``) but every request must carry
``Authorization: Bearer <ENGINE_TOKEN>``; a missing or wrong token gets 401, a malformed
body 400, and nothing reaches the conversation.

A typed message is only ever text: Rasa reads a message starting with "/" as an intent with
entities ("/restart", "/share_location{...}"), so such syntax is honoured only when the app's
gateway marks the message as a payload it offered to this user (``metadata.choice`` true;
only the gateway holds the token). Anything else is disarmed by ``bot.kernel.text.typed``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.engine import outage, speedups
from bot.kernel.text import typed

MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128


class TokenRestInput(RestInput):
    """``rest`` channel that refuses requests without the shared token."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self, token: Optional[str] = None) -> None:
        if not token:
            raise ValueError("TokenRestInput needs a non-empty token (ENGINE_TOKEN)")
        self._token = token.encode()
        speedups.install()
        outage.install()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> TokenRestInput:
        return cls((credentials or {}).get("token"))

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        """The gateway's metadata (channel, whether the message is an offered payload)."""
        metadata = request.json.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def _extract_message(self, req: Request) -> Optional[str]:
        message = req.json.get("message")
        if (self.get_metadata(req) or {}).get("choice") is True:
            return message
        return typed(message)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        supplied = header[7:] if header.startswith("Bearer ") else ""
        return hmac.compare_digest(supplied.encode(), self._token)

    @staticmethod
    def _invalid(request: Request) -> Optional[str]:
        try:
            body = request.json
        except Exception:  # sanic raises on undecodable JSON
            return "body is not JSON"
        if not isinstance(body, dict):
            return "body must be a JSON object"
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
            return "sender must be a non-empty string"
        if not isinstance(message, str) or not 0 < len(message) <= MAX_MESSAGE_CHARS:
            return f"message must be a string of 1 to {MAX_MESSAGE_CHARS} characters"
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return "metadata must be an object"
        return None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def guard(request: Request):  # type: ignore[no-untyped-def]
            if request.method != "POST":
                return None
            if not self._authorised(request):
                return response.json({"error": "missing or invalid token"}, status=401)
            problem = self._invalid(request)
            if problem:
                return response.json({"error": problem}, status=400)
            return None

        return bp

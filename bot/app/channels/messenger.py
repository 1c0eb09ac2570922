"""Messenger adapter on the gateway's pipeline (Meta Graph API, Messenger Platform), aiohttp.

``GET /webhooks/messenger``: the verify-token handshake (``hub.challenge`` echoed when
``hub.verify_token`` matches, 403 otherwise). ``POST /webhooks/messenger``: the
``X-Hub-Signature-256`` (``sha256=`` + HMAC-SHA256 of the body with the app secret) is compared
in constant time; a missing or wrong one is answered 401 and nothing is processed. Each
message's ``mid`` is stored so a redelivery is taken once. Text, quick replies, postbacks, image
and location attachments are understood; echoes, deliveries and reads are ignored. Replies go
through the Send API, one message per call, with a typing indicator while the engine thinks.

Proactive messages only inside Messenger's standard 24-hour window after the user's last
message; outside it they wait and are shown at the user's next message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import uploads
from bot.app.channels import render
from bot.app.channels.gateway import Gateway, Outgoing, Parts, Undelivered
from bot.app.channels.inbound import MENU, Inbound, image_message, location_message
from bot.app.channels.outbox import aware
from bot.app.channels.texts import TEXTS
from bot.kernel import notify
from bot.kernel.db import utcnow
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
WINDOW = timedelta(hours=24)  # Messenger's standard messaging window
TIMEOUT = aiohttp.ClientTimeout(total=15)
MESSAGES_PER_ANSWER = 8  # one Send API call each: phone-sized bubbles unless an answer is long


class SendFailed(RuntimeError):
    """The Send API refused a message."""

    stop = False

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"Messenger answered HTTP {status}: {reason}")
        self.status = status


class MessengerChannel(Gateway):
    """The Messenger webhook and the Send API."""

    channel, name = "fb", "Messenger"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        super().__init__(parts)
        self.settings = settings
        self._secret = settings.messenger_app_secret.encode()
        self.session: aiohttp.ClientSession | None = None

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.messenger_app_secret and settings.messenger_page_token
                    and settings.messenger_verify_token)

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(timeout=TIMEOUT)

    async def close(self) -> None:
        await super().close()
        if self.session is not None:
            await self.session.close()

    def setup(self, app: web.Application) -> None:
        app.router.add_get("/webhooks/messenger", self.verify)
        app.router.add_post("/webhooks/messenger", self.webhook)

    # --- receiving -----------------------------------------------------------------------

    async def verify(self, request: web.Request) -> web.Response:
        """The subscription handshake Meta performs when the webhook is set up."""
        query = request.query
        token = query.get("hub.verify_token", "")
        given = token.encode("utf-8", "surrogateescape")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
                given, self.settings.messenger_verify_token.encode()):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.json_response({"error": "verify token ไม่ถูกต้อง"}, status=403)

    def signed(self, raw: bytes, header: str) -> bool:
        expected = "sha256=" + hmac.new(self._secret, raw, hashlib.sha256).hexdigest()
        # undecodable header bytes arrive as surrogates: compare them as bytes, never fail
        return hmac.compare_digest(expected.encode(), header.encode("utf-8", "surrogateescape"))

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks/messenger``: verify, drop redeliveries, answer 200, process later."""
        try:
            raw = await read_whole(request.content, MAX_BODY_BYTES, request.content_length)
        except BodyTooLarge:
            return web.json_response({"error": "ข้อมูลยาวเกินกำหนด"}, status=413)
        if not self.signed(raw, request.headers.get("X-Hub-Signature-256", "")):
            log.warning("Messenger webhook with a missing or wrong signature refused")
            return web.json_response({"error": "ลายเซ็น X-Hub-Signature-256 ไม่ถูกต้อง"},
                                     status=401)
        try:
            body = json.loads(raw.decode("utf-8"))
            entries = body["entry"] if body.get("object") == "page" else []
            events = [e for entry in entries for e in entry.get("messaging", [])
                      if isinstance(e, dict) and e.get("sender", {}).get("id")]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
                RecursionError):
            return web.json_response({"error": "รูปแบบข้อมูล webhook ไม่ถูกต้อง"}, status=400)
        for event in events:
            message = event.get("message") or {}
            if message.get("is_echo") or not ("message" in event or "postback" in event):
                continue
            mid = message.get("mid") or (event.get("postback") or {}).get("mid")
            if await self.fresh(mid or f"{event['sender']['id']}:{event.get('timestamp')}"):
                sender = self.sender(str(event["sender"]["id"]))
                self.later(sender, self._event(event, sender))
        return web.json_response({})

    async def _event(self, event: dict[str, Any], sender: Sender) -> None:
        if "postback" in event:
            inbound = Inbound(text=str(event["postback"].get("payload") or "") or "?")
        else:
            inbound = await self._message(event["message"])
        await self.handle(sender, inbound, "RESPONSE")

    async def _message(self, message: dict[str, Any]) -> Inbound:
        """What a Messenger message means for the pipeline."""
        quick = (message.get("quick_reply") or {}).get("payload")
        if quick:
            return Inbound(text=str(quick))
        text = str(message.get("text") or "").strip()
        if text:
            return Inbound(text=text)
        for attachment in message.get("attachments") or []:
            kind, payload = attachment.get("type"), attachment.get("payload") or {}
            if kind == "location" and isinstance(payload.get("coordinates"), dict):
                coordinates = payload["coordinates"]
                try:
                    return Inbound(payload=location_message(coordinates.get("lat"),
                                                            coordinates.get("long")))
                except ValueError:
                    return Inbound(say=TEXTS["location_invalid"])
            if kind == "image" and payload.get("sticker_id"):
                return Inbound(payload=MENU)  # a "like" or a sticker
            if kind == "image" and isinstance(payload.get("url"), str):
                return await self._image(payload["url"])
        return Inbound(say=TEXTS["unsupported"])

    async def _image(self, url: str) -> Inbound:
        if not url.startswith(("https://", "http://")):
            return Inbound(say=TEXTS["image_failed"])
        try:
            async with self.session.get(url) as resp:
                if resp.status != 200:
                    raise aiohttp.ClientError(f"HTTP {resp.status}")
                data = await read_whole(resp.content, uploads.MAX_BYTES, resp.content_length)
                content_type = resp.headers.get("Content-Type", "")
        except BodyTooLarge:
            log.info("Messenger image refused: over %d bytes", uploads.MAX_BYTES)
            return Inbound(say=TEXTS["image_rejected"])
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("Messenger image not downloaded: %s", exc)
            return Inbound(say=TEXTS["image_failed"])
        try:
            ref = await asyncio.to_thread(uploads.save, self.settings.database_url, data,
                                          content_type)
        except uploads.UploadRejected as exc:
            log.info("Messenger image refused: %s", exc.reason)
            return Inbound(say=TEXTS["image_rejected"])
        return Inbound(payload=image_message(ref))

    async def thinking(self, sender: Sender) -> None:
        await self._action(sender.user, "typing_on")

    # --- sending -------------------------------------------------------------------------

    async def _post(self, body: dict[str, Any]) -> None:
        url = f"{self.settings.graph_api_base}/me/messages"
        try:
            async with self.session.post(url, json=body, params={
                    "access_token": self.settings.messenger_page_token}) as resp:
                if resp.status != 200:
                    try:
                        error = (await resp.json()).get("error", {})
                        reason = f"{error.get('code')}: {error.get('message', '')}"[:200]
                    except (ValueError, aiohttp.ContentTypeError, AttributeError):
                        reason = resp.reason or ""
                    raise SendFailed(resp.status, reason)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise SendFailed(0, str(exc) or type(exc).__name__) from exc

    async def _action(self, psid: str, action: str) -> None:
        try:
            await self._post({"recipient": {"id": psid}, "sender_action": action})
        except SendFailed as exc:
            log.info("Messenger %s not shown: %s", action, exc)

    async def send(self, sender: Sender, out: Outgoing, context: str | None) -> None:
        """Message by message, ``messaging_type`` ``context`` (``RESPONSE``)."""
        out = out.fit(room=MESSAGES_PER_ANSWER, limit=render.MESSENGER_TEXT_MAX)
        messages = render.messenger_messages(out.answers)
        owners = render.owners(out.answers, render.messenger_messages)
        for number, message in enumerate(messages):
            try:
                await self.send_message(sender.user, message, context or "RESPONSE")
            except SendFailed as exc:
                raise Undelivered(str(exc), out.unsent(owners[number:])) from exc

    async def send_message(self, psid: str, message: dict[str, Any],
                           messaging_type: str) -> None:
        await self._post({"recipient": {"id": psid}, "messaging_type": messaging_type,
                          "message": message})

    async def push_notification(self, sender: Sender, note: notify.Notification) -> None:
        """Send one outbox notification (the notifier's call); ``SendFailed`` when refused."""
        for message in render.messenger_messages([render.complete(note.as_answer())]):
            await self.send_message(sender.user, message, "UPDATE")

    def can_push(self, sender: Sender, contact: Any) -> bool:
        """Only inside the 24-hour window after the user's last message."""
        seen = aware(contact.last_inbound_at) if contact is not None else None
        return seen is not None and not contact.blocked and utcnow() - seen < WINDOW

"""Messenger gateway (Meta Graph API, Messenger Platform) over aiohttp.

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
from bot.app.channels.conversation import (
    Conversations,
    InOrder,
    Outgoing,
    Payload,
    _aware,
    image_message,
    location_message,
    utcnow,
)
from bot.app.channels.texts import TEXTS
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
WINDOW = timedelta(hours=24)  # Messenger's standard messaging window
TIMEOUT = aiohttp.ClientTimeout(total=15)
MENU = Payload("/greet")


class SendFailed(RuntimeError):
    """The Send API refused a message."""

    stop = False

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"Messenger answered HTTP {status}: {reason}")
        self.status = status


class MessengerChannel:
    """The Messenger webhook and the Send API."""

    prefix = "fb"

    def __init__(self, settings: Settings, conversations: Conversations) -> None:
        self.settings = settings
        self.conversations = conversations
        self._secret = settings.messenger_app_secret.encode()
        self.session: aiohttp.ClientSession | None = None
        self._work = InOrder()

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.messenger_app_secret and settings.messenger_page_token
                    and settings.messenger_verify_token)

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(timeout=TIMEOUT)

    async def close(self) -> None:
        await self._work.close()
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
            key = mid or f"{event['sender']['id']}:{event.get('timestamp')}"
            if await self.conversations.first_time(f"fb:{key}"):
                psid = str(event["sender"]["id"])
                self._work.run(psid, self._handle(event, psid), "Messenger event")
            else:
                log.info("Messenger redelivery dropped")
        return web.json_response({})

    async def _handle(self, event: dict[str, Any], psid: str) -> None:
        sender = f"{self.prefix}:{psid}"
        if "postback" in event:
            payload = str(event["postback"].get("payload") or "")
            message, say = await self.conversations.inbound(sender, payload or "?"), None
        else:
            message, say = await self._message(sender, event["message"])
        if say is not None:
            out = await self.conversations.outgoing(sender, [{"text": say}])
        else:
            await self._action(psid, "typing_on")
            out = await self.conversations.ask(sender, message, self.prefix)
        await self.deliver(sender, out, "RESPONSE")

    async def _message(self, sender: str, message: dict[str, Any]) -> tuple[str | None,
                                                                            str | None]:
        quick = (message.get("quick_reply") or {}).get("payload")
        if quick:
            return await self.conversations.inbound(sender, str(quick)), None
        text = str(message.get("text") or "").strip()
        if text:
            return await self.conversations.inbound(sender, text), None
        await self.conversations.inbound(sender)
        for attachment in message.get("attachments") or []:
            kind, payload = attachment.get("type"), attachment.get("payload") or {}
            if kind == "location" and isinstance(payload.get("coordinates"), dict):
                coordinates = payload["coordinates"]
                try:
                    return location_message(coordinates.get("lat"),
                                            coordinates.get("long")), None
                except ValueError:
                    return None, TEXTS["location_invalid"]
            if kind == "image" and payload.get("sticker_id"):
                return MENU, None  # a "like" or a sticker
            if kind == "image" and isinstance(payload.get("url"), str):
                return await self._image(payload["url"])
        return None, TEXTS["unsupported"]

    async def _image(self, url: str) -> tuple[str | None, str | None]:
        if not url.startswith(("https://", "http://")):
            return None, TEXTS["image_failed"]
        try:
            async with self.session.get(url) as resp:
                if resp.status != 200:
                    raise aiohttp.ClientError(f"HTTP {resp.status}")
                data = await read_whole(resp.content, uploads.MAX_BYTES, resp.content_length)
                content_type = resp.headers.get("Content-Type", "")
        except BodyTooLarge:
            log.info("Messenger image refused: over %d bytes", uploads.MAX_BYTES)
            return None, TEXTS["image_rejected"]
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("Messenger image not downloaded: %s", exc)
            return None, TEXTS["image_failed"]
        try:
            ref = await asyncio.to_thread(uploads.save, self.settings.var_dir, data, content_type)
        except uploads.UploadRejected as exc:
            log.info("Messenger image refused: %s", exc.reason)
            return None, TEXTS["image_rejected"]
        return image_message(ref), None

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

    async def send(self, psid: str, message: dict[str, Any], messaging_type: str) -> None:
        await self._post({"recipient": {"id": psid}, "messaging_type": messaging_type,
                          "message": message})

    async def deliver(self, sender: str, out: Outgoing, messaging_type: str) -> bool:
        """Send ``out`` message by message; on a refusal the notifications it carried stay
        pending and the unsent answers join the outbox for the next contact."""
        psid = sender.split(":", 1)[1]
        notes = len(out.note_ids)
        # one Send API call per message: phone-sized bubbles unless an answer is very long
        replies = out.replies[:notes] + render.fit(out.replies[notes:], room=8,
                                                   limit=render.MESSENGER_TEXT_MAX)
        messages = render.messenger_messages(replies)
        owners = render.owners(replies, render.messenger_messages)
        for number, message in enumerate(messages):
            try:
                await self.send(psid, message, messaging_type)
            except SendFailed as exc:
                log.warning("Messenger answer not delivered: %s", exc)
                unsent = sorted(set(owners[number:]))
                await self.conversations.failed(out.note_ids, str(exc))
                await self.conversations.keep_undelivered(
                    sender, [replies[i] for i in unsent if i >= notes])
                return False
        await self.conversations.delivered(out.note_ids)
        return True

    async def push_notification(self, sender: str, note: Any) -> None:
        """Send one outbox notification (the notifier's call); ``SendFailed`` when refused."""
        psid = sender.split(":", 1)[1]
        for message in render.messenger_messages(render.normalize([note.as_message()])):
            await self.send(psid, message, "UPDATE")

    def can_push(self, sender: str, contact: Any) -> bool:
        """Only inside the 24-hour window after the user's last message."""
        seen = _aware(contact.last_inbound_at) if contact is not None else None
        return seen is not None and not contact.blocked and utcnow() - seen < WINDOW

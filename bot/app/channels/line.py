"""LINE adapter on the gateway's pipeline (Messaging API, official ``line-bot-sdk`` v3).

``POST /webhooks/line``: the ``X-Line-Signature`` is checked by the SDK (HMAC-SHA256 of the
body with the channel secret, compared in constant time); a missing or wrong one is answered
401 and nothing is processed. Each event's ``webhookEventId`` is stored so a redelivered event
is taken once, also across restarts. The webhook answers 200 at once; events are processed
in the background, in order per user: a loading animation while the engine thinks, then the
reply with the reply token, or a push when the token has expired or the engine was slow.

Events: text, location, image (kept with ``bot.app.uploads`` and handed to the skill that asked
for it), sticker and follow (both answered with the menu), postback (a choice), unfollow (no
pushes until the user is back). Group and room chats are not served.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.app import uploads
from bot.app.channels import render
from bot.app.channels.gateway import Gateway, Outgoing, Parts, Undelivered
from bot.app.channels.inbound import MENU, Inbound, image_message, location_message
from bot.app.channels.texts import TEXTS
from bot.kernel import notify
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

OFFICIAL_API = "https://api.line.me"
MAX_BODY_BYTES = 1024 * 1024
REPLY_WINDOW = 50.0  # seconds; LINE accepts a reply token for about a minute
LOADING_SECONDS = 20  # a multiple of 5, at most 60
PUSH_RETRY_NAMESPACE = uuid.UUID("5b1f3c1e-4a52-4b8e-9a43-3f3b1c2d6e71")
QUOTA_CHECK_SECONDS = 60.0


class PushFailed(RuntimeError):
    """LINE refused a push. ``stop``: the quota or rate limit is reached, push no more now."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"LINE answered HTTP {status}: {reason}")
        self.status = status
        self.stop = status == 429


def _reason(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body).get("message", ""))[:200]
    except (TypeError, ValueError, AttributeError):
        return str(exc.reason or "")[:200]


@dataclass(frozen=True)
class ReplyToken:
    """LINE's reply token for an event, and when the event came (``time.monotonic``)."""

    token: str | None
    received: float

    def fresh(self) -> bool:
        return bool(self.token) and time.monotonic() - self.received < REPLY_WINDOW


class LineChannel(Gateway):
    """The LINE webhook and LINE's sending side (reply, push, loading, content)."""

    channel, name = "line", "LINE"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        super().__init__(parts)
        self.settings = settings
        self.parser = WebhookParser(settings.line_channel_secret)
        host = None if settings.line_api_base == OFFICIAL_API else settings.line_api_base
        # With host None the SDK uses LINE's own hosts (api.line.me, api-data.line.me).
        self._config = Configuration(access_token=settings.line_channel_access_token, host=host)
        self._clients: list[AsyncApiClient] = []
        self.api: AsyncMessagingApi | None = None
        self.blob: AsyncMessagingApiBlob | None = None
        self._quota_checked, self._quota_room = -QUOTA_CHECK_SECONDS, True

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.line_channel_secret and settings.line_channel_access_token)

    async def start(self) -> None:
        self._clients = [AsyncApiClient(self._config), AsyncApiClient(self._config)]
        self.api = AsyncMessagingApi(self._clients[0])
        self.blob = AsyncMessagingApiBlob(self._clients[1])

    async def close(self) -> None:
        await super().close()
        for client in self._clients:
            await client.close()

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/line", self.webhook)

    # --- receiving -----------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks/line``: verify, drop redeliveries, answer 200, process later."""
        signature = request.headers.get("X-Line-Signature", "")
        try:
            raw = await read_whole(request.content, MAX_BODY_BYTES, request.content_length)
        except BodyTooLarge:
            return web.json_response({"error": "ข้อมูลยาวเกินกำหนด"}, status=413)
        if not signature:
            return web.json_response({"error": "ไม่มีลายเซ็น X-Line-Signature"}, status=401)
        try:
            events = self.parser.parse(raw.decode("utf-8"), signature)
        except InvalidSignatureError:
            log.warning("LINE webhook with a wrong signature refused")
            return web.json_response({"error": "ลายเซ็น X-Line-Signature ไม่ถูกต้อง"}, status=401)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
                RecursionError):
            return web.json_response({"error": "รูปแบบข้อมูล webhook ไม่ถูกต้อง"}, status=400)
        fresh = [e for e in events if await self.fresh(getattr(e, "webhook_event_id", None))]
        received = time.monotonic()
        for event in fresh:
            source = getattr(event, "source", None)
            user_id = getattr(source, "user_id", None)
            if getattr(source, "type", None) != "user" or not user_id:
                log.info("LINE %s event ignored (not from a one-to-one chat)",
                         getattr(event, "type", "unknown"))
                continue
            reply = ReplyToken(getattr(event, "reply_token", None), received)
            self.later(self.sender(user_id), self._event(event, self.sender(user_id), reply))
        return web.json_response({})

    async def _event(self, event: Any, sender: Sender, reply: ReplyToken) -> None:
        if isinstance(event, UnfollowEvent):
            await self.parts.contacts.set_blocked(sender, True)
            return
        if isinstance(event, FollowEvent):
            inbound = Inbound(payload=MENU)
        elif isinstance(event, PostbackEvent):
            inbound = Inbound(text=event.postback.data)
        elif isinstance(event, MessageEvent):
            inbound = await self._message(event.message)
        else:
            return
        await self.handle(sender, inbound, reply)

    async def _message(self, content: Any) -> Inbound:
        """What a LINE message means for the pipeline."""
        if isinstance(content, TextMessageContent) and content.text.strip():
            return Inbound(text=content.text.strip())
        if isinstance(content, LocationMessageContent):
            try:
                return Inbound(payload=location_message(content.latitude, content.longitude))
            except ValueError:
                return Inbound(say=TEXTS["location_invalid"])
        if isinstance(content, StickerMessageContent):
            return Inbound(payload=MENU)
        if isinstance(content, ImageMessageContent):
            return await self._image(content)
        return Inbound(say=TEXTS["unsupported"])

    async def _image(self, content: ImageMessageContent) -> Inbound:
        provider = getattr(content.content_provider, "type", "line")
        if provider != "line":
            return Inbound(say=TEXTS["image_failed"])
        try:
            response = await self.blob.get_message_content_with_http_info(content.id)
        except (ApiException, OSError, asyncio.TimeoutError) as exc:
            log.warning("LINE image content not downloaded: %s", exc)
            return Inbound(say=TEXTS["image_failed"])
        content_type = (response.headers or {}).get("Content-Type", "")
        try:
            ref = await asyncio.to_thread(uploads.save, self.settings.database_url,
                                          bytes(response.data), content_type)
        except uploads.UploadRejected as exc:
            log.info("LINE image refused: %s", exc.reason)
            return Inbound(say=TEXTS["image_rejected"])
        return Inbound(payload=image_message(ref))

    async def thinking(self, sender: Sender) -> None:
        try:
            await self.api.show_loading_animation(ShowLoadingAnimationRequest(
                chatId=sender.user, loadingSeconds=LOADING_SECONDS))
        except (ApiException, OSError, asyncio.TimeoutError) as exc:
            log.info("LINE loading animation not shown: %s", exc)

    # --- sending -------------------------------------------------------------------------

    async def send(self, sender: Sender, out: Outgoing, context: ReplyToken | None) -> None:
        """The first five messages with the reply token while it is fresh, the rest (or all,
        when the token is refused or too old) by push."""
        notes = len(out.note_ids)
        out = out.fit(room=max(1, render.LINE_MESSAGES_PER_CALL - notes),
                      limit=render.LINE_TEXT_MAX)
        messages = render.line_messages(out.answers)
        owners = render.owners(out.answers, render.line_messages)
        groups = render.batches(list(zip(messages, owners, strict=True)))
        if context is not None and context.fresh() and groups:
            try:
                await self.api.reply_message(ReplyMessageRequest.from_dict(
                    {"replyToken": context.token, "messages": [m for m, _ in groups[0]]}))
                groups = groups[1:]
            except ApiException as exc:
                log.info("LINE reply token refused (HTTP %s: %s); pushing instead",
                         exc.status, _reason(exc))
            except (OSError, asyncio.TimeoutError) as exc:
                log.warning("LINE reply failed (%s); pushing instead", exc)
        for number, group in enumerate(groups):
            try:
                await self.push(sender.user, [m for m, _ in group], str(uuid.uuid4()))
            except PushFailed as exc:
                unsent = (owner for g in groups[number:] for _, owner in g)
                raise Undelivered(str(exc), out.unsent(unsent)) from exc

    async def push(self, user_id: str, messages: list[dict[str, Any]], retry_key: str) -> None:
        """Push up to five messages; ``PushFailed`` when LINE refuses. A retried push with the
        same ``retry_key`` is not delivered twice (LINE answers 409 and we count it as sent)."""
        try:
            await self.api.push_message(PushMessageRequest.from_dict(
                {"to": user_id, "messages": messages}), x_line_retry_key=retry_key)
        except ApiException as exc:
            if exc.status == 409:
                return
            if exc.status == 429:  # rate limit or monthly quota: no pushes for a while
                self._quota_checked, self._quota_room = time.monotonic(), False
            raise PushFailed(exc.status or 0, _reason(exc)) from exc
        except (OSError, asyncio.TimeoutError) as exc:
            raise PushFailed(0, str(exc) or type(exc).__name__) from exc

    async def push_notification(self, sender: Sender, note: notify.Notification) -> None:
        """Push one outbox notification (the notifier's call); ``PushFailed`` when refused."""
        groups = render.batches(render.line_messages([render.complete(note.as_answer())]))
        for index, group in enumerate(groups):
            key = uuid.uuid5(PUSH_RETRY_NAMESPACE, f"{note.id}:{note.created_at}:{index}")
            await self.push(sender.user, group, str(key))

    def can_push(self, sender: Sender, contact: Any) -> bool:
        """Unless the user unfollowed (LINE's monthly quota is checked by ``quota_left``)."""
        return contact is None or not contact.blocked

    async def quota_left(self) -> bool:
        """Whether this month's push quota has room (checked at most once a minute; when LINE
        cannot tell, pushes go ahead and a 429 stops them)."""
        now = time.monotonic()
        if now - self._quota_checked < QUOTA_CHECK_SECONDS:
            return self._quota_room
        self._quota_checked = now
        try:
            quota = await self.api.get_message_quota()
            used = await self.api.get_message_quota_consumption()
        except (ApiException, OSError, asyncio.TimeoutError, ValueError) as exc:
            log.info("LINE push quota not known: %s", exc)
            self._quota_room = True
            return True
        self._quota_room = quota.type != "limited" or used.total_usage < (quota.value or 0)
        if not self._quota_room:
            log.warning("LINE monthly push quota used up; notifications wait for each user's "
                        "next message")
        return self._quota_room

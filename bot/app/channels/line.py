"""LINE gateway (Messaging API, official ``line-bot-sdk`` v3).

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
from bot.app.channels.conversation import (
    Conversations,
    InOrder,
    Outgoing,
    Payload,
    image_message,
    location_message,
)
from bot.app.channels.texts import TEXTS
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

OFFICIAL_API = "https://api.line.me"
MAX_BODY_BYTES = 1024 * 1024
REPLY_WINDOW = 50.0  # seconds; LINE accepts a reply token for about a minute
LOADING_SECONDS = 20  # a multiple of 5, at most 60
PUSH_RETRY_NAMESPACE = uuid.UUID("5b1f3c1e-4a52-4b8e-9a43-3f3b1c2d6e71")
MENU = Payload("/greet")
QUOTA_CHECK_SECONDS = 60.0  # what a sticker or a new friend gets: the greeting and the menu


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


class LineChannel:
    """The LINE webhook and LINE's sending side (reply, push, loading, content)."""

    prefix = "line"

    def __init__(self, settings: Settings, conversations: Conversations) -> None:
        self.settings = settings
        self.conversations = conversations
        self.parser = WebhookParser(settings.line_channel_secret)
        host = None if settings.line_api_base == OFFICIAL_API else settings.line_api_base
        # With host None the SDK uses LINE's own hosts (api.line.me, api-data.line.me).
        self._config = Configuration(access_token=settings.line_channel_access_token, host=host)
        self._clients: list[AsyncApiClient] = []
        self.api: AsyncMessagingApi | None = None
        self.blob: AsyncMessagingApiBlob | None = None
        self._work = InOrder()
        self._quota_checked, self._quota_room = -QUOTA_CHECK_SECONDS, True

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.line_channel_secret and settings.line_channel_access_token)

    async def start(self) -> None:
        self._clients = [AsyncApiClient(self._config), AsyncApiClient(self._config)]
        self.api = AsyncMessagingApi(self._clients[0])
        self.blob = AsyncMessagingApiBlob(self._clients[1])

    async def close(self) -> None:
        await self._work.close()
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
        fresh = []
        for event in events:
            key = getattr(event, "webhook_event_id", None)
            if key is None or await self.conversations.first_time(f"line:{key}"):
                fresh.append(event)
            else:
                log.info("LINE redelivery of event %s dropped", key)
        received = time.monotonic()
        for event in fresh:
            source = getattr(event, "source", None)
            user_id = getattr(source, "user_id", None)
            if getattr(source, "type", None) != "user" or not user_id:
                log.info("LINE %s event ignored (not from a one-to-one chat)",
                         getattr(event, "type", "unknown"))
                continue
            self._work.run(user_id, self._handle(event, user_id, received),
                           f"LINE {event.type} event")
        return web.json_response({})

    async def _handle(self, event: Any, user_id: str, received: float) -> None:
        sender = f"{self.prefix}:{user_id}"
        token = getattr(event, "reply_token", None)
        if isinstance(event, UnfollowEvent):
            await self.conversations.set_blocked(sender, True)
            return
        if isinstance(event, FollowEvent):
            await self.conversations.inbound(sender)
            message = MENU
        elif isinstance(event, PostbackEvent):
            message = await self.conversations.inbound(sender, event.postback.data)
        elif isinstance(event, MessageEvent):
            message, say = await self._message(sender, event.message)
            if say is not None:
                out = await self.conversations.outgoing(sender, [{"text": say}])
                await self.deliver(sender, token, received, out)
                return
        else:
            return
        await self._loading(user_id)
        out = await self.conversations.ask(sender, message, self.prefix)
        await self.deliver(sender, token, received, out)

    async def _message(self, sender: str, content: Any) -> tuple[str | None, str | None]:
        """(engine message, None) for a LINE message, or (None, what to answer ourselves)."""
        if isinstance(content, TextMessageContent) and content.text.strip():
            return await self.conversations.inbound(sender, content.text.strip()), None
        await self.conversations.inbound(sender)
        if isinstance(content, LocationMessageContent):
            try:
                return location_message(content.latitude, content.longitude), None
            except ValueError:
                return None, TEXTS["location_invalid"]
        if isinstance(content, StickerMessageContent):
            return MENU, None
        if isinstance(content, ImageMessageContent):
            return await self._image(content)
        return None, TEXTS["unsupported"]

    async def _image(self, content: ImageMessageContent) -> tuple[str | None, str | None]:
        provider = getattr(content.content_provider, "type", "line")
        if provider != "line":
            return None, TEXTS["image_failed"]
        try:
            response = await self.blob.get_message_content_with_http_info(content.id)
        except (ApiException, OSError, asyncio.TimeoutError) as exc:
            log.warning("LINE image content not downloaded: %s", exc)
            return None, TEXTS["image_failed"]
        content_type = (response.headers or {}).get("Content-Type", "")
        try:
            ref = await asyncio.to_thread(uploads.save, self.settings.var_dir,
                                          bytes(response.data), content_type)
        except uploads.UploadRejected as exc:
            log.info("LINE image refused: %s", exc.reason)
            return None, TEXTS["image_rejected"]
        return image_message(ref), None

    async def _loading(self, user_id: str) -> None:
        try:
            await self.api.show_loading_animation(ShowLoadingAnimationRequest(
                chatId=user_id, loadingSeconds=LOADING_SECONDS))
        except (ApiException, OSError, asyncio.TimeoutError) as exc:
            log.info("LINE loading animation not shown: %s", exc)

    # --- sending -------------------------------------------------------------------------

    async def deliver(self, sender: str, token: str | None, received: float,
                      out: Outgoing) -> bool:
        """Send ``out``: the first five messages with the reply token while it is fresh, the
        rest (or all, when the token is refused or too old) by push. True when all arrived.
        Otherwise the notifications it carried stay pending and the unsent answers join the
        outbox, so the user sees them at the next contact."""
        user_id = sender.split(":", 1)[1]
        notes = len(out.note_ids)
        replies = out.replies[:notes] + render.fit(
            out.replies[notes:], room=max(1, render.LINE_MESSAGES_PER_CALL - notes),
            limit=render.LINE_TEXT_MAX)
        messages = render.line_messages(replies)
        owners = render.owners(replies, render.line_messages)
        groups = render.batches(list(zip(messages, owners, strict=True)))
        if token and groups and time.monotonic() - received < REPLY_WINDOW:
            try:
                await self.api.reply_message(ReplyMessageRequest.from_dict(
                    {"replyToken": token, "messages": [m for m, _ in groups[0]]}))
                groups = groups[1:]
            except ApiException as exc:
                log.info("LINE reply token refused (HTTP %s: %s); pushing instead",
                         exc.status, _reason(exc))
            except (OSError, asyncio.TimeoutError) as exc:
                log.warning("LINE reply failed (%s); pushing instead", exc)
        for number, group in enumerate(groups):
            try:
                await self.push(user_id, [m for m, _ in group], str(uuid.uuid4()))
            except PushFailed as exc:
                log.warning("LINE answer not delivered: %s", exc)
                unsent = sorted({owner for g in groups[number:] for _, owner in g})
                await self.conversations.failed(out.note_ids, str(exc))
                await self.conversations.keep_undelivered(
                    sender, [replies[i] for i in unsent if i >= notes])
                return False
        await self.conversations.delivered(out.note_ids)
        return True

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

    async def push_notification(self, sender: str, note: Any) -> None:
        """Push one outbox notification (the notifier's call); ``PushFailed`` when refused."""
        user_id = sender.split(":", 1)[1]
        replies = render.normalize([note.as_message()])
        groups = render.batches(render.line_messages(replies))
        for index, group in enumerate(groups):
            key = uuid.uuid5(PUSH_RETRY_NAMESPACE, f"{note.id}:{note.created_at}:{index}")
            await self.push(user_id, group, str(key))

    def can_push(self, sender: str, contact: Any) -> bool:
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

"""Web chat adapter: validates the browser's messages; the gateway's pipeline answers them.

``POST /api/chat`` takes ``{"sender": id, "text": "..."}`` or
``{"sender": id, "location": {"latitude": .., "longitude": ..}}`` and answers
``{"messages": [{"text", "buttons", "image", "alt", "links", "call"}]}`` (``render.web_messages``:
every text complete, buttons with the payload to send back, named links as data). Bad input
gets a 4xx with a Thai reason and reaches nothing; a typed number or a pressed button picks the
numbered choice last offered; notifications that wait for this user (web chat users cannot be
pushed to) come first in the answer. ``GET /api/chat/menu`` gives the standing menu (the
LINE rich menu's entries), which the page shows as a list of buttons. The page itself is
``bot/app/web/static/chat.html``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.app.channels import menu, render
from bot.app.channels.ask import outage_replies
from bot.app.channels.gateway import Gateway, Outgoing, Parts
from bot.app.channels.inbound import Inbound, location_message
from bot.app.shared import Shared, rate_limit
from bot.kernel import db
from bot.kernel.httpbody import BodyTooLarge, read_whole
from bot.kernel.ratelimit import client_key
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings
from bot.kernel.text import normalize

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024
MAX_TEXT_CHARS = 1000
STREAM_SECONDS = 60.0  # one live stream's longest life (the browser then reconnects)
STREAM_POLL = 2.0  # the outbox is read at least this often (other processes' writes)
SENDER = re.compile(r"[A-Za-z0-9_-]{8,64}")  # whole string (fullmatch): no trailing newline

# User-facing reasons (Thai). Kept together so they can be reviewed in one place.
REASONS = {
    "content_type": "ต้องส่งข้อมูลแบบ JSON (Content-Type: application/json)",
    "too_large": f"ข้อมูลที่ส่งมายาวเกินกำหนด ({MAX_BODY_BYTES // 1024} KB)",
    "encoding": "ข้อมูลต้องเป็นข้อความ UTF-8 ไม่ใช่ไฟล์หรือข้อมูลไบนารี",
    "json": "รูปแบบข้อมูลไม่ถูกต้อง อ่านเป็น JSON ไม่ได้",
    "object": "ข้อมูลต้องเป็นออบเจ็กต์ JSON ที่มี sender และ text หรือ location",
    "sender": "รหัสผู้ส่ง (sender) ไม่ถูกต้อง: ใช้ตัวอักษรอังกฤษ ตัวเลข - หรือ _ ยาว 8 ถึง 64 ตัว",
    "one_of": "ส่ง text หรือ location อย่างใดอย่างหนึ่ง",
    "text_type": "ข้อความ (text) ต้องเป็นตัวอักษร",
    "empty": "ยังไม่ได้พิมพ์ข้อความ",
    "text_long": f"ข้อความยาวเกิน {MAX_TEXT_CHARS:,} ตัวอักษร กรุณาแบ่งส่งเป็นหลายข้อความ",
    "location": "ตำแหน่งต้องมี latitude (-90 ถึง 90) และ longitude (-180 ถึง 180) เป็นตัวเลข",
    "too_many": "ส่งข้อความถี่เกินไป กรุณารอสักครู่แล้วส่งใหม่ ถ้าเป็นเหตุฉุกเฉินโทร 191 หรือ 1669",
}


class BadRequest(Exception):
    """Invalid input; ``status`` and a Thai ``reason`` for the user."""

    def __init__(self, key: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(key)
        self.status, self.reason, self.headers = status, REASONS[key], headers or {}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def reply(body: dict[str, Any], status: int = 200) -> web.Response:
    """A JSON response with Thai left readable (UTF-8, not \\u escapes)."""
    return web.json_response(body, status=status, dumps=_dumps)


def error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    response = reply({"error": reason}, status=status)
    response.headers.update(headers or {})
    return response


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, within the size limit, or ``BadRequest``."""
    if request.content_type != "application/json":
        raise BadRequest("content_type", 415)
    try:
        raw = await read_whole(request.content, MAX_BODY_BYTES, request.content_length)
    except BodyTooLarge:
        raise BadRequest("too_large", 413) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("encoding") from None
    if "\x00" in text:
        raise BadRequest("encoding")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise BadRequest("json") from None


def parse_text(value: Any) -> str:
    """The typed text, normalised (control and invisible characters, lone surrogates gone)."""
    if not isinstance(value, str):
        raise BadRequest("text_type")
    text = normalize(value)
    if not text:
        raise BadRequest("empty")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequest("text_long")
    return text


def parse(body: Any) -> tuple[str, Inbound]:
    """The session id and what the browser sent, or ``BadRequest``."""
    if not isinstance(body, dict):
        raise BadRequest("object")
    session = body.get("sender")
    if not isinstance(session, str) or not SENDER.fullmatch(session):
        raise BadRequest("sender")
    if ("text" in body) == ("location" in body):
        raise BadRequest("one_of")
    if "text" in body:
        return session, Inbound(text=parse_text(body["text"]))
    location = body["location"]
    if not isinstance(location, dict):
        raise BadRequest("location")
    try:
        return session, Inbound(payload=location_message(location.get("latitude"),
                                                         location.get("longitude")))
    except ValueError:
        raise BadRequest("location") from None


@dataclass
class Page:
    """Where ``send`` leaves the answer for the HTTP response."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    short: bool = False  # the user gets short replies (the page's toggle shows it)
    live: bool = False  # an operator has the conversation: the page opens the live stream


class WebChat(Gateway):
    """``POST /api/chat``, rate-limited per client address."""

    channel, name = "web", "web chat"
    sends_empty = True

    def __init__(self, settings: Settings, parts: Parts, shared: Shared | None = None) -> None:
        super().__init__(parts)
        self.trust_proxy = settings.trust_proxy
        # Per client address: a person types a few messages a minute; this stops floods.
        # ``shared``: one budget across every web app (bot.app.shared).
        self.limit = rate_limit(shared, "chat", settings.chat_rate_per_minute,
                                max(1, int(settings.chat_rate_per_minute // 2)))

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/api/chat", self.chat)
        app.router.add_get("/api/chat/stream", self.stream)
        app.router.add_get("/api/chat/menu", self.menu)

    async def menu(self, _request: web.Request) -> web.Response:
        """``GET /api/chat/menu``: the standing menu, the same entries as the LINE rich menu
        (``bot.app.channels.menu``); the page shows them as buttons sending their payloads."""
        return reply(menu.web_menu())

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET /api/chat/stream?sender=<session>``: server-sent events with what an operator
        writes to this web chat user (the outbox), at once. The session id identifies the
        user exactly as ``POST /api/chat`` does. The stream ends when no operator holds the
        conversation (event ``end``: the page stops listening) or after ``STREAM_SECONDS``
        (closed without ``end``: the browser reconnects)."""
        session = request.query.get("sender", "")
        if not SENDER.fullmatch(session):
            return error(400, REASONS["sender"])
        sender = self.sender(session)
        handoffs = self.parts.handoffs
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        await response.write(b"retry: 2000\n\n")
        wake = handoffs.hub.listen(sender.id) if handoffs else None
        loop = asyncio.get_running_loop()
        until = loop.time() + STREAM_SECONDS
        try:
            while True:
                notes = await self.parts.outbox.claim_for(sender)
                if notes:
                    messages = render.web_messages(
                        [render.complete(n.as_answer()) for n in notes])
                    await response.write(f"event: message\ndata: {_dumps(messages)}\n\n"
                                         .encode())
                    await self.parts.outbox.delivered([n.id for n in notes])
                live = handoffs is not None and \
                    await asyncio.to_thread(handoffs.open_case, sender.id) is not None
                if not live:
                    await response.write(b"event: end\ndata: {}\n\n")
                    break
                if loop.time() >= until:
                    break  # the browser's EventSource reconnects by itself
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), min(STREAM_POLL, until - loop.time()))
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            if wake is not None:
                handoffs.hub.forget(sender.id, wake)
        return response

    async def chat(self, request: web.Request) -> web.Response:
        """``POST /api/chat``."""
        try:
            wait = await self.limit.check(client_key(
                request.remote, request.headers.get("X-Forwarded-For"), self.trust_proxy))
            if wait is not None:
                raise BadRequest("too_many", 429, {"Retry-After": str(math.ceil(wait))})
            session, inbound = parse(await read_json(request))
        except BadRequest as exc:
            return error(exc.status, exc.reason, exc.headers)
        page = Page()
        try:
            await self.handle(self.sender(session), inbound, page)
        except db.UNAVAILABLE:
            # Nothing was taken: the page keeps the typed text for sending again, and shows
            # the hotline first for danger now, then the outage text (191, 1669).
            log.warning("database unavailable for a web chat message; told to send again")
            said = outage_replies(inbound.text if inbound.text is not None else "")
            return error(503, "\n".join(r["text"] for r in said))
        return reply({"messages": page.messages, "short": page.short, "live": page.live})

    async def send(self, sender: Sender, out: Outgoing, context: Page) -> None:
        """The answer goes back in the HTTP response: nothing here can be refused."""
        context.messages = render.web_messages(out.answers)
        context.short = out.short
        context.live = out.paused

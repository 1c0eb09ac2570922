"""Fake LINE platform and fake Graph API: real aiohttp servers on loopback that record calls.

For tests and local trials without the real platforms: point ``LINE_API_BASE`` /
``GRAPH_API_BASE`` at them. Each runs in its own thread, answers like the platform does
(including its refusals: an expired reply token, a user who blocked the account) and keeps
every request it got, so a test can wait for and inspect what the gateway sent::

    with FakeLine(token="t") as line:
        ...  # post a signed event to the gateway
        reply = line.wait_for(lambda c: c.path == "/v2/bot/message/reply")
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def line_signature(secret: str, body: bytes) -> str:
    """The ``X-Line-Signature`` LINE sends with ``body``."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def messenger_signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` Meta sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: Any
    status: int = 200


@dataclass
class _Server:
    """An aiohttp app served on 127.0.0.1 from a background thread."""

    calls: list[Call] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, request: web.Request, body: Any, status: int) -> None:
        with self._cond:
            self.calls.append(Call(request.method, request.path, dict(request.headers),
                                   dict(request.query), body, status))
            self._cond.notify_all()

    def wait_for(self, match: Callable[[Call], bool], count: int = 1,
                 timeout: float = 30.0) -> list[Call]:
        """Block until ``count`` recorded calls match; return them (AssertionError on timeout)."""
        with self._cond:
            found = self._cond.wait_for(
                lambda: len([c for c in self.calls if match(c)]) >= count, timeout)
            matching = [c for c in self.calls if match(c)]
        seen = [(c.method, c.path, c.status) for c in self.calls[-20:]]
        assert found, f"expected {count} matching call(s), got {len(matching)}; last: {seen}"
        return matching

    async def arrived(self, match: Callable[[Call], bool], count: int = 1,
                      timeout: float = 30.0) -> list[Call]:
        """``wait_for`` for a test whose event loop also runs the gateway (aiohttp's
        ``TestClient``): waits without blocking that loop."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.matching(match)) < count:
            if asyncio.get_running_loop().time() > deadline:
                return self.wait_for(match, count, timeout=0)  # fails, listing the last calls
            await asyncio.sleep(0.02)
        return self.matching(match)

    def matching(self, match: Callable[[Call], bool]) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if match(c)]

    def start(self) -> _Server:
        started = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(self.app(), access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class FakeLine(_Server):
    """LINE's Messaging API as far as the gateway uses it.

    ``expired_tokens``: reply tokens answered 400 "Invalid reply token".
    ``blocked_users``: user ids whose pushes are refused (400, as for a user who blocked us).
    ``contents``: message id -> (bytes, content type) served by the content API.
    ``quota``: the month's push limit (pushes beyond it get 429, as LINE answers).
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.expired_tokens: set[str] = set()
        self.blocked_users: set[str] = set()
        self.contents: dict[str, tuple[bytes, str]] = {}
        self.quota: int | None = None  # monthly push limit; None: unlimited
        self._retry_keys: set[str] = set()
        self.richmenus: dict[str, dict[str, Any]] = {}
        self.richmenu_images: dict[str, bytes] = {}
        self.default_richmenu: str | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v2/bot/message/reply", self.reply)
        app.router.add_post("/v2/bot/message/push", self.push)
        app.router.add_post("/v2/bot/chat/loading/start", self.loading)
        app.router.add_get("/v2/bot/message/{id}/content", self.content)
        app.router.add_get("/v2/bot/message/quota", self.quota_limit)
        app.router.add_get("/v2/bot/message/quota/consumption", self.quota_used)
        app.router.add_post("/v2/bot/richmenu", self.richmenu_create)
        app.router.add_get("/v2/bot/richmenu/list", self.richmenu_list)
        app.router.add_post("/v2/bot/richmenu/{id}/content", self.richmenu_image)
        app.router.add_delete("/v2/bot/richmenu/{id}", self.richmenu_delete)
        app.router.add_post("/v2/bot/user/all/richmenu/{id}", self.richmenu_default)
        return app

    # --- rich menus: kept in ``richmenus`` (id -> object), ``richmenu_images``, ``default``

    async def richmenu_create(self, request: web.Request) -> web.Response:
        body, refused = await self._json(request)
        if refused:
            return refused
        size = body.get("size") or {}
        areas = body.get("areas") or []
        bad = (size not in ({"width": 2500, "height": 1686}, {"width": 2500, "height": 843})
               or not 1 <= len(areas) <= 20 or len(body.get("chatBarText", "")) > 14
               or any(a["bounds"]["x"] + a["bounds"]["width"] > size["width"]
                      or a["bounds"]["y"] + a["bounds"]["height"] > size["height"]
                      for a in areas))
        if bad:
            self.record(request, body, 400)
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        menu_id = f"richmenu-{len(self.richmenus) + 1:032d}"
        self.richmenus[menu_id] = {**body, "richMenuId": menu_id}
        self.record(request, body, 200)
        return web.json_response({"richMenuId": menu_id})

    async def richmenu_list(self, request: web.Request) -> web.Response:
        self.record(request, None, 200)
        return web.json_response({"richmenus": list(self.richmenus.values())})

    async def richmenu_image(self, request: web.Request) -> web.Response:
        data = await request.read()
        menu_id = request.match_info["id"]
        ok = (request.headers.get("Authorization") == f"Bearer {self.token}"
              and menu_id in self.richmenus and request.content_type == "image/png"
              and data.startswith(b"\x89PNG") and len(data) <= 1024 * 1024)
        self.record(request, {"bytes": len(data), "content_type": request.content_type},
                    200 if ok else 400)
        if not ok:
            return web.json_response({"message": "An image has already been uploaded or the "
                                      "image is invalid"}, status=400)
        self.richmenu_images[menu_id] = data
        return web.json_response({})

    async def richmenu_default(self, request: web.Request) -> web.Response:
        menu_id = request.match_info["id"]
        ok = menu_id in self.richmenu_images  # LINE refuses a menu without its image
        self.record(request, None, 200 if ok else 400)
        if not ok:
            return web.json_response({"message": "must upload richmenu image before applying "
                                      "it to user"}, status=400)
        self.default_richmenu = menu_id
        return web.json_response({})

    async def richmenu_delete(self, request: web.Request) -> web.Response:
        menu_id = request.match_info["id"]
        found = self.richmenus.pop(menu_id, None)
        self.richmenu_images.pop(menu_id, None)
        self.record(request, None, 200 if found else 404)
        return web.json_response({} if found else {"message": "Not found"},
                                 status=200 if found else 404)

    async def quota_limit(self, request: web.Request) -> web.Response:
        self.record(request, None, 200)
        if self.quota is None:
            return web.json_response({"type": "none"})
        return web.json_response({"type": "limited", "value": self.quota})

    async def quota_used(self, request: web.Request) -> web.Response:
        self.record(request, None, 200)
        return web.json_response({"totalUsage": len(self.pushes())})

    async def _json(self, request: web.Request) -> tuple[Any, web.Response | None]:
        body = await request.json()
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.record(request, body, 401)
            return body, web.json_response({"message": "Authentication failed"}, status=401)
        return body, None

    async def reply(self, request: web.Request) -> web.Response:
        body, refused = await self._json(request)
        if refused:
            return refused
        if body.get("replyToken") in self.expired_tokens:
            self.record(request, body, 400)
            return web.json_response({"message": "Invalid reply token"}, status=400)
        if not 1 <= len(body.get("messages", [])) <= 5:
            self.record(request, body, 400)
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        self.record(request, body, 200)
        return web.json_response({"sentMessages": [{"id": "1"} for _ in body["messages"]]})

    async def push(self, request: web.Request) -> web.Response:
        body, refused = await self._json(request)
        if refused:
            return refused
        key = request.headers.get("X-Line-Retry-Key", "")
        if key and key in self._retry_keys:
            self.record(request, body, 409)
            return web.json_response({"message": "The retry key is already accepted"},
                                     status=409)
        if self.quota is not None and len(self.pushes()) >= self.quota:
            self.record(request, body, 429)
            return web.json_response({"message": "You have reached your monthly limit."},
                                     status=429)
        if body.get("to") in self.blocked_users:
            self.record(request, body, 400)
            return web.json_response({"message": "Failed to send messages"}, status=400)
        self._retry_keys.add(key)
        self.record(request, body, 200)
        return web.json_response({"sentMessages": [{"id": "1"} for _ in body["messages"]]})

    async def loading(self, request: web.Request) -> web.Response:
        """``POST /v2/bot/chat/loading/start``: a user's chat id, and ``loadingSeconds`` (5 to
        60, a multiple of 5; 20 when left out), as LINE documents it."""
        body, refused = await self._json(request)
        if refused:
            return refused
        seconds = body.get("loadingSeconds", 20) if isinstance(body, dict) else None
        if not isinstance(body, dict) or not str(body.get("chatId") or "").startswith("U") \
                or not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
            self.record(request, body, 400)
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        self.record(request, body, 202)
        return web.json_response({}, status=202)

    async def content(self, request: web.Request) -> web.Response:
        found = self.contents.get(request.match_info["id"])
        self.record(request, None, 200 if found else 404)
        if found is None:
            return web.json_response({"message": "Not found"}, status=404)
        return web.Response(body=found[0], content_type=found[1])

    def replies(self) -> list[Call]:
        return self.matching(lambda c: c.path == "/v2/bot/message/reply" and c.status == 200)

    def pushes(self, user_id: str | None = None) -> list[Call]:
        return self.matching(lambda c: c.path == "/v2/bot/message/push" and c.status == 200
                             and user_id in (None, c.body.get("to")))


class FakeGraph(_Server):
    """The Graph API's Send API, plus files served as attachment URLs.

    ``unavailable``: PSIDs refused with error 551 ("This person isn't available right now").
    ``files``: name -> (bytes, content type) served at ``/files/<name>``.
    """

    def __init__(self, token: str, version: str = "v21.0") -> None:
        super().__init__()
        self.token = token
        self.version = version
        self.unavailable: set[str] = set()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.profile: dict[str, Any] = {}

    @property
    def api_base(self) -> str:
        return f"{self.url}/{self.version}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/{self.version}/me/messages", self.messages)
        app.router.add_post(f"/{self.version}/me/messenger_profile", self.messenger_profile)
        app.router.add_get("/files/{name}", self.file)
        return app

    async def messenger_profile(self, request: web.Request) -> web.Response:
        """The Messenger Profile API: the fields set are kept in ``profile``."""
        body = await request.json()
        if request.query.get("access_token") != self.token:
            self.record(request, body, 401)
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth "
                                                "access token"}}, status=401)
        menus = body.get("persistent_menu") or []
        breakers = body.get("ice_breakers") or []
        bad = (any(len(m.get("call_to_actions", [])) > 20 for m in menus)
               or any(len(b.get("call_to_actions", [])) > 4 for b in breakers)
               or any(len(i.get("title", "")) > 30 for m in menus
                      for i in m.get("call_to_actions", []))
               or ("get_started" in body and not body["get_started"].get("payload")))
        if bad:
            self.record(request, body, 400)
            return web.json_response({"error": {"code": 100, "message": "Invalid parameter"}},
                                     status=400)
        self.profile.update(body)
        self.record(request, body, 200)
        return web.json_response({"result": "success"})

    async def messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        if request.query.get("access_token") != self.token:
            self.record(request, body, 401)
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth "
                                                "access token"}}, status=401)
        recipient = (body.get("recipient") or {}).get("id")
        if recipient in self.unavailable:
            self.record(request, body, 400)
            return web.json_response({"error": {"code": 551, "message": "This person isn't "
                                                "available right now."}}, status=400)
        self.record(request, body, 200)
        return web.json_response({"recipient_id": recipient, "message_id": "m_1"})

    async def file(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["name"])
        self.record(request, None, 200 if found else 404)
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])

    def sent(self, psid: str | None = None) -> list[Call]:
        """Messages (not sender actions) the Send API accepted."""
        return self.matching(lambda c: c.path.endswith("/me/messages") and c.status == 200
                             and "message" in c.body
                             and psid in (None, c.body["recipient"]["id"]))


def line_text_event(user_id: str, text: str, *, event_id: str, reply_token: str,
                    timestamp: int, redelivery: bool = False) -> dict[str, Any]:
    """A LINE text message event as LINE documents it."""
    return line_event(user_id, {"type": "message", "message": {
        "type": "text", "id": event_id[-12:], "quoteToken": "q" + event_id, "text": text}},
        event_id=event_id, reply_token=reply_token, timestamp=timestamp, redelivery=redelivery)


def line_event(user_id: str, fields: dict[str, Any], *, event_id: str, reply_token: str | None,
               timestamp: int, redelivery: bool = False) -> dict[str, Any]:
    """Any LINE webhook event from a one-to-one chat, with the documented common fields."""
    event = {"mode": "active", "timestamp": timestamp,
             "source": {"type": "user", "userId": user_id}, "webhookEventId": event_id,
             "deliveryContext": {"isRedelivery": redelivery}, **fields}
    if reply_token is not None:
        event["replyToken"] = reply_token
    return event


def line_body(events: list[dict[str, Any]], destination: str = "U" + "0" * 32) -> bytes:
    return json.dumps({"destination": destination, "events": events},
                      ensure_ascii=False).encode()

"""The app web server (aiohttp): web chat page, chat API, channel webhooks, notifier, health.

    python -m bot.app.web          # listens on APP_HOST:APP_PORT (127.0.0.1:8080)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app.channels.conversation import Conversations
from bot.app.channels.line import LineChannel
from bot.app.channels.messenger import MessengerChannel
from bot.app.channels.notifier import Notifier
from bot.app.engine_client import EngineClient
from bot.app.web import chat
from bot.kernel import registry
from bot.kernel.ratelimit import RateLimit
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}
HTTP_REASONS = {
    404: "ไม่พบหน้าหรือบริการที่ขอ",
    405: "ใช้วิธีส่งข้อมูล (HTTP method) นี้กับที่อยู่นี้ไม่ได้",
    413: chat.REASONS["too_large"],
}


@web.middleware
async def errors_and_headers(request: web.Request, handler):
    """JSON errors with Thai reasons for the API; an unexpected error logged, never shown.
    Security headers on what handlers return (``security_headers`` covers the rest)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        response = chat.error(exc.status, HTTP_REASONS.get(exc.status, exc.reason))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = chat.error(500, "ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง")
    await security_headers(request, response)
    return response


async def security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """On every response, errors and static files included (``on_response_prepare``)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html")


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(settings: Settings) -> web.Application:
    """The web application, wired to the engine described by ``settings``."""
    app = web.Application(middlewares=[errors_and_headers], client_max_size=chat.MAX_BODY_BYTES)
    app.on_response_prepare.append(security_headers)

    async def engine_client(app: web.Application):
        async with aiohttp.ClientSession() as session:
            app[chat.ENGINE_KEY] = EngineClient(session, settings.engine_url,
                                                settings.engine_token, settings.engine_timeout)
            yield

    app.cleanup_ctx.append(engine_client)
    app[chat.TRUST_PROXY_KEY] = settings.trust_proxy
    app[chat.LIMIT_KEY] = RateLimit(per_minute=settings.chat_rate_per_minute,
                                    burst=max(1, int(settings.chat_rate_per_minute // 2)))
    setup_channels(app, settings)
    app.router.add_get("/", index)
    app.router.add_get("/healthz", health)
    app.router.add_post("/api/chat", chat.chat)
    app.router.add_static("/static", STATIC)
    mount_skills(app, settings)
    return app


def setup_channels(app: web.Application, settings: Settings) -> None:
    """The web chat's conversations, the LINE and Messenger webhooks (each only when its
    credentials are set; one log line says so otherwise) and the notifier."""
    conversations = Conversations(None, settings.database_url)
    app[chat.CONVERSATIONS_KEY] = conversations
    channels = []
    for name, channel in (("LINE", LineChannel), ("Messenger", MessengerChannel)):
        if channel.configured(settings):
            channels.append(channel(settings, conversations))
            channels[-1].setup(app)
            log.info("%s channel on", name)
        else:
            log.info("%s channel off: its credentials are not set", name)
    notifier = Notifier(conversations, channels, settings)
    app[chat.NOTIFIER_KEY] = notifier

    async def run_channels(app: web.Application):
        conversations.engine = app[chat.ENGINE_KEY]
        for channel in channels:
            await channel.start()
        task = asyncio.create_task(notifier.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for channel in channels:
            await channel.close()

    app.cleanup_ctx.append(run_channels)


def mount_skills(app: web.Application, settings: Settings) -> list[str]:
    """Add each skill's pages and APIs: ``skills/<id>/web.py`` defines ``setup(app, settings)``.

    A skill's routes live under ``/<id>/`` (pages) and ``/api/<id>/`` (APIs, JSON errors).
    """
    mounted = []
    for skill in registry.discover():
        if (skill.path / "web.py").exists():
            importlib.import_module(f"skills.{skill.id}.web").setup(app, settings)
            mounted.append(skill.id)
    return mounted

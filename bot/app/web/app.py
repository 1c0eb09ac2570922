"""The app web server (aiohttp): web chat page, the channels (web chat API, LINE and Messenger
webhooks) on one gateway pipeline, the notifier, housekeeping, the operator console
(``/console/``), skills' pages, health.

    python -m bot.app.web          # listens on APP_HOST:APP_PORT (127.0.0.1:8080)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app import shared
from bot.app.channels import web as web_chat
from bot.app.channels.gateway import Parts
from bot.app.channels.line import LineChannel
from bot.app.channels.messenger import MessengerChannel
from bot.app.channels.notifier import Notifier
from bot.app.channels.texts import TEXTS
from bot.app.console import web as console
from bot.app.engine_client import EngineClient
from bot.app.retention import Housekeeping
from bot.kernel import db, lease, ratelimit, registry
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
    413: web_chat.REASONS["too_large"],
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
        response = web_chat.error(exc.status, HTTP_REASONS.get(exc.status, exc.reason))
    except db.UNAVAILABLE:
        # the database is restarting or out of connections: nothing was written; try again
        log.warning("database unavailable on %s %s", request.method, request.path)
        response = web_chat.error(503, TEXTS["engine_down"])
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = web_chat.error(500, "ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง")
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
    app = web.Application(middlewares=[errors_and_headers],
                          client_max_size=web_chat.MAX_BODY_BYTES)
    app.on_response_prepare.append(security_headers)
    parts = Parts.over(settings.database_url)

    async def engine_client(app: web.Application):
        # A new connection per message (loopback: a fraction of a millisecond): an engine
        # that died then refuses the connection, so the message safely goes to the next
        # engine, instead of failing on a kept-alive connection it may or may not have read.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) \
                as session:
            parts.engine.client = EngineClient(session, settings.engine_url,
                                               settings.engine_token, settings.engine_timeout)
            yield
            parts.engine.client = None

    app.cleanup_ctx.append(engine_client)
    common = shared.connect(settings)
    app[ratelimit.LIMITS] = functools.partial(shared.rate_limit, common)
    setup_channels(app, settings, parts, common)
    app.router.add_get("/", index)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static", STATIC)
    mount_skills(app, settings)
    return app


def setup_channels(app: web.Application, settings: Settings, parts: Parts,
                   common: shared.Shared | None = None) -> None:
    """The web chat, the LINE and Messenger webhooks (each only when its credentials are set;
    one log line says so otherwise), the notifier and the hourly housekeeping. ``common``:
    what the web apps share in Redis (``bot.app.shared``: rate limits, live-stream wake-ups)."""
    chat = web_chat.WebChat(settings, parts, common)
    chat.setup(app)
    pushers = []
    for channel in (LineChannel, MessengerChannel):
        if channel.configured(settings):
            pushers.append(channel(settings, parts))
            pushers[-1].setup(app)
            log.info("%s channel on", channel.name)
        else:
            log.info("%s channel off: its credentials are not set", channel.name)
    notifier = Notifier(parts, pushers)
    console.setup(app, settings, parts.handoffs)
    parts.handoffs.on_reply.append(notifier.wake)
    chores = [parts.dedupe.forget_old, *([parts.prefs.forget_old] if parts.prefs else [])]
    housekeeping = Housekeeping(chores, settings)

    gateways = [chat, *pushers]

    async def run_channels(app: web.Application):
        for gateway in gateways:
            await gateway.start()
        # every web app delivers notifications (claimed one by one); the chores run in one
        # web app of the deployment at a time (bot.kernel.lease)
        chores = lease.only_one(db.session_factory(settings.database_url), "web-chores",
                                lambda: [housekeeping.run(), parts.handoffs.watch()])
        tasks = [asyncio.create_task(notifier.run()), asyncio.create_task(chores)]
        if common is not None:
            tasks.append(asyncio.create_task(shared.Relay(common, parts.handoffs.hub).run()))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for gateway in gateways:
            await gateway.close()
        if common is not None:
            await common.close()

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

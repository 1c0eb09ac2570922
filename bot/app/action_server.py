"""The action server: rasa-sdk's app with a token check, bound to loopback.

rasa-sdk's own runner listens on all interfaces and accepts any caller. This wrapper
serves the same routes but requires the ``token`` query parameter that the engine sends
(``action_endpoint.token`` in ``endpoints.yml``) on everything except ``/health``::

    ACTION_TOKEN=... python -m bot.app.action_server

With ``ACTION_WORKERS`` above 1 (the production profile) that many of these processes share
``ACTION_PORT``: each binds it with ``SO_REUSEPORT`` and the kernel spreads the engines'
connections over them. Each is a plain process that the run command supervises: one that
dies is restarted alone while the others keep serving. (Sanic's own multi-worker mode does
not restart a worker that crashed.)
"""

from __future__ import annotations

import asyncio
import hmac
import importlib
import logging
import os
import socket
import sys
import time

from bot.kernel import privacy, registry
from bot.kernel.settings import Settings

log = logging.getLogger("bot.app.action_server")


def create_app(settings: Settings):
    """The Sanic app serving the actions in the ``actions`` package."""
    from rasa_sdk.endpoint import create_app as sdk_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import response

    if not settings.action_token:
        raise SystemExit("ACTION_TOKEN must be set: the action server refuses to run open")
    executor = ActionExecutor()
    executor.register_package("actions")
    app = sdk_app(executor, cors_origins=None)
    expected = settings.action_token.encode()

    @app.on_request
    async def require_token(request):
        if request.path == "/health":
            return None
        supplied = (request.args.get("token") or "").encode()
        if not hmac.compare_digest(supplied, expected):
            return response.json({"error": "missing or invalid token"}, status=401)
        return None

    @app.after_server_start
    async def warm_up_skills(_app, _loop):
        await asyncio.to_thread(warm_up)

    return app


def warm_up() -> None:
    """Let each skill load its data before the first user asks (``skills.<id>.warm_up()``).

    A skill whose warm-up fails still serves: it loads on first use and the error is logged.
    """
    for skill in registry.discover():
        try:
            hook = getattr(importlib.import_module(f"skills.{skill.id}"), "warm_up", None)
            if hook is not None:
                started = time.perf_counter()
                hook()
                log.info("warmed up %s in %.1f s", skill.id, time.perf_counter() - started)
        except Exception:
            log.exception("warm-up of skill %s failed", skill.id)


def main() -> int:
    os.umask(0o077)  # state files for this user only: 0600, directories 0700
    privacy.install()
    # one line per registered action at start is noise on the run command's console
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)
    settings = Settings.from_env()
    app = create_app(settings)
    privacy.install()  # again: creating the Sanic app gave Sanic's loggers handlers of their own
    log.info("action server on http://%s:%d", settings.action_host, settings.action_port)
    where = ({"sock": shared_socket(settings.action_host, settings.action_port)}
             if settings.action_workers > 1 else
             {"host": settings.action_host, "port": settings.action_port})
    app.run(**where, single_process=True, access_log=False, motd=False)
    return 0


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that the other workers may bind too (same user
    only: Linux refuses SO_REUSEPORT across users)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    sys.exit(main())

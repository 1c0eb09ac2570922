"""The action server: rasa-sdk's app with a token check, bound to loopback.

rasa-sdk's own runner listens on all interfaces and accepts any caller. This wrapper
serves the same routes but requires the ``token`` query parameter that the engine sends
(``action_endpoint.token`` in ``endpoints.yml``) on everything except ``/health``::

    ACTION_TOKEN=... python -m bot.action_server
"""

from __future__ import annotations

import hmac
import logging
import sys

from bot import privacy
from bot.settings import Settings

log = logging.getLogger("bot.action_server")


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

    return app


def main() -> int:
    privacy.install()
    settings = Settings.from_env()
    app = create_app(settings)
    log.info("action server on http://%s:%d", settings.action_host, settings.action_port)
    app.run(host=settings.action_host, port=settings.action_port, single_process=True,
            access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

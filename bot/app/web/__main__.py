"""Run the app web server: ``python -m bot.app.web``."""

import os

from bot.kernel import privacy

if __name__ == "__main__":
    # State files (databases, the secret key) are for this user only: 0600, directories 0700.
    os.umask(0o077)
    # Before the other imports, so that their warnings already go through the masking logger.
    privacy.install()

    from aiohttp import web

    from bot.app.web.app import create_app
    from bot.kernel.settings import Settings

    settings = Settings.from_env()
    web.run_app(create_app(settings), host=settings.app_host, port=settings.app_port,
                access_log=None, print=lambda *_: None)

"""Run the app web server: ``python -m bot.web``."""

from aiohttp import web

from bot import privacy
from bot.settings import Settings
from bot.web.app import create_app

if __name__ == "__main__":
    privacy.install()
    settings = Settings.from_env()
    web.run_app(create_app(settings), host=settings.app_host, port=settings.app_port,
                access_log=None, print=lambda *_: None)

"""The Messenger Page's profile: Get Started button, persistent menu, ice breakers.

    python -m bot.app.channels.messenger_profile   (or: make messenger-menu)

One call to the Messenger Profile API (``POST /me/messenger_profile``) sets all three from the
installed skills, as the LINE rich menu does (``bot.app.channels.menu.areas``): the
persistent menu mirrors the rich menu (each service, the emergency numbers, talk to a person;
each a postback with the message its numbered choice sends), Get Started sends the greeting
and the menu, and the ice breakers are the first services and the emergency numbers.
``MESSENGER_PAGE_TOKEN`` and ``GRAPH_API_BASE`` come from the environment.
"""

from __future__ import annotations

import sys
from typing import Any

import requests

from bot.app.channels.menu import Area, areas
from bot.app.channels.texts import TEXTS
from bot.kernel.answer import Target
from bot.kernel.settings import Settings

MENU_ITEMS_MAX = 20  # persistent menu: at most 20 items
MENU_TITLE_MAX = 30  # a postback item's title at most 30 characters
ICE_BREAKERS_MAX = 4  # at most 4 ice breakers
QUESTION_MAX = 80


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def profile(menu: list[Area] | None = None) -> dict[str, Any]:
    """The profile object: Get Started, the persistent menu, the ice breakers."""
    menu = areas() if menu is None else menu
    services = [a for a in menu if a.target.intent not in ("emergency", "human_handoff")]
    breakers = [*services[:ICE_BREAKERS_MAX - 1],
                *[a for a in menu if a.target.intent == "emergency"]][:ICE_BREAKERS_MAX]
    return {
        "get_started": {"payload": Target("greet").message()},
        "persistent_menu": [{"locale": "default", "composer_input_disabled": False,
                             "call_to_actions": [
                                 {"type": "postback", "title": _short(a.label, MENU_TITLE_MAX),
                                  "payload": a.target.message()}
                                 for a in menu[:MENU_ITEMS_MAX]]}],
        "ice_breakers": [{"locale": "default", "call_to_actions": [
            {"question": _short(f"{a.label}: {a.sub}", QUESTION_MAX),
             "payload": a.target.message()} for a in breakers]}],
    }


def install(settings: Settings, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set the profile; Meta's answer (``{"result": "success"}``), or ``RuntimeError``."""
    response = requests.post(f"{settings.graph_api_base}/me/messenger_profile",
                             params={"access_token": settings.messenger_page_token},
                             json=profile() if body is None else body, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"Messenger profile not set (HTTP {response.status_code}): "
                           f"{response.text[:300]}")
    return response.json()


def main() -> int:
    settings = Settings.from_env()
    if not settings.messenger_page_token:
        print("error: set MESSENGER_PAGE_TOKEN (the Page access token)", file=sys.stderr)
        return 2
    try:
        install(settings)
    except (RuntimeError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(TEXTS["menu_alt"], "- Messenger: Get Started, persistent menu and ice breakers set")
    return 0


if __name__ == "__main__":
    sys.exit(main())

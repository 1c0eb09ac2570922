"""The menu of services as the core action sends it: typed choices, each bubble fits a phone."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import core
from actions.core import ActionShowMenu
from bot.kernel import registry
from bot.kernel.text import BUBBLE_MAX, visible_length
from tests.app.conftest import ROOT
from tests.app.said import answers


def _domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _menu() -> list:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("web:menu", {}, {"text": "เมนู", "intent": {"name": "help"}}, [], False,
                      None, {}, "action_listen")
    asyncio.run(ActionShowMenu().run(dispatcher, tracker, _domain()))
    return answers(dispatcher.messages)


def test_the_menu_offers_every_installed_service_by_its_entry_intent():
    skills = registry.discover()
    [menu] = _menu()
    assert [c.target.intent for c in menu.choices] == [m.entry_intent for m in skills]
    for n, m in enumerate(skills, start=1):
        assert f"{n}. {m.name_th}" in menu.text  # the text alone is the whole menu
    assert visible_length(menu.text) <= BUBBLE_MAX


def test_a_longer_menu_puts_its_intro_first_and_still_fits_a_phone(monkeypatch):
    skills = registry.discover()
    ready = next(m for m in skills if m.ready)
    more = (*skills, replace(ready, id="parking", name_th="ที่จอดรถ", menu_th="หาที่จอดรถใกล้ฉัน",
                             entry_intent="parking_find"))
    monkeypatch.setattr(core.registry, "discover", lambda: more)
    intro, menu = _menu()
    assert not intro.choices and [c.target.intent for c in menu.choices] == [
        m.entry_intent for m in more]
    assert f"{len(more)}. ที่จอดรถ: หาที่จอดรถใกล้ฉัน" in menu.text
    assert all(visible_length(a.text) <= BUBBLE_MAX for a in (intro, menu))

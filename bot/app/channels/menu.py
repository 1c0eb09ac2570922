"""The standing menu every channel shows: the LINE rich menu, Messenger's persistent menu and
the web chat's service list are all this one list, built from the installed skills.

Each installed service in menu order (a ready one says what it does; one being prepared says
the hotline to call for now), then the emergency numbers and "talk to a person". An entry's
``target`` is what its numbered choice would send (``Target.message()``), so a tap is a typed
"1" by another route. Those targets stand: the gateway takes them as a pressed button whenever
they arrive (``targets``), as it takes the choices it offered last.

>>> [a.target.message() for a in areas()][-2:]
['/emergency', '/human_handoff']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.app.channels.texts import TEXTS
from bot.kernel import registry
from bot.kernel.answer import Target

MOST = 8  # entries: LINE's large rich menu has eight areas (four by two)
KINDS = ("ready", "hotline", "emergency", "person")


@dataclass(frozen=True)
class Area:
    """One menu entry: its label, the line under it, its state in words, its ``kind`` (one of
    ``KINDS``: a ready service, a hotline-only one, the emergency numbers, a person), and where
    it leads."""

    label: str
    sub: str
    state: str
    kind: str
    target: Target

    def to_dict(self) -> dict[str, Any]:
        """The entry for the web chat: what it shows, and the payload a press sends."""
        return {"label": self.label, "sub": self.sub, "state": self.state, "kind": self.kind,
                "payload": self.target.message()}


def areas() -> list[Area]:
    """The menu's entries; at most ``MOST - 2`` services fit (more are left to the typed menu)."""
    out = []
    for m in registry.discover()[:MOST - 2]:
        if m.ready:
            out.append(Area(m.name_th, m.menu_th, TEXTS["menu_ready"], "ready",
                            Target(m.entry_intent)))
        else:
            out.append(Area(m.name_th, m.menu_th, TEXTS("menu_hotline_only",
                                                         hotline=m.hotlines[0]),
                            "hotline", Target(m.entry_intent)))
    out.append(Area(TEXTS["menu_emergency"], TEXTS["menu_emergency_sub"],
                    TEXTS["menu_emergency_state"], "emergency", Target("emergency")))
    out.append(Area(TEXTS["menu_person"], TEXTS["menu_person_sub"], TEXTS["menu_person_state"],
                    "person", Target("human_handoff")))
    return out


def targets() -> tuple[Target, ...]:
    """The standing menu's targets (intents without entities): always a pressed button."""
    return tuple(a.target for a in areas())


def web_menu() -> dict[str, Any]:
    """The web chat's menu (``GET /api/chat/menu``): its name and its entries."""
    return {"title": TEXTS["menu_alt"], "items": [a.to_dict() for a in areas()]}

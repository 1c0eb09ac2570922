"""What the gateway knows of each conversation, and the choices it last offered there.

``channel_contacts`` keeps, per sender id, the numbered choices last shown (typed:
``Choice.to_dict()``, so they survive restarts and every channel's "1" means the same), when
the user last wrote (Messenger's 24-hour window) and whether the user blocked the account
(LINE unfollow). Rows written before choices were typed (``{"title", "payload"}``) are read
as well (migration ``0004_typed_answers`` also rewrites them).

``pick`` is where a typed number (Thai digits too) or a pressed button becomes the offered
choice, sent to the engine as a ``Payload``: a button's data counts only when it is one of the
choices offered or an entry of the standing menu (the LINE rich menu, Messenger's persistent
menu, the web chat's service list: entry intents without entities), so nobody can type or
forge an intent with entities.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.channels import menu
from bot.app.channels.inbound import Payload
from bot.app.channels.models import ChannelContact
from bot.app.channels.render import choices_from_buttons
from bot.kernel.answer import AnswerError, Choice, Target
from bot.kernel.db import utcnow
from bot.kernel.sender import Sender
from bot.kernel.text import normalize, thai_digits_to_arabic

log = logging.getLogger(__name__)
T = TypeVar("T")

NUMBER = re.compile(r"^\s*([0-9\u0e50-\u0e59]{1,2})\s*[.)]?\s*$")


BUTTON = "button"  # a stored choice that only a card's button offers (not numbered)


def stored(raw: Any) -> Choice | None:
    """A stored choice: typed (``{"title", "target"}``), or as the old code wrote it
    (``{"title", "payload"}``); ``None`` for anything else.

    >>> stored({"title": "ตำรวจ", "payload": "/police_find_station"}).target.intent
    'police_find_station'
    """
    if not isinstance(raw, dict):
        return None
    try:
        if "target" in raw:
            return Choice.from_dict(raw)
        return next(iter(choices_from_buttons([raw])), None)
    except AnswerError:
        return None


def read_choices(raw: Any, buttons: bool = False) -> tuple[Choice, ...]:
    """The numbered choices a contact row holds, whichever code wrote them; with
    ``buttons``, the card buttons offered beside them instead (``BUTTON`` rows)."""
    if not isinstance(raw, list):
        return ()
    rows = [r for r in raw if isinstance(r, dict) and bool(r.get(BUTTON)) == buttons]
    return tuple(c for c in map(stored, rows) if c is not None)


def pick(offered: Sequence[Choice], text: str, standing: Iterable[Target] = ()) -> str:
    """What the engine gets for ``text``: the ``Payload`` of an offered choice when ``text`` is
    its number or its button's data, or of a ``standing`` target (the menu every channel
    shows, ``bot.app.channels.menu``) when it is that target's data; otherwise the text
    (normalised; "?" when nothing is left).

    >>> menu = [Choice("ตำรวจ", Target("police_find_station"))]
    >>> pick(menu, "๑"), type(pick(menu, "๑")).__name__
    ('/police_find_station', 'Payload')
    >>> type(pick(menu, '/share_location{"latitude": 1}')).__name__
    'str'
    """
    pressed = Target.parse(text)
    for target in (*(c.target for c in offered), *standing):  # a button of ours, pressed
        if target == pressed:
            return Payload.of(target)
    clean = normalize(text)  # before any check: invisible characters hide nothing
    number = NUMBER.match(clean)
    if number is not None:
        index = int(thai_digits_to_arabic(number.group(1))) - 1
        if 0 <= index < len(offered):
            return Payload.of(offered[index].target)
    return clean or "?"


class Contacts:
    """The ``channel_contacts`` rows: offered choices, last message time, blocked."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def _row(self, session: Session, sender: Sender) -> ChannelContact:
        contact = session.get(ChannelContact, sender.id)
        if contact is None:
            contact = ChannelContact(sender_id=sender.id, choices=[], blocked=False)
            session.add(contact)
        return contact

    def _change(self, sender: Sender, change: Callable[[ChannelContact], T]) -> T:
        """Apply ``change`` to the sender's row in one transaction, creating the row if
        needed. Two first messages at once both try to create it: the loser retries."""
        for attempt in range(3):
            try:
                with self.factory.begin() as session:
                    return change(self._row(session, sender))
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _seen(self, sender: Sender) -> list[Any]:
        def seen(contact: ChannelContact) -> list[Any]:
            contact.last_inbound_at = utcnow()
            contact.blocked = False
            return list(contact.choices or ())

        return self._change(sender, seen)

    async def seen(self, sender: Sender) -> tuple[Choice, ...]:
        """The user wrote (so is not blocking us): note when; the choices last offered."""
        return read_choices(await asyncio.to_thread(self._seen, sender))

    async def resolve(self, sender: Sender, text: str) -> str:
        """Note that the user wrote ``text``; what the engine should get for it (``pick``).

        After a menu whose first choice is "ตำรวจ" (``Target("police_find_station")``) both
        "1" and "๑" become the ``Payload`` "/police_find_station"; anything else stays text.
        """
        rows = await asyncio.to_thread(self._seen, sender)
        pressable = (c.target for c in read_choices(rows, buttons=True))
        return pick(read_choices(rows), text, (*menu.targets(), *pressable))

    def _offer(self, sender: Sender, choices: tuple[Choice, ...],
               buttons: tuple[Choice, ...]) -> None:
        def change(contact: ChannelContact) -> None:
            # only card buttons this time: the numbered choices shown before still count
            numbered = [c.to_dict() for c in choices or read_choices(contact.choices)]
            contact.choices = numbered + [{**c.to_dict(), BUTTON: True} for c in buttons]
        self._change(sender, change)

    async def offer(self, sender: Sender, choices: Iterable[Choice],
                    buttons: Iterable[Choice] = ()) -> None:
        """Remember the choices just shown: a later number or button picks from them; the
        choice buttons of cards (``buttons``) are taken when pressed, never by number."""
        await asyncio.to_thread(self._offer, sender, tuple(choices), tuple(buttons))

    def _set_blocked(self, sender: Sender, blocked: bool) -> None:
        self._change(sender, lambda contact: setattr(contact, "blocked", blocked))

    async def set_blocked(self, sender: Sender, blocked: bool) -> None:
        """The user blocked (LINE unfollow) or unblocked the account."""
        await asyncio.to_thread(self._set_blocked, sender, blocked)

    def get(self, sender: Sender) -> ChannelContact | None:
        """The sender's row (blocking: call it in a thread from async code)."""
        with self.factory() as session:
            return session.get(ChannelContact, sender.id)

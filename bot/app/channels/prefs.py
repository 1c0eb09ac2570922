"""Short replies in the channels' pipeline: the user's choice, and reading a few at a time.

When a user has asked for short replies (``bot.kernel.short``), ``shorten`` turns the
engine's answers into short messages of one idea each, gives the first few (``PER_TURN``;
an emergency number is never held back) and keeps the rest for "ต่อ"; "อ่านอีกครั้ง" gives
the last ones again. Each short message keeps what its answer offered: the numbered
choices, the phone to call and the links on its last part, the picture (and its text) on
its first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.app.channels.texts import TEXTS
from bot.kernel import short
from bot.kernel.answer import Answer, AnswerError
from bot.kernel.sender import Sender

T = TypeVar("T")
# A line that sends the user to an emergency number now (bot.kernel.emergency.call_text and
# the "also call" line): shown at once even past PER_TURN.
URGENT = re.compile(r"โทร [\d ,]+ (?:ทันที|ด้วย)")


def parts(answer: Answer) -> list[Answer]:
    """``answer`` as short messages (``short.shape``) carrying its extras.

    >>> from bot.kernel.answer import Call
    >>> [p.text for p in parts(Answer("ข้อแรก\\nโทร 1479", call=Call("1479")))]
    ['ข้อแรก', 'โทร 1 4 7 9']
    """
    texts = short.shape(answer.text)
    if not texts:
        return [answer]
    out = [Answer(t) for t in texts]
    out[0] = dataclasses.replace(out[0], image=answer.image)
    out[-1] = dataclasses.replace(out[-1], choices=answer.choices, call=answer.call,
                                  links=answer.links, ask_location=answer.ask_location,
                                  ask_photo=answer.ask_photo)  # a card is left to the text
    return out


def _with_hint(shown: list[Answer], left: int) -> list[Answer]:
    """The last shown message says how to hear the rest (in it when it fits)."""
    if not left:
        return shown
    hint = TEXTS("short_more", count=left)
    last = shown[-1]
    if len(last.text) + 1 + len(hint) <= short.BUBBLE:
        return [*shown[:-1], dataclasses.replace(last, text=f"{last.text}\n{hint}")]
    return [*shown, Answer(hint)]


def _dicts(answers: list[Answer]) -> list[dict]:
    return [a.to_dict() for a in answers]


def _answers(raw: list[dict] | None) -> list[Answer]:
    out = []
    for item in raw or ():
        try:
            out.append(Answer.from_dict(item))
        except AnswerError:
            continue
    return out


class ReplyPrefs:
    """The ``reply_prefs`` rows, used by the gateway."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    async def _in(self, fn: Callable[[Session], T]) -> T:
        def work() -> T:
            with self.factory.begin() as session:
                return fn(session)
        return await asyncio.to_thread(work)

    def forget_old(self) -> int:
        """Forget what was left to read by quiet users (``short.forget_old``)."""
        with self.factory.begin() as session:
            return short.forget_old(session)

    async def is_short(self, sender: Sender) -> bool:
        return await self._in(lambda s: short.is_short(s, sender.id))

    async def set_short(self, sender: Sender, on: bool) -> None:
        await self._in(lambda s: short.set_short(s, sender.id, on))

    def _show(self, session: Session, sender: Sender, queue: list[Answer]) -> list[Answer]:
        count = min(short.PER_TURN, len(queue))
        while count < len(queue) and URGENT.search(queue[count].text):
            count += 1
        shown, rest = queue[:count], queue[count:]
        row = short.preference(session, sender.id)
        row.pending, row.last = _dicts(rest), _dicts(shown)
        return _with_hint(shown, len(rest))

    async def shorten(self, sender: Sender, answers: list[Answer]) -> list[Answer]:
        """The first short messages of ``answers``; the rest kept for "ต่อ"."""
        queue = [p for a in answers for p in parts(a)]
        return await self._in(lambda s: self._show(s, sender, queue))

    async def more(self, sender: Sender) -> list[Answer] | None:
        """The next short messages, or ``None`` when nothing is left to read."""
        def take(session: Session) -> list[Answer] | None:
            row = session.get(short.ReplyPreference, sender.id)
            queue = _answers(row.pending) if row is not None else []
            return self._show(session, sender, queue) if queue else None
        return await self._in(take)

    async def again(self, sender: Sender) -> list[Answer] | None:
        """The short messages read last (with the hint again), or ``None``."""
        def read(session: Session) -> list[Answer] | None:
            row = session.get(short.ReplyPreference, sender.id)
            if row is None or not row.last:
                return None
            return _with_hint(_answers(row.last), len(row.pending or ()))
        return await self._in(read)

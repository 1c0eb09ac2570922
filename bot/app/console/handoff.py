"""Live handoff: a conversation with an open ``handoff_requests`` row is paused.

Decision (documented in the README): the engine's tracker is not paused. The gateway holds
the pause: while the sender has an open request, an ordinary message is stored in the
transcript and the engine is not asked (the bot stays silent); an emergency message
(``bot.kernel.emergency``) still goes to the engine, whose first answer is its hotline, and
raises the case's priority. The request itself is opened by the engine
(``actions.core.open_handoff``): the ``human_handoff`` intent, a second misunderstanding in a
row, or an emergency conversation that goes on (urgent); the engine records the service the
conversation was with. An operator claims it (a conditional UPDATE: one operator only),
replies through the outbox (``bot.kernel.notify``: LINE and Messenger are pushed by the
notifier, the web chat's live stream takes them at once), and hands it back: the request is
closed and the bot says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app.console.models import HandoffMessage, StaffUser
from bot.app.models import HandoffRequest
from bot.kernel import notify
from bot.kernel.db import utcnow
from bot.kernel.text import bare

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent / "data" / "console.yml"
BANGKOK = timezone(timedelta(hours=7))
OPEN, CLOSED = "open", "closed"
CITIZEN, BOT, OPERATOR, NOTE, SYSTEM = "citizen", "bot", "operator", "note", "system"
MAX_REPLY = 2000
SUMMARY_LINES = 6


def withdraws(said: str) -> bool:
    """Whether the citizen's message is just "stop waiting for a person" (``console.yml``)."""
    return bare(said) in _withdraw_phrases()


@lru_cache(maxsize=1)
def _withdraw_phrases() -> frozenset[str]:
    return frozenset(bare(p) for p in config()["withdraw"])


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def text(key: str, **values: Any) -> str:
    hotline = config()["hotline"]
    return config()["texts"][key].format(number=hotline["number"], name=hotline["name"],
                                         **values)


def service_hours(env: dict[str, str] | None = None) -> tuple[time, time] | None:
    """(start, end) in Thailand time; None: around the clock (``CONSOLE_HOURS=24h``)."""
    env = os.environ if env is None else env
    raw = (env.get("CONSOLE_HOURS") or config()["hours"]).strip()
    if raw.lower() in ("24h", "24/7", "always"):
        return None
    start, end = raw.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def claim_minutes(env: dict[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    return float(env.get("CONSOLE_CLAIM_MINUTES") or config()["claim_minutes"])


def in_hours(now: datetime | None = None, env: dict[str, str] | None = None) -> bool:
    """Whether operators are on duty now.

    >>> in_hours(datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc), {"CONSOLE_HOURS": "08:30-16:30"})
    True
    >>> in_hours(datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc), {"CONSOLE_HOURS": "08:30-16:30"})
    False
    """
    hours = service_hours(env)
    if hours is None:
        return True
    local = (now or utcnow()).astimezone(BANGKOK).time()
    return hours[0] <= local < hours[1]


def hours_label(env: dict[str, str] | None = None) -> str:
    hours = service_hours(env)
    return "ตลอด 24 ชั่วโมง" if hours is None else \
        f"{hours[0].strftime('%H:%M')}-{hours[1].strftime('%H:%M')}"


@dataclass
class Line:
    kind: str
    author: str
    text: str
    at: datetime


def reply_minutes(env: dict[str, str] | None = None) -> float:
    """The most minutes a citizen should wait for an operator's answer (the SLA target)."""
    env = os.environ if env is None else env
    return float(env.get("CONSOLE_REPLY_MINUTES") or config()["reply_minutes"])


@dataclass
class Sla:
    """Reply times of one conversation with a person, in minutes."""

    first: float | None  # from the request to the first operator answer
    next: list[float]  # from a citizen's message to the operator's next answer, each time
    waiting: float | None  # the citizen has been waiting this long for an answer now
    limit: float

    @property
    def breaches(self) -> int:
        """Answers (and the current wait) over the target."""
        return sum(1 for m in (self.first, *self.next, self.waiting)
                   if m is not None and m > self.limit)

    @property
    def longest_next(self) -> float | None:
        return max(self.next, default=None)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def sla(case: HandoffRequest, lines: list[Line], now: datetime | None = None,
        limit: float | None = None) -> Sla:
    """The reply times of ``case`` from its transcript: the clock runs from the request (then
    from the first citizen message after an answer) until an operator answers.

    >>> t = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
    >>> case = HandoffRequest(created_at=t, status=OPEN)
    >>> said = [Line(CITIZEN, "", "ขอคุยกับคน", t), Line(OPERATOR, "ก", "สวัสดี", t + timedelta(minutes=4)),
    ...         Line(CITIZEN, "", "ถาม", t + timedelta(minutes=5)), Line(NOTE, "ก", "บันทึก", t + timedelta(minutes=6)),
    ...         Line(OPERATOR, "ก", "ตอบ", t + timedelta(minutes=12)), Line(CITIZEN, "", "อีก", t + timedelta(minutes=13))]
    >>> found = sla(case, said, now=t + timedelta(minutes=20), limit=5)
    >>> found.first, found.next, found.waiting, found.breaches
    (4.0, [7.0], 7.0, 2)
    """
    since: datetime | None = aware(case.created_at)
    first, later = None, []
    for line in lines:
        if line.kind == CITIZEN and since is None:
            since = aware(line.at)
        elif line.kind == OPERATOR and since is not None:
            minutes = (aware(line.at) - since).total_seconds() / 60
            if first is None:
                first = minutes
            else:
                later.append(minutes)
            since = None
    waiting = None
    if since is not None and case.status == OPEN:
        waiting = ((now or utcnow()) - since).total_seconds() / 60
    return Sla(first, later, waiting, reply_minutes() if limit is None else limit)


class Hub:
    """Wakes the live streams: per sender (the web chat) and the console's (any change).

    ``poke`` may be called from any thread (the database work runs in threads). With a
    ``relay`` (``bot.app.shared``: several web apps) the other web apps' hubs are poked too.
    """

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None  # the listeners' loop
        self.relay: Callable[[tuple[str, ...]], None] | None = None

    def listen(self, key: str) -> asyncio.Event:
        self._loop = asyncio.get_running_loop()
        event = asyncio.Event()
        self._events[key].add(event)
        return event

    def forget(self, key: str, event: asyncio.Event) -> None:
        self._events[key].discard(event)
        if not self._events[key]:
            del self._events[key]

    def poke(self, *keys: str) -> None:
        self.wake(*keys)
        if self.relay is not None:
            self.relay(keys)

    def wake(self, *keys: str) -> None:
        """Wake this process's listeners of ``keys`` (only these: the relay calls it)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:  # a worker thread
            here = False
        if here:
            self._set(keys)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._set, keys)

    def _set(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            for event in list(self._events.get(key, ())):
                event.set()


CONSOLE = "console"  # the hub key every console page listens to


class Handoffs:
    """The paused conversations over the app database."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.hub = Hub()
        self.on_reply: list = []  # callbacks after a notification was queued (the notifier)

    # --- the gateway's side -------------------------------------------------------------

    def _open(self, session: Session, sender_id: str) -> HandoffRequest | None:
        return session.scalars(select(HandoffRequest).where(
            HandoffRequest.sender_id == sender_id, HandoffRequest.status == OPEN)).first()

    def open_case(self, sender_id: str) -> HandoffRequest | None:
        with self.factory() as session:
            return self._open(session, sender_id)

    def record(self, case_id: int, lines: list[tuple[str, str]], urgent: bool = False) -> None:
        """Add ``(kind, text)`` lines to a case's transcript; ``urgent`` raises its priority."""
        with self.factory.begin() as session:
            for kind, said in lines:
                if said:
                    session.add(HandoffMessage(handoff_id=case_id, kind=kind, author="",
                                               text=said[:MAX_REPLY * 2]))
            if urgent:
                session.execute(update(HandoffRequest).where(HandoffRequest.id == case_id)
                                .values(priority=1))
        self.hub.poke(CONSOLE)

    def started(self, case: HandoffRequest, service: str, urgent: bool) -> str:
        """A request just opened: the service the conversation was with is kept (the engine
        recorded it) unless ``service`` names one; ``urgent`` raises the priority; the
        transcript starts with the citizen's recent messages. The words for the citizen."""
        values: dict[str, Any] = {"service": service[:32]} if service else {}
        if urgent:
            values["priority"] = 1
        with self.factory.begin() as session:
            if values:
                session.execute(update(HandoffRequest).where(HandoffRequest.id == case.id)
                                .values(**values))
            for said in (case.context or "").splitlines()[-SUMMARY_LINES:]:
                session.add(HandoffMessage(handoff_id=case.id, kind=CITIZEN, author="",
                                           text=said))
        self.hub.poke(CONSOLE)
        if not in_hours():
            return text("after_hours", hours=hours_label())
        return text("paused")

    # --- the console's side -------------------------------------------------------------

    def queue(self, agencies: list[str] | None = None) -> list[HandoffRequest]:
        """Open requests: emergencies first, then the longest waiting. ``agencies``: only
        those transferred to these services' agencies (agency staff); None: all."""
        query = select(HandoffRequest).where(HandoffRequest.status == OPEN)
        if agencies is not None:
            query = query.where(HandoffRequest.agency.in_(agencies))
        with self.factory() as session:
            return list(session.scalars(query.order_by(
                HandoffRequest.priority.desc(), HandoffRequest.created_at,
                HandoffRequest.id)))

    def get(self, case_id: int) -> HandoffRequest | None:
        with self.factory() as session:
            return session.get(HandoffRequest, case_id)

    def transcript(self, case_id: int) -> list[Line]:
        with self.factory() as session:
            rows = session.scalars(select(HandoffMessage).where(
                HandoffMessage.handoff_id == case_id).order_by(HandoffMessage.id))
            return [Line(r.kind, r.author, r.text, r.at) for r in rows]

    def claim(self, session: Session, case_id: int, user: StaffUser) -> bool:
        """Take an open, unclaimed request; False when someone else was first."""
        taken = session.execute(update(HandoffRequest).where(
            HandoffRequest.id == case_id, HandoffRequest.status == OPEN,
            HandoffRequest.claimed_by.is_(None)).values(
            claimed_by=user.id, claimed_at=utcnow())).rowcount
        if taken != 1:
            return False
        case = session.get(HandoffRequest, case_id)
        self._tell(session, case, text("claimed", operator=user.display_name), "console.claimed")
        return True

    def reply(self, session: Session, case: HandoffRequest, user: StaffUser,
              said: str) -> None:
        session.add(HandoffMessage(handoff_id=case.id, kind=OPERATOR,
                                   author=user.display_name, text=said))
        if case.first_reply_at is None:
            case.first_reply_at = utcnow()
        self._tell(session, case, config()["texts"]["operator_prefix"] + said, "console.reply")

    def note(self, session: Session, case: HandoffRequest, user: StaffUser, said: str) -> None:
        session.add(HandoffMessage(handoff_id=case.id, kind=NOTE, author=user.display_name,
                                   text=said))

    def resume(self, session: Session, case: HandoffRequest) -> None:
        """Hand back to the bot: the request is closed and the citizen told (the marker)."""
        case.status, case.closed_at = CLOSED, utcnow()
        session.add(HandoffMessage(handoff_id=case.id, kind=SYSTEM, author="",
                                   text=text("resumed")))
        self._tell(session, case, text("resumed"), "console.resumed")

    def withdraw(self, case_id: int) -> str:
        """The citizen no longer waits for a person ("ยกเลิก"): the request is closed, the
        operator sees why in the transcript, the bot answers again. The words for the citizen."""
        with self.factory.begin() as session:
            session.execute(update(HandoffRequest).where(
                HandoffRequest.id == case_id, HandoffRequest.status == OPEN)
                .values(status=CLOSED, closed_at=utcnow()))
            session.add(HandoffMessage(handoff_id=case_id, kind=SYSTEM, author="",
                                       text=text("withdrawn_note")))
        self.hub.poke(CONSOLE)
        return text("withdrawn")

    def transfer(self, session: Session, case: HandoffRequest, to: StaffUser) -> None:
        """Another staff member holds the conversation now."""
        case.claimed_by, case.claimed_at = to.id, utcnow()
        session.add(HandoffMessage(handoff_id=case.id, kind=SYSTEM, author="",
                                   text=text("to_operator", operator=to.display_name)))

    def transfer_agency(self, session: Session, case: HandoffRequest, service: str,
                        agency: str) -> None:
        """The conversation goes to the agency of ``service``: it waits unclaimed in the
        queue of that agency's staff (scoped to their services); the citizen is told."""
        case.agency, case.claimed_by, case.claimed_at = service, None, None
        said = text("to_agency", agency=agency)
        session.add(HandoffMessage(handoff_id=case.id, kind=SYSTEM, author="", text=said))
        notify.enqueue(session, case.sender_id, said, kind="console.agency")

    def _tell(self, session: Session, case: HandoffRequest, said: str, kind: str) -> None:
        notify.enqueue(session, case.sender_id, said, kind=kind)
        if kind == "console.claimed":
            session.add(HandoffMessage(handoff_id=case.id, kind=SYSTEM, author="", text=said))

    def changed(self, sender_id: str) -> None:
        """After a committed change: wake the citizen's stream, the console and the notifier."""
        self.hub.poke(sender_id, CONSOLE)
        self.notified()

    def notified(self) -> None:
        """After notifications were committed (a reply, a case's new status): push them."""
        for callback in self.on_reply:
            callback()

    def tell_unclaimed(self, now: datetime | None = None) -> int:
        """Citizens waiting unclaimed longer than the set time are told and given the
        hotline, once per request."""
        limit = (now or utcnow()) - timedelta(minutes=claim_minutes())
        told = []
        with self.factory.begin() as session:
            for case in session.scalars(select(HandoffRequest).where(
                    HandoffRequest.status == OPEN, HandoffRequest.claimed_by.is_(None),
                    HandoffRequest.timeout_told.is_(False))):
                if aware(case.created_at) <= limit:
                    case.timeout_told = True
                    said = text("unclaimed", minutes=f"{claim_minutes():g}")
                    notify.enqueue(session, case.sender_id, said, kind="console.unclaimed",
                                   dedupe_key=f"console:unclaimed:{case.id}")
                    session.add(HandoffMessage(handoff_id=case.id, kind=SYSTEM, author="",
                                               text=said))
                    told.append(case.sender_id)
        for sender_id in told:
            self.changed(sender_id)
        return len(told)

    async def watch(self, every: float = 30.0) -> None:
        """Run ``tell_unclaimed`` until cancelled."""
        while True:
            try:
                await asyncio.to_thread(self.tell_unclaimed)
            except Exception:
                log.exception("unclaimed handoff check failed")
            await asyncio.sleep(every)

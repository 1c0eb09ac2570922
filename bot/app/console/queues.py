"""Each service's cases for its agency staff, and what staff may do to them.

The queues are the skills' own: each skill declares its case tables in its manifest
(``queues``: title, columns, and where the case number comes from, so the number shown is the
one the citizen was told; ``bot.kernel.registry.CaseQueue``), and what staff may do in
``ACTIONS`` of its ``skills/<id>/console.py`` (``bot.kernel.cases.CaseAction``), found through
the registry like the skills' pages. The app layer never imports a skill by name. A queue whose
table is missing (the skill's migration has not run) is left out.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect, select
from sqlalchemy.orm import Session

from bot.app.console import handoff
from bot.kernel import registry
from bot.kernel.cases import CaseAction, case_number
from bot.kernel.db import utcnow

LIMIT = 100
DAYS = 14


@dataclass(frozen=True)
class Queue:
    service: str  # the skill id agency staff are given
    spec: registry.CaseQueue
    actions: tuple[CaseAction, ...] = ()

    @property
    def title(self) -> str:
        return self.spec.title_th

    @property
    def table(self) -> str:
        return self.spec.table

    def number(self, row: Mapping[str, Any]) -> str:
        """The number the citizen was told for ``row``."""
        if self.spec.number:
            return str(row.get(self.spec.number) or "-")
        return case_number(self.spec.prefix, row["id"])


@dataclass
class Row:
    id: int
    number: str
    cells: list[str]
    actions: list[CaseAction] = field(default_factory=list)


@dataclass
class Listing:
    queue: Queue
    headings: list[str]
    rows: list[Row]
    forms: list[CaseAction]  # actions that make a new case (above the table)


def _actions(skill: registry.Manifest) -> tuple[CaseAction, ...]:
    if not (skill.path / "console.py").exists():
        return ()
    return tuple(importlib.import_module(f"skills.{skill.id}.console").ACTIONS)


@lru_cache(maxsize=1)
def all_queues() -> tuple[Queue, ...]:
    """Every installed skill's queues, in menu order."""
    found = []
    for skill in registry.discover():
        actions = _actions(skill)
        found += [Queue(skill.id, q, tuple(a for a in actions if a.table == q.table))
                  for q in skill.queues]
    return tuple(found)


def visible(services: list[str] | None) -> list[Queue]:
    """The queues of ``services`` (None: all, for supervisors and admins)."""
    return [q for q in all_queues() if services is None or q.service in services]


def find(table: str) -> Queue | None:
    return next((q for q in all_queues() if q.table == table), None)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def listings(engine: Engine, services: list[str] | None) -> list[Listing]:
    """The newest cases of each visible queue whose table exists."""
    names = _tables(engine)
    found = []
    with engine.connect() as conn:
        for queue in visible(services):
            if queue.table not in names:
                continue
            table = Table(queue.table, MetaData(), autoload_with=conn)
            shown = [(c, h) for c, h in queue.spec.columns if c in table.c]
            rows = conn.execute(select(table).order_by(table.c.id.desc()).limit(LIMIT))
            found.append(Listing(
                queue, ["เลขเรื่อง", *(h for _, h in shown)],
                [Row(r["id"], queue.number(r), [_cell(r[c]) for c, _ in shown],
                     [a for a in queue.actions if a.on_case
                      and (a.applies is None or a.applies(r))])
                 for r in (row._mapping for row in rows)],
                [a for a in queue.actions if not a.on_case]))
    return found


def case_label(session: Session, queue: Queue, case_id: int | None) -> str:
    """The number of a case for the audit log ("" for a new one)."""
    if case_id is None:
        return ""
    table = Table(queue.table, MetaData(), autoload_with=session.connection())
    row = session.execute(select(table).where(table.c.id == case_id)).mappings().first()
    return queue.number(row) if row is not None else str(case_id)


def per_day(engine: Engine, handoffs: Table, days: int = DAYS,
            today: date | None = None) -> list[tuple[str, str, int]]:
    """(day, service's Thai name, cases that arrived) for the last ``days`` days in Thailand
    time: each queue's cases and the conversations handed to a person (by the service they
    were in). Days are counted here, not by the database's ``date()``, which would give UTC
    days (a case at 06:00 in Bangkok belongs to that day, not to the one before)."""
    today = today or utcnow().astimezone(handoff.BANGKOK).date()
    since = datetime.combine(today - timedelta(days=days - 1), time(), handoff.BANGKOK)
    names = _tables(engine)
    titles = {m.id: m.name_th for m in registry.discover()}
    counts: Counter[tuple[str, str]] = Counter()

    def day(moment: datetime) -> str:
        return handoff.aware(moment).astimezone(handoff.BANGKOK).date().isoformat()

    with engine.connect() as conn:
        for at, service in conn.execute(select(handoffs.c.created_at, handoffs.c.service)
                                        .where(handoffs.c.created_at >= _utc(since))):
            counts[day(at), handoff.text("per_day", service=titles.get(
                service, handoff.text("no_service")))] += 1
        for queue in all_queues():
            if queue.table not in names:
                continue
            table = Table(queue.table, MetaData(), autoload_with=conn)
            when = table.c[queue.spec.created]
            for (at,) in conn.execute(select(when).where(when >= _utc(since))):
                counts[day(at), queue.title] += 1
    return sorted(sorted(((d, t, n) for (d, t), n in counts.items()), key=lambda c: c[1]),
                  key=lambda c: c[0], reverse=True)


def _utc(moment: datetime) -> datetime:
    """A bound for a timestamp column: UTC (columns hold UTC, with or without a zone)."""
    return moment.astimezone(timezone.utc)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"

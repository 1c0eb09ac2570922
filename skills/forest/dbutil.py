"""Database helpers shared by the skill's modules: insert-or-ignore on both dialects, retries.

``insert_ignore`` is how a unique constraint, not a check-then-insert, decides who wins when
two writers race (a re-sent observation, two readings raising the same alarm).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


@lru_cache(maxsize=64)
def _insert_ignore(dialect: str, model: type, conflict: tuple[str, ...]):
    # one statement object per table and dialect, so SQLAlchemy compiles it once
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__  # Core, not the ORM's bulk path: compiled once, cached
    return (insert(table).on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c.id))


def insert_ignore(session: Session, model: type, values: dict[str, Any],
                  conflict: list[str]) -> int | None:
    """Insert a row unless one with the same ``conflict`` columns exists; the new id or ``None``."""
    stmt = _insert_ignore(session.get_bind().dialect.name, model, tuple(conflict))
    return session.execute(stmt, values).scalar()


def in_transaction(factory: sessionmaker[Session], fn: Callable[..., T], *args: Any,
                   attempts: int = 8) -> T:
    """``fn(session, *args)`` in one transaction, retried when SQLite reports a busy database
    (a WAL reader that must become a writer after another commit fails at once)."""
    for attempt in range(attempts):
        try:
            with factory.begin() as session:
                return fn(session, *args)
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def aware(moment):
    """A stored time as timezone-aware UTC (SQLite hands them back naive, already in UTC)."""
    from datetime import timezone

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)

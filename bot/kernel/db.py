"""App database: SQLAlchemy 2 engine and sessions, Alembic migrations.

SQLite (WAL) under ``var/`` by default; PostgreSQL when ``DATABASE_URL`` says so. The
schema is only ever changed by migrations: the core's in ``bot/app/migrations/versions`` and
each skill's own in ``skills/<id>/migrations`` (an Alembic branch labelled with the skill id
that starts from ``0001_core``), so adding a skill never edits another's migrations::

    python -m bot.kernel.db upgrade
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as _exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[1] / "app" / "migrations"

# The database cannot be reached or is busy (a restart, a lost connection, a full pool, SQLite
# locked): nothing was written, and the same request can simply be made again later.
UNAVAILABLE = (_exc.OperationalError, _exc.InterfaceError, _exc.TimeoutError)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: what every table stores."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base for every table of the app (core and skills)."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One pooled engine per database URL for the life of the process."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(url: str) -> sessionmaker[Session]:
    """A session factory bound to ``url``; use ``with factory.begin() as s:``."""
    return sessionmaker(engine_for(url), expire_on_commit=False)


def migration_locations() -> list[Path]:
    """The core's migration folder and every skill's, if it has one."""
    skills = MIGRATIONS.parents[2] / "skills"
    return [MIGRATIONS / "versions", *sorted(skills.glob("*/migrations"))]


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations",
                        os.pathsep.join(str(p) for p in migration_locations()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision``, by default every branch's head (idempotent)."""
    from alembic import command

    engine_for(url)  # creates the SQLite folder if needed
    command.upgrade(alembic_config(url), revision)


def main(argv: list[str]) -> int:
    from bot.kernel.settings import Settings

    url = Settings.from_env().database_url
    if argv[:1] == ["upgrade"]:
        upgrade(url)
        print("database is up to date")
        return 0
    print("usage: python -m bot.kernel.db upgrade", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

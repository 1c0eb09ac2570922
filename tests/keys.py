"""Agency API keys for tests: stored as the console stores them (``bot.kernel.apikeys``,
only the hash), with a value the test chooses so it can send it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.kernel import apikeys
from bot.kernel.db import session_factory


def add_key(database_url: str, key: str, agency: str, services: Iterable[str],
            name: str = "หน่วยงานทดสอบ") -> dict[str, str]:
    """Store ``key`` for ``agency`` and ``services``; the ``Authorization`` header that sends it."""
    with session_factory(database_url).begin() as session:
        session.add(apikeys.ApiKey(key_hash=apikeys.digest(key), agency_code=agency,
                                   agency_name=name, services=list(services)))
    return {"Authorization": f"Bearer {key}"}

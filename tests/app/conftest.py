"""App-runtime test setup (Python 3.12)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A new empty PostgreSQL database (the machine's server, else one of our own), migrated
    with ``python -m bot.kernel.db upgrade`` as deployments do; dropped afterwards. Skips,
    saying why, when no server can be had."""
    from bot.kernel import db
    from tests import servers

    try:
        with servers.postgres_admin() as admin, servers.postgres_database(admin) as database:
            url = database["app"]
            subprocess.run([sys.executable, "-m", "bot.kernel.db", "upgrade"],
                           cwd=db.MIGRATIONS.parents[2], check=True,
                           env={**os.environ, "DATABASE_URL": url}, capture_output=True)
            try:
                yield url
            finally:
                db.engine_for(url).dispose()
    except servers.Unavailable as why:
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 and none can be "
                    f"started here: {why}")

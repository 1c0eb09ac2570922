"""Work that runs once per deployment (``bot.kernel.lease``): of several web apps on one app
database, one runs it; when that one stops, another takes it over within the lease's time."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import delete

from bot.kernel import db, lease


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        db.upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
        with db.session_factory(url).begin() as session:
            session.execute(delete(lease.LeaseRow))
    return db.session_factory(url)


def test_one_holder_at_a_time_and_a_lapsed_lease_is_taken_over(factory):
    a, b = lease.Lease(factory, "chores", ttl=0.5), lease.Lease(factory, "chores", ttl=0.5)
    assert a.hold() and not b.hold()
    assert a.hold() and not b.hold()  # renewed
    assert lease.Lease(factory, "other work").hold()  # another name: its own lease
    time.sleep(0.6)  # a stopped renewing (it died)
    assert b.hold() and not a.hold()
    b.release()
    assert a.hold()


@pytest.mark.asyncio
async def test_of_two_web_apps_one_runs_the_loop_and_the_other_takes_over(factory):
    running: list[str] = []

    def loops(app: str):
        async def loop() -> None:
            running.append(app)
            try:
                await asyncio.Event().wait()
            finally:
                running.remove(app)
        return lambda: [loop()]

    first = asyncio.create_task(lease.only_one(factory, "forest", loops("a"), ttl=0.6))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(lease.only_one(factory, "forest", loops("b"), ttl=0.6))
    await asyncio.sleep(0.5)
    assert running == ["a"]
    first.cancel()  # web app A stops: its lease is given back
    await asyncio.gather(first, return_exceptions=True)
    for _ in range(30):
        if running == ["b"]:
            break
        await asyncio.sleep(0.05)
    assert running == ["b"]
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert running == []

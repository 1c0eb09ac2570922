"""What several web apps share through Redis (``bot.app.shared``), on a real Redis server (the
machine's, else one of our own): a client's rate-limit budget is one across the web apps, and
a live stream held by one web app is woken by a poke made on another. Without Redis the
limits count in the process and the pokes stay in it."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading

import pytest

from bot.app import shared
from bot.app.console.handoff import Hub
from bot.kernel.settings import Settings
from bot.tools.stack import free_port
from tests import servers


@pytest.fixture(scope="module")
def redis_at():
    try:
        with servers.redis_server() as (host, port):
            yield host, port
    except servers.Unavailable as why:
        pytest.skip(f"a Redis server is needed: {why}")


def settings(host: str, port: int, prefix: str) -> Settings:
    return Settings.from_env({"LOCK_STORE": "redis", "REDIS_HOST": host, "REDIS_PORT": str(port),
                              "LOCK_KEY_PREFIX": prefix, "SECRET_KEY": "k"})


def test_nothing_is_shared_without_the_redis_lock_store():
    assert shared.connect(Settings.from_env({"SECRET_KEY": "k"})) is None
    assert shared.rate_limit(None, "chat", 60, 30).retry_after("198.51.100.7") is None


@pytest.mark.asyncio
async def test_two_web_apps_give_a_client_one_budget(redis_at):
    prefix = "t" + secrets.token_hex(4)
    a, b = shared.connect(settings(*redis_at, prefix)), shared.connect(settings(*redis_at, prefix))
    try:
        on_a = shared.rate_limit(a, "chat", per_minute=2, burst=2)
        on_b = shared.rate_limit(b, "chat", per_minute=2, burst=2)
        assert await on_a.check("198.51.100.7") is None
        assert await on_b.check("198.51.100.7") is None  # the second of the burst, on B
        for limit in (on_a, on_b):  # the budget is spent on both
            wait = await limit.check("198.51.100.7")
            assert wait is not None and 29 <= wait <= 30
        assert await on_b.check("203.0.113.9") is None  # another client has its own
        stored = [key async for key in a.client.scan_iter(f"{prefix}:*")]
        assert stored and not any(b"198.51" in key for key in stored)  # no address kept
    finally:
        await a.client.delete(*[k async for k in a.client.scan_iter(f"{prefix}:*")])
        await a.close()
        await b.close()


@pytest.mark.asyncio
async def test_while_redis_does_not_answer_the_web_app_counts_alone():
    gone = shared.connect(settings("127.0.0.1", free_port(), "gone"))  # nothing listens
    try:
        limit = shared.rate_limit(gone, "chat", per_minute=2, burst=2)
        assert [await limit.check("198.51.100.7") for _ in range(2)] == [None, None]
        assert await limit.check("198.51.100.7") == 30.0  # still limited, never blocked
    finally:
        await gone.close()


async def subscribed(client, channel: str, count: int) -> None:
    for _ in range(100):
        if dict(await client.pubsub_numsub(channel)).get(channel.encode(), 0) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} subscribers on {channel}")


@contextlib.asynccontextmanager
async def two_web_apps(host: str, port: int, prefix: str):
    """The hubs of two web apps, each with its relay running; relays stopped afterwards."""
    apps = [shared.connect(settings(host, port, prefix)) for _ in range(2)]
    hubs = [Hub(), Hub()]
    relays = [asyncio.create_task(shared.Relay(s, h).run())
              for s, h in zip(apps, hubs, strict=True)]
    try:
        await subscribed(apps[0].client, f"{prefix}:hub", 2)
        yield hubs, apps[0].client
    finally:
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        for s in apps:
            await s.close()
    assert all(h.relay is None for h in hubs)


@pytest.mark.asyncio
async def test_a_poke_on_one_web_app_wakes_a_stream_held_by_another(redis_at):
    async with two_web_apps(*redis_at, "t" + secrets.token_hex(4)) as (hubs, _):
        citizen = hubs[1].listen("web:citizen")  # the citizen's stream is on web app B
        other = hubs[1].listen("web:someone-else")
        console_a = hubs[0].listen("console")  # and an operator's page on web app A
        # the operator's reply is written in a worker thread of web app A
        threading.Thread(target=hubs[0].poke, args=("web:citizen", "console")).start()
        await asyncio.wait_for(citizen.wait(), 3)
        await asyncio.wait_for(console_a.wait(), 3)  # its own process, at once
        assert not other.is_set()


@pytest.mark.asyncio
async def test_without_a_relay_a_poke_from_a_worker_thread_wakes_the_stream():
    hub = Hub()
    stream = hub.listen("web:citizen")
    await asyncio.to_thread(hub.poke, "web:citizen")
    await asyncio.wait_for(stream.wait(), 1)


@pytest.mark.asyncio
async def test_wake_ups_are_shared_again_after_redis_restarts():
    try:
        own = servers.own_redis()
        server = own.__enter__()
    except servers.Unavailable as why:
        pytest.skip(f"a Redis server of our own is needed: {why}")
    try:
        async with two_web_apps("127.0.0.1", server.port, "restart") as (hubs, client):
            await asyncio.to_thread(server.restart)
            await subscribed(client, "restart:hub", 2)  # both subscribed again
            stream = hubs[1].listen("web:citizen")
            hubs[0].poke("web:citizen")
            await asyncio.wait_for(stream.wait(), 3)
    finally:
        own.__exit__(None, None, None)

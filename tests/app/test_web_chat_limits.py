"""The web chat API's per-client rate limit and its body handling, in-process."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app.web.app import create_app
from tests.app.test_channels_app import settings_for


def bad(n: int) -> dict:
    return {"sender": f"limit-test-{n:03d}", "text": 5}  # refused before the engine: fast


@pytest.mark.asyncio
async def test_a_client_that_floods_the_chat_waits_and_is_told_so_in_thai(tmp_path):
    settings = settings_for(tmp_path, chat_rate_per_minute=4.0)  # burst 2
    async with TestClient(TestServer(create_app(settings))) as client:
        first = [(await client.post("/api/chat", json=bad(n))).status for n in range(2)]
        assert first == [400, 400]  # counted, answered on their merits
        flood = await client.post("/api/chat", json=bad(3))
        assert flood.status == 429
        assert "ถี่เกินไป" in (await flood.json())["error"]
        assert 1 <= int(flood.headers["Retry-After"]) <= 15


@pytest.mark.asyncio
async def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(tmp_path):
    settings = settings_for(tmp_path, chat_rate_per_minute=2.0, trust_proxy=True)  # burst 1
    async with TestClient(TestServer(create_app(settings))) as client:
        one = {"X-Forwarded-For": "203.0.113.1"}
        two = {"X-Forwarded-For": "203.0.113.2"}
        assert (await client.post("/api/chat", json=bad(1), headers=one)).status == 400
        assert (await client.post("/api/chat", json=bad(2), headers=one)).status == 429
        assert (await client.post("/api/chat", json=bad(3), headers=two)).status == 400


@pytest.mark.asyncio
async def test_without_a_trusted_proxy_a_forged_header_buys_nothing(tmp_path):
    settings = settings_for(tmp_path, chat_rate_per_minute=2.0)  # burst 1
    async with TestClient(TestServer(create_app(settings))) as client:
        assert (await client.post("/api/chat", json=bad(1),
                                  headers={"X-Forwarded-For": "203.0.113.1"})).status == 400
        assert (await client.post("/api/chat", json=bad(2),
                                  headers={"X-Forwarded-For": "203.0.113.2"})).status == 429


@pytest.mark.asyncio
async def test_an_oversized_chat_body_is_413_with_a_thai_reason(tmp_path):
    async with TestClient(TestServer(create_app(settings_for(tmp_path)))) as client:
        resp = await client.post("/api/chat", data=b'{"text": "' + b"a" * 20000 + b'"}',
                                 headers={"Content-Type": "application/json"})
        assert resp.status == 413 and "ยาวเกิน" in (await resp.json())["error"]

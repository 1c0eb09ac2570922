"""Channels in the app: off without credentials (one log line), webhooks guarded when on,
the outage text on every channel when the engine is down, security headers on every answer."""

from __future__ import annotations

import dataclasses
import json
import logging
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app.channels.testing import (
    FakeGraph,
    FakeLine,
    line_body,
    line_signature,
    line_text_event,
    messenger_signature,
)
from bot.app.channels.texts import TEXTS
from bot.app.web.app import create_app
from bot.kernel import db
from bot.kernel.settings import Settings
from bot.tools.stack import free_port


def settings_for(tmp_path, **channels) -> Settings:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    base = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k",
                              "ENGINE_URL": "http://127.0.0.1:9"})
    return dataclasses.replace(base, database_url=url, **channels)


@pytest.mark.asyncio
async def test_channels_without_credentials_are_off_and_say_so_once(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.app.web.app")
    async with TestClient(TestServer(create_app(settings_for(tmp_path)))) as client:
        assert (await client.post("/webhooks/line", data=b"{}")).status == 404
        assert (await client.get("/webhooks/messenger")).status == 404
    lines = [r.getMessage() for r in caplog.records]
    assert lines.count("LINE channel off: its credentials are not set") == 1
    assert lines.count("Messenger channel off: its credentials are not set") == 1


@pytest.mark.asyncio
async def test_webhooks_refuse_unsigned_or_malformed_posts_with_a_thai_reason(tmp_path):
    settings = settings_for(tmp_path, line_channel_secret="ls", line_channel_access_token="lt",
                            line_api_base="http://127.0.0.1:9", messenger_app_secret="fs",
                            messenger_page_token="ft", messenger_verify_token="fv")
    async with TestClient(TestServer(create_app(settings))) as client:
        body = b'{"destination": "U1", "events": []}'
        assert (await client.post("/webhooks/line", data=body)).status == 401
        wrong = await client.post("/webhooks/line", data=body,
                                  headers={"X-Line-Signature": line_signature("x", body)})
        assert wrong.status == 401 and "ลายเซ็น" in (await wrong.json())["error"]
        # LINE's "Verify" button posts no events: answered 200
        ok = await client.post("/webhooks/line", data=body,
                               headers={"X-Line-Signature": line_signature("ls", body)})
        assert ok.status == 200
        broken = b'{"events": [{"type": '
        bad = await client.post("/webhooks/line", data=broken,
                                headers={"X-Line-Signature": line_signature("ls", broken)})
        assert bad.status == 400
        fb = b'{"object": "page", "entry": []}'
        assert (await client.post("/webhooks/messenger", data=fb)).status == 401
        assert (await client.post("/webhooks/messenger", data=fb, headers={
            "X-Hub-Signature-256": messenger_signature("fs", fb)})).status == 200
        assert (await client.post("/webhooks/messenger", data=b"[1", headers={
            "X-Hub-Signature-256": messenger_signature("fs", b"[1")})).status == 400
        assert (await client.get("/webhooks/messenger", params={
            "hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"})).status == 403


@pytest.mark.asyncio
async def test_engine_down_every_channel_answers_the_outage_text_not_a_500(tmp_path):
    outage = TEXTS["engine_down"]
    assert "191" in outage and "1669" in outage and re.search(r"[\u0e00-\u0e7f]", outage)
    with FakeLine("lt") as line, FakeGraph("ft") as graph:
        settings = dataclasses.replace(  # nothing listens on the engine's port
            settings_for(tmp_path), engine_url=f"http://127.0.0.1:{free_port()}",
            line_channel_secret="ls", line_channel_access_token="lt", line_api_base=line.url,
            messenger_app_secret="fs", messenger_page_token="ft", messenger_verify_token="fv",
            graph_api_base=graph.api_base)
        async with TestClient(TestServer(create_app(settings))) as client:
            resp = await client.post("/api/chat", json={"sender": "a1b2c3d4e5f6",
                                                        "text": "สวัสดีครับ"})
            assert resp.status == 200
            assert [m["text"] for m in (await resp.json())["messages"]] == [outage]

            body = line_body([line_text_event("U" + "b" * 32, "สวัสดีครับ", event_id="01HZDOWN",
                                              reply_token="token-down", timestamp=1)])
            assert (await client.post("/webhooks/line", data=body, headers={
                "X-Line-Signature": line_signature("ls", body)})).status == 200
            reply = (await line.arrived(lambda c: c.path == "/v2/bot/message/reply"))[0]
            assert [m["text"] for m in reply.body["messages"]] == [outage]

            body = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
                "sender": {"id": "99887766"}, "recipient": {"id": "1"}, "timestamp": 1,
                "message": {"mid": "m_down", "text": "สวัสดีครับ"}}]}]}).encode()
            assert (await client.post("/webhooks/messenger", data=body, headers={
                "X-Hub-Signature-256": messenger_signature("fs", body)})).status == 200
            sent = await graph.arrived(lambda c: "message" in (c.body or {}))
            assert [c.body["message"]["text"] for c in sent] == [outage]


def assert_security_headers(resp, what: str) -> None:
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, (what, csp)
    assert "frame-ancestors 'none'" in csp, (what, csp)
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", what
    assert resp.headers.get("Referrer-Policy") in ("no-referrer", "same-origin",
                                                   "strict-origin-when-cross-origin"), what


@pytest.mark.asyncio
async def test_every_response_carries_the_security_headers(tmp_path):
    async with TestClient(TestServer(create_app(settings_for(tmp_path)))) as client:
        page = await client.get("/")
        assert page.status == 200 and 'lang="th"' in await page.text()
        assert_security_headers(page, "the chat page")
        api = await client.post("/api/chat", json={"sender": "a1b2c3d4e5f6", "text": ""})
        assert api.status == 400
        assert_security_headers(api, "an API answer")
        health = await client.get("/healthz")
        assert health.status == 200
        assert_security_headers(health, "the health check")
        for path in ("/no-such-page", "/api/no-such-api", "/static/no-such-file.js"):
            missing = await client.get(path)
            assert missing.status == 404, path
            assert_security_headers(missing, f"404 on {path}")
        wrong = await client.get("/api/chat")
        assert wrong.status == 405
        assert_security_headers(wrong, "a 405")
        wrong_page = await client.post("/")
        assert wrong_page.status == 405
        assert_security_headers(wrong_page, "a 405 on a page")

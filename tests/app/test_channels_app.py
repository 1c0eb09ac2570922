"""Channels in the app: off without credentials (one log line), webhooks guarded when on."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import db
from bot.channels.testing import line_signature, messenger_signature
from bot.settings import Settings
from bot.web.app import create_app


def settings_for(tmp_path, **channels) -> Settings:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    base = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k",
                              "ENGINE_URL": "http://127.0.0.1:9"})
    return dataclasses.replace(base, database_url=url, **channels)


@pytest.mark.asyncio
async def test_channels_without_credentials_are_off_and_say_so_once(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.web.app")
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

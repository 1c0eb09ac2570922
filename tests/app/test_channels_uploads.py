"""Photos users send: only real images within the size limit, random refs, bounded retention;
a photo a gateway cannot download or may not keep gets a Thai reason, and nothing is kept."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from bot.app import uploads
from bot.app.channels.testing import (
    FakeGraph,
    FakeLine,
    line_body,
    line_event,
    line_signature,
    messenger_signature,
)
from bot.app.channels.texts import TEXTS
from bot.app.models import Upload
from bot.app.web.app import create_app
from bot.kernel import db
from bot.kernel.settings import Settings
from bot.tools.stack import free_port

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    return url


def _kept(database_url: str) -> int:
    with db.session_factory(database_url)() as session:
        return session.scalar(select(func.count()).select_from(Upload))


def test_a_saved_photo_loads_back_by_its_reference(database):
    ref = uploads.save(database, JPEG, "image/jpeg; charset=binary")
    assert uploads.REF.match(ref)
    assert uploads.load(database, ref) == JPEG
    assert uploads.save(database, PNG, "image/png") != ref  # random, never reused


def test_a_photo_one_web_app_saved_is_read_by_an_action_server_elsewhere(pg_url):
    """Nothing machine-local: only the shared app database (PostgreSQL) connects them."""
    ref = uploads.save(pg_url, PNG, "image/png")
    assert uploads.load(pg_url, ref) == PNG


@pytest.mark.parametrize("data, content_type, reason", [
    (b"%PDF-1.7\n" + bytes(64), "image/png", "type"),  # declared an image, is not
    (PNG, "application/pdf", "type"),
    (PNG, "image/svg+xml", "type"),  # scripts inside SVG: not kept
    (b"", "image/png", "empty"),
    (None, "image/png", "size"),
], ids=["pdf-as-png", "declared-pdf", "svg", "empty", "too-large"])
def test_what_is_not_a_kept_image_is_refused(database, data, content_type, reason):
    if data is None:
        data = PNG + bytes(uploads.MAX_BYTES)
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.save(database, data, content_type)
    assert refused.value.reason == reason
    assert _kept(database) == 0


@pytest.mark.parametrize("ref", ["../secret_key", "u" + "0" * 32 + "/../x", "", "U" + "a" * 32,
                                 "u" + "0" * 32])
def test_unknown_or_malformed_references_load_nothing(database, ref):
    with pytest.raises(KeyError):
        uploads.load(database, ref)


def test_old_photos_are_removed_and_no_longer_load(database):
    old = uploads.save(database, PNG, "image/png")
    with db.session_factory(database).begin() as session:
        session.execute(update(Upload).where(Upload.ref == old).values(
            created_at=db.utcnow() - timedelta(seconds=uploads.RETENTION + 60)))
    with pytest.raises(KeyError):
        uploads.load(database, old)
    fresh = uploads.save(database, PNG, "image/png")  # saving prunes
    assert _kept(database) == 1
    assert uploads.load(database, fresh) == PNG


# --- photos the gateways download, refused ---------------------------------------------------

PDF = b"%PDF-1.7\n" + bytes(64)
REFUSED = [  # what the platform serves, and what the user is told
    ((PDF, "application/pdf"), "image_rejected"),
    ((PDF, "image/png"), "image_rejected"),  # declared an image, is not
    ((PNG + bytes(uploads.MAX_BYTES), "image/png"), "image_rejected"),  # over 10 MB
    (None, "image_failed"),  # the download fails (the platform answers 404)
]
REFUSED_IDS = ["pdf", "pdf-as-png", "too-large", "download-fails"]


def _gateway_settings(tmp_path, line_url: str, graph_api: str):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    base = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k",
                              # nothing listens there: a refused photo never needs the engine
                              "ENGINE_URL": f"http://127.0.0.1:{free_port()}"})
    return dataclasses.replace(
        base, database_url=url, line_channel_secret="ls", line_channel_access_token="lt",
        line_api_base=line_url, messenger_app_secret="fs", messenger_page_token="ft",
        messenger_verify_token="fv", graph_api_base=graph_api)


@pytest.mark.asyncio
@pytest.mark.parametrize("served, said", REFUSED, ids=REFUSED_IDS)
async def test_a_refused_line_photo_gets_the_thai_reason_and_nothing_is_kept(
        tmp_path, served, said):
    with FakeLine("lt") as line, FakeGraph("ft") as graph:
        if served is not None:
            line.contents["5551"] = served
        app = create_app(_gateway_settings(tmp_path, line.url, graph.api_base))
        async with TestClient(TestServer(app)) as client:
            event = line_event("U" + "a" * 32, {"type": "message", "message": {
                "type": "image", "id": "5551", "quoteToken": "q5551",
                "contentProvider": {"type": "line"}}}, event_id="01HZIMAGE5551",
                reply_token="token-5551", timestamp=int(time.time() * 1000))
            body = line_body([event])
            resp = await client.post("/webhooks/line", data=body, headers={
                "X-Line-Signature": line_signature("ls", body)})
            assert resp.status == 200
            reply = (await line.arrived(lambda c: c.path == "/v2/bot/message/reply"))[0]
    assert [m["text"] for m in reply.body["messages"]] == [TEXTS[said]]
    assert _kept(f"sqlite:///{tmp_path / 'app.db'}") == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("served, said", REFUSED, ids=REFUSED_IDS)
async def test_a_refused_messenger_photo_gets_the_thai_reason_and_nothing_is_kept(
        tmp_path, served, said):
    with FakeLine("lt") as line, FakeGraph("ft") as graph:
        if served is not None:
            graph.files["photo.jpg"] = served
        app = create_app(_gateway_settings(tmp_path, line.url, graph.api_base))
        async with TestClient(TestServer(app)) as client:
            body = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
                "sender": {"id": "4455667788"}, "recipient": {"id": "1"}, "timestamp": 1,
                "message": {"mid": "m_photo", "attachments": [{"type": "image", "payload": {
                    "url": f"{graph.url}/files/photo.jpg"}}]}}]}]}).encode()
            resp = await client.post("/webhooks/messenger", data=body, headers={
                "X-Hub-Signature-256": messenger_signature("fs", body)})
            assert resp.status == 200
            sent = await graph.arrived(lambda c: c.path.endswith("/me/messages")
                                       and "message" in c.body)
    assert [c.body["message"]["text"] for c in sent] == [TEXTS[said]]
    assert _kept(f"sqlite:///{tmp_path / 'app.db'}") == 0

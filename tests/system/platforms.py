"""LINE and Messenger users for the system tests, talking to the stack through fake platforms.

The ``platforms`` fixture (conftest.py) starts a fake LINE platform, a fake Graph API (real
aiohttp servers on loopback that record what the gateway sends) and a stack whose gateways
point at them; these helpers post signed events shaped as the platforms document them and
read what the gateway sent back.
"""

from __future__ import annotations

import json
import time
import uuid

import requests
from sqlalchemy import create_engine, text

from bot.app.channels.testing import (
    line_body,
    line_event,
    line_signature,
    line_text_event,
    messenger_signature,
)
from bot.kernel import notify, registry
from bot.kernel.db import session_factory
from tests.system.conftest import assert_no_apology

LINE_SECRET, LINE_TOKEN = "line-test-secret", "line-test-access-token"
FB_SECRET, FB_TOKEN, FB_VERIFY = "fb-test-secret", "fb-test-page-token", "fb-verify-me"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0"
       b"\xa4\x00\x00\x00\x00IEND\xaeB`\x82")
# Every installed service, in menu order, as its manifest names it (a new skill adds itself).
MENU_TITLES = [m.name_th for m in registry.discover()]


def now_ms() -> int:
    return int(time.time() * 1000)


def joined(messages: list[dict]) -> str:
    """What the user reads: texts, and a card's alt text (its answer's complete text)."""
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def assert_menu(reply: str) -> None:
    """The complete numbered menu of every service is in ``reply``, in order."""
    positions = [reply.find(f"\n{n}. {title}") for n, title in enumerate(MENU_TITLES, 1)]
    assert -1 not in positions and positions == sorted(positions), reply


class LineUser:
    """A LINE user whose events the platform posts to the gateway."""

    def __init__(self, platforms) -> None:
        self.p = platforms
        self.user_id = "U" + uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{platforms['stack'].app_port}/webhooks/line"

    def post(self, *events, signature: str | None = None) -> requests.Response:
        body = line_body(list(events))
        sig = line_signature(LINE_SECRET, body) if signature is None else signature
        return requests.post(self.url, data=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Line-Signature": sig})

    def event(self, fields, token: str | None = None, event_id: str | None = None,
              redelivery: bool = False) -> dict:
        return line_event(self.user_id, fields, event_id=event_id or uuid.uuid4().hex.upper(),
                          reply_token=token, timestamp=now_ms(), redelivery=redelivery)

    def say(self, text_: str, token: str | None = None,
            expect_apology: bool = False) -> list[dict]:
        """Send a text; return the messages LINE was asked to reply with (never the
        internal-error apology unless ``expect_apology``)."""
        token = token or uuid.uuid4().hex
        event = line_text_event(self.user_id, text_, event_id=uuid.uuid4().hex.upper(),
                                reply_token=token, timestamp=now_ms())
        assert self.post(event).status_code == 200
        return self.reply_to(token, expect_apology)

    def reply_to(self, token: str, expect_apology: bool = False) -> list[dict]:
        call = self.p["line"].wait_for(lambda c: c.path == "/v2/bot/message/reply"
                                       and c.body.get("replyToken") == token)[0]
        assert call.status == 200
        if not expect_apology:
            assert_no_apology(m.get("text", "") for m in call.body["messages"])
        return call.body["messages"]


class MessengerUser:
    """A Messenger user whose events Meta posts to the gateway."""

    def __init__(self, platforms) -> None:
        self.p = platforms
        self.psid = str(uuid.uuid4().int)[:16]
        self.url = f"http://127.0.0.1:{platforms['stack'].app_port}/webhooks/messenger"

    def post(self, messaging: dict, signature: str | None = None) -> requests.Response:
        body = json.dumps({"object": "page", "entry": [{
            "id": "1234567890", "time": now_ms(), "messaging": [{
                "sender": {"id": self.psid}, "recipient": {"id": "1234567890"},
                "timestamp": now_ms(), **messaging}]}]}, ensure_ascii=False).encode()
        sig = messenger_signature(FB_SECRET, body) if signature is None else signature
        return requests.post(self.url, data=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sig})

    def send(self, messaging: dict, expect_apology: bool = False,
             choices: bool = False) -> list[dict]:
        """Post one event; return the answer the gateway sent back (see ``wait_answer``)."""
        before = len(self.p["graph"].sent(self.psid))
        assert self.post(messaging).status_code == 200
        return self.wait_answer(before, expect_apology, choices)

    def say(self, text_: str, mid: str | None = None, expect_apology: bool = False,
            choices: bool = False) -> list[dict]:
        return self.send({"message": {"mid": mid or "m_" + uuid.uuid4().hex, "text": text_}},
                         expect_apology, choices)

    def wait_answer(self, before: int, expect_apology: bool = False,
                    choices: bool = False) -> list[dict]:
        """The messages sent after the first ``before`` ones. The gateway sends an answer's
        messages in order: with ``choices`` the answer is complete when the message carrying
        quick replies came, otherwise when the first one came (a one-message answer)."""
        def done(c) -> bool:
            return (c.path.endswith("/me/messages") and c.status == 200 and "message" in c.body
                    and c.body["recipient"]["id"] == self.psid
                    and (not choices or "quick_replies" in c.body["message"]))

        earlier = {id(c) for c in self.p["graph"].sent(self.psid)[:before]}
        self.p["graph"].wait_for(lambda c: done(c) and id(c) not in earlier)
        messages = [c.body["message"] for c in self.p["graph"].sent(self.psid)[before:]]
        if not expect_apology:
            assert_no_apology(m.get("text", "") for m in messages)
        return messages


def enqueue(platforms, sender: str, text_: str) -> int:
    factory = session_factory(platforms["database"])
    with factory.begin() as session:
        return notify.enqueue(session, sender, text_, kind="test.notice",
                              dedupe_key=uuid.uuid4().hex).id


def status(platforms, note_id: int) -> str:
    engine = create_engine(platforms["database"])
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM notifications WHERE id = :i"),
                            {"i": note_id}).scalar_one()


def wait_status(platforms, note_id: int, wanted: str) -> None:
    """The gateway marks a notification after the platform accepted it: wait for that."""
    deadline = time.monotonic() + 15
    while status(platforms, note_id) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status(platforms, note_id) == wanted


def tracker_user_events(platforms, sender: str) -> list[dict]:
    stack = platforms["stack"]
    tracker = requests.get(
        f"http://127.0.0.1:{stack.engine_port}/conversations/{sender}/tracker",
        params={"token": stack.env["ENGINE_TOKEN"]}, timeout=30).json()
    return [e for e in tracker["events"] if e["event"] == "user"]

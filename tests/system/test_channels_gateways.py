"""LINE and Messenger gateways and the notifier, against the real stack and fake platforms.

A fake LINE platform and a fake Graph API (real aiohttp servers on loopback that record what
the gateway sends) stand in for the platforms; events are signed and shaped as the platforms
document them and posted to the running app, which talks to the real engine.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot import notify, registry
from bot.channels.testing import (
    FakeGraph,
    FakeLine,
    line_body,
    line_event,
    line_signature,
    line_text_event,
    messenger_signature,
)
from bot.db import session_factory
from bot.stack import Stack, free_port
from tests.system.conftest import ROOT

LINE_SECRET, LINE_TOKEN = "line-test-secret", "line-test-access-token"
FB_SECRET, FB_TOKEN, FB_VERIFY = "fb-test-secret", "fb-test-page-token", "fb-verify-me"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0"
       b"\xa4\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def platforms(tmp_path_factory):
    info = ROOT / "var" / "build" / "config.json"
    if not info.exists():
        pytest.fail("no model build found: run `make train` first")
    line, graph = FakeLine(LINE_TOKEN).start(), FakeGraph(FB_TOKEN).start()
    var = tmp_path_factory.mktemp("channels-var")
    database = f"sqlite:///{var / 'app.db'}"
    stack = Stack(model=Path(json.loads(info.read_text())["model"]), var_dir=var,
                  app_port=free_port(), engine_port=free_port(), action_port=free_port(),
                  log_dir=var / "logs", env={
                      "DATABASE_URL": database,
                      "LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
                      "LINE_API_BASE": line.url, "MESSENGER_APP_SECRET": FB_SECRET,
                      "MESSENGER_PAGE_TOKEN": FB_TOKEN, "MESSENGER_VERIFY_TOKEN": FB_VERIFY,
                      "GRAPH_API_BASE": graph.api_base})
    try:
        stack.start()
    except Exception:
        for log in sorted((var / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        stack.stop()
        raise
    yield {"stack": stack, "line": line, "graph": graph, "database": database, "var": var}
    stack.stop()
    line.stop()
    graph.stop()


def now_ms() -> int:
    return int(time.time() * 1000)


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

    def say(self, text_: str, token: str | None = None) -> list[dict]:
        """Send a text; return the messages LINE was asked to reply with."""
        token = token or uuid.uuid4().hex
        event = line_text_event(self.user_id, text_, event_id=uuid.uuid4().hex.upper(),
                                reply_token=token, timestamp=now_ms())
        assert self.post(event).status_code == 200
        return self.reply_to(token)

    def reply_to(self, token: str) -> list[dict]:
        call = self.p["line"].wait_for(lambda c: c.path == "/v2/bot/message/reply"
                                       and c.body.get("replyToken") == token)[0]
        assert call.status == 200
        return call.body["messages"]


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_line_text_is_answered_through_the_engine_with_numbered_quick_replies(platforms):
    user = LineUser(platforms)
    messages = user.say("สวัสดีครับ")
    reply = joined(messages)
    assert "สวัสดี" in reply and "1. ตำรวจ" in reply and "6. " in reply  # complete text form
    items = messages[-1]["quickReply"]["items"]
    assert 1 <= len(items) <= 13 and len(messages) <= 5
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert items[0]["action"]["label"] == "1. ตำรวจ"
    # a loading animation was shown while the engine worked
    assert platforms["line"].matching(lambda c: c.path == "/v2/bot/chat/loading/start"
                                      and c.body["chatId"] == user.user_id)
    # typing the number (a Thai digit too) picks that choice
    assert "1784" in joined(user.say("๖"))


def test_line_quick_reply_postback_picks_the_choice(platforms):
    user = LineUser(platforms)
    items = user.say("สวัสดี")[-1]["quickReply"]["items"]
    token = uuid.uuid4().hex
    postback = {"type": "postback", "postback": {"data": items[0]["action"]["data"]}}
    assert user.post(user.event(postback, token)).status_code == 200
    assert "191" in joined(user.reply_to(token))


def test_line_location_gets_the_police_answer(platforms):
    police = registry.get("police")
    if police is None or not police.ready:
        pytest.skip("the police skill is not ready yet: a location has no police answer")
    user = LineUser(platforms)
    user.say("หาสถานีตำรวจใกล้ฉัน")
    token = uuid.uuid4().hex
    location = {"type": "message", "message": {
        "type": "location", "id": "4" * 12, "title": "ตำแหน่งของฉัน",
        "address": "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร",
        "latitude": 13.7465, "longitude": 100.5348}}
    assert user.post(user.event(location, token)).status_code == 200
    reply = joined(user.reply_to(token))
    # the police service answers: a station, or while it is being prepared, the 191 hotline
    assert "สถานีตำรวจ" in reply or "สน." in reply or "191" in reply, reply


def test_line_redelivered_event_is_answered_once(platforms):
    user = LineUser(platforms)
    token, event_id = uuid.uuid4().hex, uuid.uuid4().hex.upper()
    first = line_text_event(user.user_id, "สวัสดีค่ะ", event_id=event_id, reply_token=token,
                            timestamp=now_ms())
    assert user.post(first).status_code == 200
    user.reply_to(token)
    again = line_text_event(user.user_id, "สวัสดีค่ะ", event_id=event_id, reply_token=token,
                            timestamp=first["timestamp"], redelivery=True)
    assert user.post(again).status_code == 200
    user.say("ขอบคุณครับ")  # events of one user are handled in order: the redelivery is done
    replies = platforms["line"].matching(lambda c: c.path == "/v2/bot/message/reply"
                                         and c.body.get("replyToken") == token)
    assert len(replies) == 1
    assert not platforms["line"].pushes(user.user_id)


def test_line_bad_or_missing_signature_is_refused_before_the_engine(platforms):
    user = LineUser(platforms)
    event = line_text_event(user.user_id, "สวัสดี", event_id=uuid.uuid4().hex,
                            reply_token=uuid.uuid4().hex, timestamp=now_ms())
    wrong = line_signature("not-the-secret", line_body([event]))
    for signature in (wrong, ""):
        resp = user.post(event, signature=signature)
        assert resp.status_code == 401
        assert "ลายเซ็น" in resp.json()["error"]
    user.say("ขอบคุณ")  # the gateway keeps serving
    stack = platforms["stack"]
    tracker = requests.get(
        f"http://127.0.0.1:{stack.engine_port}/conversations/line:{user.user_id}/tracker",
        params={"token": stack.env["ENGINE_TOKEN"]}, timeout=30).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["ขอบคุณ"]  # the refused "สวัสดี" never reached the engine


def test_line_expired_reply_token_falls_back_to_push(platforms):
    user = LineUser(platforms)
    token = uuid.uuid4().hex
    platforms["line"].expired_tokens.add(token)
    event = line_text_event(user.user_id, "สวัสดีครับ", event_id=uuid.uuid4().hex,
                            reply_token=token, timestamp=now_ms())
    assert user.post(event).status_code == 200
    push = platforms["line"].wait_for(lambda c: c.path == "/v2/bot/message/push"
                                      and c.body.get("to") == user.user_id)[0]
    assert push.status == 200 and "1. ตำรวจ" in joined(push.body["messages"])
    assert push.headers.get("X-Line-Retry-Key")


def test_line_photo_is_kept_and_handed_to_the_engine(platforms):
    user = LineUser(platforms)
    platforms["line"].contents["325708"] = (PNG, "image/png")
    token = uuid.uuid4().hex
    image = {"type": "message", "message": {"type": "image", "id": "325708", "quoteToken": "q325708",
                                            "contentProvider": {"type": "line"}}}
    assert user.post(user.event(image, token)).status_code == 200
    assert joined(user.reply_to(token)).strip()
    stack = platforms["stack"]
    tracker = requests.get(
        f"http://127.0.0.1:{stack.engine_port}/conversations/line:{user.user_id}/tracker",
        params={"token": stack.env["ENGINE_TOKEN"]}, timeout=30).json()
    said = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert said["parse_data"]["intent"]["name"] == "share_image"
    ref = said["parse_data"]["entities"][0]["value"]
    assert (platforms["var"] / "uploads" / ref).read_bytes() == PNG


def _enqueue(platforms, sender: str, text_: str) -> int:
    factory = session_factory(platforms["database"])
    with factory.begin() as session:
        return notify.enqueue(session, sender, text_, kind="test.notice",
                              dedupe_key=uuid.uuid4().hex).id


def _status(platforms, note_id: int) -> str:
    engine = create_engine(platforms["database"])
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM notifications WHERE id = :i"),
                            {"i": note_id}).scalar_one()


def _wait_status(platforms, note_id: int, status: str) -> None:
    """The gateway marks a notification after the platform accepted it: wait for that."""
    deadline = time.monotonic() + 15
    while _status(platforms, note_id) != status and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _status(platforms, note_id) == status


def test_line_notification_is_pushed(platforms):
    user = LineUser(platforms)
    note = _enqueue(platforms, f"line:{user.user_id}", "ไฟป่าใกล้ตำแหน่งที่คุณติดตาม โทร 1362")
    push = platforms["line"].wait_for(lambda c: c.path == "/v2/bot/message/push"
                                      and c.body.get("to") == user.user_id)[0]
    assert push.status == 200 and "1362" in joined(push.body["messages"])
    _wait_status(platforms, note, notify.DELIVERED)


def test_line_refused_push_is_kept_and_shown_at_the_next_message(platforms):
    user = LineUser(platforms)
    platforms["line"].blocked_users.add(user.user_id)
    note = _enqueue(platforms, f"line:{user.user_id}", "คำร้องของคุณเปลี่ยนสถานะเป็น กำลังตรวจสอบ")
    platforms["line"].wait_for(lambda c: c.path == "/v2/bot/message/push" and c.status == 400
                               and c.body.get("to") == user.user_id)
    assert _status(platforms, note) == notify.PENDING
    platforms["line"].blocked_users.discard(user.user_id)
    reply = joined(user.say("สวัสดีค่ะ"))
    assert reply.index("กำลังตรวจสอบ") < reply.index("1. ตำรวจ")  # kept, then the answer
    _wait_status(platforms, note, notify.DELIVERED)


class MessengerUser:
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

    def say(self, text_: str, mid: str | None = None) -> list[dict]:
        before = len(self.p["graph"].sent(self.psid))
        assert self.post({"message": {"mid": mid or "m_" + uuid.uuid4().hex,
                                      "text": text_}}).status_code == 200
        return self.wait_answer(before)

    def wait_answer(self, before: int) -> list[dict]:
        # the answer is complete when the message carrying quick replies or the last one came;
        # all tested answers end with choices or are single messages
        calls = self.p["graph"].wait_for(
            lambda c: c.path.endswith("/me/messages") and c.status == 200 and "message" in c.body
            and c.body["recipient"]["id"] == self.psid, count=before + 1)
        return [c.body["message"] for c in calls[before:]]


def test_messenger_handshake_text_quick_replies_and_signature(platforms):
    base = f"http://127.0.0.1:{platforms['stack'].app_port}/webhooks/messenger"
    ok = requests.get(base, params={"hub.mode": "subscribe", "hub.verify_token": FB_VERIFY,
                                    "hub.challenge": "1158201444"}, timeout=10)
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert requests.get(base, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                      "hub.challenge": "x"}, timeout=10).status_code == 403
    user = MessengerUser(platforms)
    assert user.post({"message": {"mid": "m_bad", "text": "สวัสดี"}},
                     signature="sha256=" + "0" * 64).status_code == 401
    assert user.post({"message": {"mid": "m_bad2", "text": "สวัสดี"}},
                     signature="").status_code == 401
    before = len(platforms["graph"].sent(user.psid))
    mid = "m_" + uuid.uuid4().hex
    assert user.post({"message": {"mid": mid, "text": "สวัสดีครับ"}}).status_code == 200
    platforms["graph"].wait_for(lambda c: c.status == 200 and "message" in c.body
                                and c.body["recipient"]["id"] == user.psid
                                and "quick_replies" in c.body["message"])
    messages = [c.body["message"] for c in platforms["graph"].sent(user.psid)[before:]]
    assert "1. ตำรวจ" in joined(messages)
    quick = messages[-1]["quick_replies"]
    assert 1 <= len(quick) <= 13 and all(len(q["title"]) <= 20 for q in quick)
    assert all(len(m.get("text", "")) <= 2000 for m in messages)
    # a redelivered mid is not answered again; the quick reply payload picks the service
    assert user.post({"message": {"mid": mid, "text": "สวัสดีครับ"}}).status_code == 200
    count = len(platforms["graph"].sent(user.psid))
    assert user.post({"message": {"mid": "m_" + uuid.uuid4().hex, "text": "ภัยพิบัติ",
                                  "quick_reply": {"payload": quick[5]["payload"]}}}
                     ).status_code == 200
    answer = user.wait_answer(count)
    assert "1784" in joined(answer)
    assert platforms["graph"].matching(lambda c: c.body and c.body.get("sender_action")
                                       == "typing_on")


def test_messenger_refused_notification_is_kept_for_the_next_message(platforms):
    user = MessengerUser(platforms)
    user.say("ขอบคุณค่ะ")  # opens the 24-hour window
    platforms["graph"].unavailable.add(user.psid)
    note = _enqueue(platforms, f"fb:{user.psid}", "แจ้งเตือนน้ำท่วม โทร 1784")
    platforms["graph"].wait_for(lambda c: c.status == 400 and c.body["recipient"]["id"]
                                == user.psid)
    assert _status(platforms, note) == notify.PENDING
    platforms["graph"].unavailable.discard(user.psid)
    reply = joined(user.say("สวัสดี"))
    assert "แจ้งเตือนน้ำท่วม" in reply
    _wait_status(platforms, note, notify.DELIVERED)


def test_web_chat_shows_waiting_notifications_first(platforms):
    sender = uuid.uuid4().hex
    note = _enqueue(platforms, f"web:{sender}", "ภาษีป้ายของคุณครบกำหนดชำระ")
    resp = requests.post(f"http://127.0.0.1:{platforms['stack'].app_port}/api/chat",
                         json={"sender": sender, "text": "สวัสดี"}, timeout=30)
    messages = resp.json()["messages"]
    assert messages[0]["text"] == "ภาษีป้ายของคุณครบกำหนดชำระ"
    assert "1. ตำรวจ" in "\n".join(m["text"] for m in messages[1:])
    assert _status(platforms, note) == notify.DELIVERED


def test_line_follow_sticker_and_unsupported_messages_get_a_useful_answer(platforms):
    user = LineUser(platforms)
    token = uuid.uuid4().hex
    assert user.post(user.event({"type": "follow", "follow": {"isUnblocked": False}},
                                token)).status_code == 200
    assert "1. ตำรวจ" in joined(user.reply_to(token))  # a new friend sees the menu
    token = uuid.uuid4().hex
    sticker = {"type": "message", "message": {"type": "sticker", "id": "7", "quoteToken": "q7",
                                              "packageId": "446", "stickerId": "1988",
                                              "stickerResourceType": "STATIC"}}
    assert user.post(user.event(sticker, token)).status_code == 200
    assert "1. ตำรวจ" in joined(user.reply_to(token))
    token = uuid.uuid4().hex
    video = {"type": "message", "message": {"type": "video", "id": "8", "quoteToken": "q8",
                                            "duration": 6000,
                                            "contentProvider": {"type": "line"}}}
    assert user.post(user.event(video, token)).status_code == 200
    assert "ข้อความ ตำแหน่ง และรูปภาพ" in joined(user.reply_to(token))
    # after unfollowing, the user gets no pushes; the notice waits for their return
    assert user.post(user.event({"type": "unfollow"})).status_code == 200
    engine = create_engine(platforms["database"])
    deadline = time.monotonic() + 15
    blocked = False
    while not blocked and time.monotonic() < deadline:
        with engine.connect() as conn:
            blocked = bool(conn.execute(text(
                "SELECT blocked FROM channel_contacts WHERE sender_id = :s"),
                {"s": f"line:{user.user_id}"}).scalar())
        time.sleep(0.1)
    assert blocked
    note = _enqueue(platforms, f"line:{user.user_id}", "ประกาศเตือนภัย")
    other = LineUser(platforms)
    other_note = _enqueue(platforms, f"line:{other.user_id}", "ประกาศเตือนภัย")
    _wait_status(platforms, other_note, notify.DELIVERED)  # a later notice went out...
    assert _status(platforms, note) == notify.PENDING  # ...this one waits
    assert not platforms["line"].pushes(user.user_id)


def test_messenger_photo_is_downloaded_and_handed_to_the_engine(platforms):
    user = MessengerUser(platforms)
    platforms["graph"].files["vest.png"] = (PNG, "image/png")
    before = len(platforms["graph"].sent(user.psid))
    url = f"{platforms['graph'].url}/files/vest.png"
    assert user.post({"message": {"mid": "m_" + uuid.uuid4().hex, "attachments": [
        {"type": "image", "payload": {"url": url}}]}}).status_code == 200
    assert joined(user.wait_answer(before)).strip()
    stack = platforms["stack"]
    tracker = requests.get(
        f"http://127.0.0.1:{stack.engine_port}/conversations/fb:{user.psid}/tracker",
        params={"token": stack.env["ENGINE_TOKEN"]}, timeout=30).json()
    said = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert said["parse_data"]["intent"]["name"] == "share_image"
    ref = said["parse_data"]["entities"][0]["value"]
    assert (platforms["var"] / "uploads" / ref).read_bytes() == PNG

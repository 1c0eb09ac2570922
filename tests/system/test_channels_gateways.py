"""LINE and Messenger gateways and the notifier, against the real stack and fake platforms.

A fake LINE platform and a fake Graph API (real aiohttp servers on loopback that record what
the gateway sends) stand in for the platforms; events are signed and shaped as the platforms
document them and posted to the running app, which talks to the real engine.
"""

from __future__ import annotations

import time
import uuid

import requests
from sqlalchemy import create_engine, text

from bot.app import uploads
from bot.app.channels.testing import line_body, line_signature, line_text_event
from bot.app.channels.texts import TEXTS
from bot.kernel import notify
from tests.system.conftest import INTERNAL_ERROR, Chat
from tests.system.platforms import (
    FB_VERIFY,
    PNG,
    LineUser,
    MessengerUser,
    assert_menu,
    enqueue,
    joined,
    now_ms,
    status,
    tracker_user_events,
    wait_status,
)

IMAGE_RECEIVED = "ได้รับรูปแล้วค่ะ จะใช้รูปนี้กับบริการไหน"  # utter_image_received
# the disaster service's entry answer: the emergency numbers come first (skills/disaster)
DISASTER = "ถ้าอันตรายตอนนี้ โทรก่อนเลย: ภัยพิบัติ สายด่วน ปภ. 1784"


def test_line_text_is_answered_through_the_engine_with_numbered_quick_replies(platforms):
    user = LineUser(platforms)
    messages = user.say("สวัสดีครับ")
    reply = joined(messages)
    assert reply.startswith("สวัสดีค่ะ")
    assert_menu(reply)  # complete text form
    items = messages[-1]["quickReply"]["items"]
    assert 1 <= len(items) <= 13 and len(messages) <= 5
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert items[0]["action"]["label"] == "1. ตำรวจ"
    # a loading animation was shown while the engine worked
    assert platforms["line"].matching(lambda c: c.path == "/v2/bot/chat/loading/start"
                                      and c.body["chatId"] == user.user_id)
    # typing the number (a Thai digit too) picks that choice
    answer = joined(user.say("๖"))
    assert answer.startswith(DISASTER) and "1784" in answer, answer


def test_line_quick_reply_postback_picks_the_choice(platforms):
    user = LineUser(platforms)
    items = user.say("สวัสดี")[-1]["quickReply"]["items"]
    token = uuid.uuid4().hex
    postback = {"type": "postback", "postback": {"data": items[0]["action"]["data"]}}
    assert user.post(user.event(postback, token)).status_code == 200
    answer = joined(user.reply_to(token))
    # the police service asks where the user is, with the emergency number
    assert answer.startswith("อยู่ที่ไหนคะ") and answer.endswith("โทร 191"), answer


def test_line_location_gets_the_police_answer(platforms):
    user = LineUser(platforms)
    user.say("โรงพักไหนดูแลพื้นที่ที่ฉันอยู่")
    token = uuid.uuid4().hex
    location = {"type": "message", "message": {
        "type": "location", "id": "4" * 12, "title": "ตำแหน่งของฉัน",
        "address": "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร",
        "latitude": 13.7465, "longitude": 100.5348}}
    assert user.post(user.event(location, token)).status_code == 200
    messages = user.reply_to(token)
    reply = joined(messages)
    # Siam, in Pathum Wan: the covering station, its phone in the text and as a call button
    assert reply.splitlines()[0] == "สถานีตำรวจที่ดูแลพื้นที่นี้: สน.ปทุมวัน (บก.น.6)", reply
    assert "โทร 02-251-4995" in reply
    calls = [i["action"] for i in messages[-1]["quickReply"]["items"]
             if i["action"]["type"] == "uri"]
    assert calls == [{"type": "uri", "label": "โทร 022514995", "uri": "tel:+6622514995"}]


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
    said = [e["text"] for e in tracker_user_events(platforms, f"line:{user.user_id}")]
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
    assert push.status == 200
    assert_menu(joined(push.body["messages"]))
    assert push.headers.get("X-Line-Retry-Key")


def test_line_photo_is_kept_and_handed_to_the_engine(platforms):
    user = LineUser(platforms)
    platforms["line"].contents["325708"] = (PNG, "image/png")
    token = uuid.uuid4().hex
    image = {"type": "message", "message": {"type": "image", "id": "325708", "quoteToken": "q325708",
                                            "contentProvider": {"type": "line"}}}
    assert user.post(user.event(image, token)).status_code == 200
    # no service reads pictures here yet: the user is asked which service it is for
    reply = joined(user.reply_to(token))
    assert reply.startswith(IMAGE_RECEIVED), reply
    assert_menu(reply)
    said = tracker_user_events(platforms, f"line:{user.user_id}")[-1]
    assert said["parse_data"]["intent"]["name"] == "share_image"
    ref = said["parse_data"]["entities"][0]["value"]
    assert uploads.load(platforms["database"], ref) == PNG


def test_line_notification_is_pushed(platforms):
    user = LineUser(platforms)
    note = enqueue(platforms, f"line:{user.user_id}", "ไฟป่าใกล้ตำแหน่งที่คุณติดตาม โทร 1362")
    push = platforms["line"].wait_for(lambda c: c.path == "/v2/bot/message/push"
                                      and c.body.get("to") == user.user_id)[0]
    assert push.status == 200 and "1362" in joined(push.body["messages"])
    wait_status(platforms, note, notify.DELIVERED)


def test_line_refused_push_is_kept_and_shown_at_the_next_message(platforms):
    user = LineUser(platforms)
    platforms["line"].blocked_users.add(user.user_id)
    note = enqueue(platforms, f"line:{user.user_id}", "คำร้องของคุณเปลี่ยนสถานะเป็น กำลังตรวจสอบ")
    platforms["line"].wait_for(lambda c: c.path == "/v2/bot/message/push" and c.status == 400
                               and c.body.get("to") == user.user_id)
    assert status(platforms, note) == notify.PENDING
    platforms["line"].blocked_users.discard(user.user_id)
    reply = joined(user.say("สวัสดีค่ะ"))
    assert reply.startswith("คำร้องของคุณเปลี่ยนสถานะเป็น กำลังตรวจสอบ\n")  # kept, first
    assert_menu(reply)  # then the answer
    wait_status(platforms, note, notify.DELIVERED)


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
    assert_menu(joined(messages))
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
    assert joined(answer).startswith(DISASTER) and "1784" in joined(answer)
    assert platforms["graph"].matching(lambda c: c.body and c.body.get("sender_action")
                                       == "typing_on")


def test_messenger_refused_notification_is_kept_for_the_next_message(platforms):
    user = MessengerUser(platforms)
    user.say("ขอบคุณค่ะ")  # opens the 24-hour window
    platforms["graph"].unavailable.add(user.psid)
    note = enqueue(platforms, f"fb:{user.psid}", "แจ้งเตือนน้ำท่วม โทร 1784")
    platforms["graph"].wait_for(lambda c: c.status == 400 and c.body["recipient"]["id"]
                                == user.psid)
    assert status(platforms, note) == notify.PENDING
    platforms["graph"].unavailable.discard(user.psid)
    reply = joined(user.say("สวัสดี", choices=True))
    assert reply.startswith("แจ้งเตือนน้ำท่วม โทร 1784\n")
    assert_menu(reply)
    wait_status(platforms, note, notify.DELIVERED)


def test_web_chat_shows_waiting_notifications_first(platforms):
    user = Chat(platforms["stack"])
    note = enqueue(platforms, f"web:{user.sender}", "ภาษีป้ายของคุณครบกำหนดชำระ")
    messages = user.say("สวัสดี")
    assert messages[0]["text"] == "ภาษีป้ายของคุณครบกำหนดชำระ"
    assert_menu("\n" + "\n".join(m["text"] for m in messages[1:]))
    assert status(platforms, note) == notify.DELIVERED


def test_line_follow_sticker_and_unsupported_messages_get_a_useful_answer(platforms):
    user = LineUser(platforms)
    token = uuid.uuid4().hex
    assert user.post(user.event({"type": "follow", "follow": {"isUnblocked": False}},
                                token)).status_code == 200
    assert_menu(joined(user.reply_to(token)))  # a new friend sees the menu
    token = uuid.uuid4().hex
    sticker = {"type": "message", "message": {"type": "sticker", "id": "7", "quoteToken": "q7",
                                              "packageId": "446", "stickerId": "1988",
                                              "stickerResourceType": "STATIC"}}
    assert user.post(user.event(sticker, token)).status_code == 200
    assert_menu(joined(user.reply_to(token)))
    token = uuid.uuid4().hex
    video = {"type": "message", "message": {"type": "video", "id": "8", "quoteToken": "q8",
                                            "duration": 6000,
                                            "contentProvider": {"type": "line"}}}
    assert user.post(user.event(video, token)).status_code == 200
    assert joined(user.reply_to(token)) == TEXTS["unsupported"]
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
    note = enqueue(platforms, f"line:{user.user_id}", "ประกาศเตือนภัย")
    other = LineUser(platforms)
    other_note = enqueue(platforms, f"line:{other.user_id}", "ประกาศเตือนภัย")
    wait_status(platforms, other_note, notify.DELIVERED)  # a later notice went out...
    assert status(platforms, note) == notify.PENDING  # ...this one waits
    assert not platforms["line"].pushes(user.user_id)


def test_messenger_photo_is_downloaded_and_handed_to_the_engine(platforms):
    user = MessengerUser(platforms)
    platforms["graph"].files["vest.png"] = (PNG, "image/png")
    before = len(platforms["graph"].sent(user.psid))
    url = f"{platforms['graph'].url}/files/vest.png"
    assert user.post({"message": {"mid": "m_" + uuid.uuid4().hex, "attachments": [
        {"type": "image", "payload": {"url": url}}]}}).status_code == 200
    reply = joined(user.wait_answer(before, choices=True))
    assert reply.startswith(IMAGE_RECEIVED), reply
    assert_menu(reply)
    said = tracker_user_events(platforms, f"fb:{user.psid}")[-1]
    assert said["parse_data"]["intent"]["name"] == "share_image"
    ref = said["parse_data"]["entities"][0]["value"]
    assert uploads.load(platforms["database"], ref) == PNG


def _undelivered(platforms, sender: str) -> list[tuple[str, str]]:
    engine = create_engine(platforms["database"])
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT status, text FROM notifications WHERE sender_id = :s "
            "AND kind = 'channel.undelivered' ORDER BY id"), {"s": sender})]


def _wait_undelivered(platforms, sender: str, done) -> list[tuple[str, str]]:
    """The gateway records after the platform answered: wait until ``done(kept)``."""
    deadline = time.monotonic() + 15
    while not done(_undelivered(platforms, sender)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _undelivered(platforms, sender)


def _all(state: str):
    return lambda kept: bool(kept) and all(s_ == state for s_, _ in kept)


def test_line_answer_the_platform_refused_is_kept_and_given_at_the_next_message(platforms):
    user = LineUser(platforms)
    sender = f"line:{user.user_id}"
    line = platforms["line"]
    # the reply token is refused and so is the push (the user blocked the account meanwhile)
    token = uuid.uuid4().hex
    line.expired_tokens.add(token)
    line.blocked_users.add(user.user_id)
    event = line_text_event(user.user_id, "สวัสดีครับ", event_id=uuid.uuid4().hex,
                            reply_token=token, timestamp=now_ms())
    assert user.post(event).status_code == 200
    line.wait_for(lambda c: c.path == "/v2/bot/message/push" and c.status == 400
                  and c.body.get("to") == user.user_id)
    kept = _wait_undelivered(platforms, sender, bool)
    assert kept and all(state == notify.PENDING for state, _ in kept)
    assert_menu(kept[-1][1])  # the answer itself, complete, waits in the outbox
    # the user writes again (replies need no push permission): the lost answer comes first
    reply = joined(user.say("ขอบคุณค่ะ"))
    assert reply.startswith("\n".join(t for _, t in kept)), reply
    assert "ยินดี" in reply[len("\n".join(t for _, t in kept)):]
    assert _all(notify.DELIVERED)(_wait_undelivered(platforms, sender, _all(notify.DELIVERED)))
    line.blocked_users.discard(user.user_id)


def test_messenger_answer_the_platform_refused_is_kept_and_given_at_the_next_message(
        platforms):
    user = MessengerUser(platforms)
    sender = f"fb:{user.psid}"
    graph = platforms["graph"]
    graph.unavailable.add(user.psid)
    assert user.post({"message": {"mid": "m_" + uuid.uuid4().hex,
                                  "text": "สวัสดีครับ"}}).status_code == 200
    graph.wait_for(lambda c: c.status == 400 and c.body.get("recipient", {}).get("id")
                   == user.psid and "message" in c.body)
    kept = _wait_undelivered(platforms, sender, bool)
    assert kept and all(state == notify.PENDING for state, _ in kept)
    # the notifier tries the kept answer too (the user wrote within 24 hours) and is refused
    graph.wait_for(lambda c: c.status == 400 and c.body.get("messaging_type") == "UPDATE"
                   and c.body["recipient"]["id"] == user.psid)
    assert all(state == notify.PENDING for state, _ in _undelivered(platforms, sender))
    graph.unavailable.discard(user.psid)
    reply = joined(user.say("ขอบคุณค่ะ"))
    assert reply.startswith(kept[0][1]), reply
    assert _all(notify.DELIVERED)(_wait_undelivered(platforms, sender, _all(notify.DELIVERED)))


def test_engine_down_every_channel_answers_the_outage_text_then_recovers(platforms):
    stack = platforms["stack"]
    outage = TEXTS["engine_down"]
    assert "191" in outage and "1669" in outage and "ขัดข้อง" in outage
    line, fb, web = LineUser(platforms), MessengerUser(platforms), Chat(stack)
    stack.stop_one("engine")
    try:
        assert joined(line.say("สวัสดีครับ", expect_apology=True)) == outage
        assert joined(fb.say("สวัสดีครับ", expect_apology=True)) == outage
        resp = web.post(text="สวัสดีครับ")
        assert resp.status_code == 200, resp.text  # answered, not lost to a 500
        assert [m["text"] for m in resp.json()["messages"]] == [outage]
        # danger now: the hotline first, from the gateway itself
        danger = web.say("ช่วยด้วย โดนปล้นอยู่ตอนนี้", expect_apology=True)
        assert danger[0]["text"].startswith("โทร 191"), danger
        assert danger[-1]["text"] == outage
    finally:
        stack.start_engine()
        stack.wait_ready()
    assert_menu(joined(line.say("สวัสดีครับ")))
    assert_menu(joined(fb.say("สวัสดีครับ", choices=True)))
    assert_menu("\n" + "\n".join(m["text"] for m in web.say("สวัสดีครับ")))


def test_action_server_down_line_answers_the_apology_with_hotlines_then_recovers(
        platforms, expect_log):
    stack = platforms["stack"]
    # the engine reports the action server it cannot reach: this test's doing
    expect_log(r"custom action|running action|Cannot connect to host|Connection refused")
    assert "191" in INTERNAL_ERROR and "1669" in INTERNAL_ERROR
    user, web = LineUser(platforms), Chat(stack)
    stack.stop_one("actions")
    try:
        # the station's phone comes from an action only: the engine apologises in its place
        assert joined(user.say("เบอร์ สน.ลุมพินี", expect_apology=True)) == INTERNAL_ERROR
        assert [m["text"] for m in web.say("เบอร์ สน.ลุมพินี", expect_apology=True)] == [
            INTERNAL_ERROR]
    finally:
        stack.start_actions()
        stack.wait_ready()
    reply = joined(user.say("เบอร์ สน.ลุมพินี"))
    assert reply.startswith("สน.ลุมพินี (บก.น.5)\nโทร 02-255-5994"), reply

"""The core conversation, held through the web chat as a user would, against the real engine."""

from __future__ import annotations

import re

import requests
from sqlalchemy import create_engine, text

from bot.kernel import registry
from tests.system.conftest import Chat, texts

# Every installed service, in menu order, as its manifest names it (a new skill adds itself).
MENU_TITLES = [m.name_th for m in registry.discover()]


def menu_of(messages):
    return next(m for m in messages if m["buttons"])


def test_greeting_shows_the_numbered_menu_of_every_service(chat):
    messages = chat.say("สวัสดีค่ะ")
    assert "สวัสดี" in messages[0]["text"]
    menu = menu_of(messages)
    assert MENU_TITLES[0] == "ตำรวจ" and len(MENU_TITLES) >= 6
    assert [b["title"] for b in menu["buttons"]] == MENU_TITLES
    for number, title in enumerate(MENU_TITLES, start=1):
        assert f"{number}. {title}" in menu["text"]  # the text alone is a complete menu


def test_typing_a_number_picks_that_service(chat):
    chat.say("หวัดดีครับ")
    reply = texts(chat.say("3"))
    assert "รหัสผู้ขับ" in reply and "1584" in reply  # the motortaxi skill asks for the vest code


def test_thai_digit_and_button_payload_pick_services_too(chat):
    chat.say("สวัสดี")
    assert "1784" in texts(chat.say("๖"))
    menu = menu_of(chat.say("มีบริการอะไรบ้าง"))
    assert "191" in texts(chat.say(menu["buttons"][0]["payload"]))


def test_help_thanks_goodbye(chat):
    assert menu_of(chat.say("ช่วยอะไรได้บ้างคะ"))["buttons"]
    assert "ยินดี" in texts(chat.say("ขอบคุณมากค่ะ"))
    assert "ขอบคุณที่ใช้บริการ" in texts(chat.say("ลาก่อนครับ"))


def test_off_topic_gets_a_polite_answer_and_the_menu(chat):
    messages = chat.say("แนะนำหนังสนุกๆ ให้ดูหน่อย")
    assert "ขออภัย" in messages[0]["text"]
    assert menu_of(messages)["buttons"]


def test_danger_now_gets_the_hotline_first_even_mid_conversation(chat):
    chat.say("ภาษีป้ายคิดยังไง")
    messages = chat.say("ไฟไหม้บ้านข้างๆ มีคนเจ็บหนัก")
    assert messages[0]["text"].startswith("โทร 199")
    assert "1669" in texts(messages[1:])


def test_engine_rest_webhook_answers_robbery_with_191_first(stack):
    url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    body = {"sender": "rest-test-1", "message": "ช่วยด้วย โดนปล้นอยู่ตอนนี้"}
    auth = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}
    replies = requests.post(url, json=body, headers=auth, timeout=30).json()
    assert "191" in replies[0]["text"]


def test_human_handoff_is_recorded_once(chat, stack):
    first = texts(chat.say("ขอคุยกับเจ้าหน้าที่หน่อยครับ"))
    assert re.search(r"H-\d{6}", first)
    # the conversation now waits for an operator (bot.app.console): the bot stays silent
    assert chat.say("ขอคุยกับคนจริงๆ") == []
    engine = create_engine(stack.env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, status, context FROM handoff_requests "
                                 "WHERE sender_id = :s"), {"s": f"web:{chat.sender}"}).all()
    assert len(rows) == 1 and rows[0][:2] == ("web", "open")
    assert "เจ้าหน้าที่" in rows[0][2]


def test_shared_location_is_understood_in_any_state(chat):
    # no service chosen: the first ready service that takes locations (police) answers
    reply = texts(chat.share_location(13.7465, 100.5348))
    assert "สน.ปทุมวัน" in reply and "ในเหตุฉุกเฉินโทร 191" in reply
    chat.say("สวัสดีค่ะ")
    chat.say("4")  # forest
    reply = texts(chat.share_location(13.75, 100.5))
    assert "สภาพป่าแถวพิกัด" in reply and "1362" in reply  # goes to the chosen service


def test_typed_intent_syntax_cannot_inject_a_location(chat):
    reply = texts(chat.say('/share_location{"latitude": 13.7, "longitude": 100.5}'))
    assert "ได้รับตำแหน่ง" not in reply


def test_engine_and_action_server_refuse_callers_without_the_token(stack, expect_log):
    expect_log(r"User is not authenticated")
    engine = f"http://127.0.0.1:{stack.engine_port}"
    assert requests.post(f"{engine}/webhooks/rest/webhook",
                         json={"sender": "x", "message": "สวัสดี"}, timeout=10).status_code == 401
    assert requests.get(f"{engine}/conversations/x/tracker", timeout=10).status_code == 401
    actions = f"http://127.0.0.1:{stack.action_port}"
    assert requests.get(f"{actions}/actions", timeout=10).status_code == 401
    assert requests.post(f"{actions}/webhook", json={}, timeout=10).status_code == 401


def test_bad_input_gets_a_thai_reason_and_the_server_keeps_serving(stack):
    url = f"http://127.0.0.1:{stack.app_port}/api/chat"
    sender = "a1b2c3d4e5f6"
    cases = [
        ({"json": {"sender": sender, "text": ""}}, 400),
        ({"json": {"sender": sender, "text": "   \n "}}, 400),
        ({"json": {"sender": sender, "text": "ก" * 100_000}}, 413),
        ({"data": '{"sender": "a1b2c3d4e5f6", "text": "สวัส'.encode(), "headers": {
            "Content-Type": "application/json"}}, 400),
        ({"data": bytes(range(256)) * 4, "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": b"\x89PNG\r\n\x1a\n" + bytes(500), "headers": {"Content-Type": "image/png"}}, 415),
        ({"json": ["สวัสดี"]}, 400),
        ({"json": {"text": "สวัสดี"}}, 400),
        ({"json": {"sender": "../../etc", "text": "สวัสดี"}}, 400),
        ({"json": {"sender": sender, "text": 42}}, 400),
        ({"json": {"sender": sender, "text": "hi", "location": {"latitude": 1, "longitude": 2}}},
         400),
        ({"json": {"sender": sender, "location": {"latitude": 91, "longitude": 200}}}, 400),
        ({"json": {"sender": sender, "location": {"latitude": True, "longitude": 100}}}, 400),
    ]
    for kwargs, status in cases:
        resp = requests.post(url, timeout=30, **kwargs)
        assert resp.status_code == status, (kwargs.get("json"), resp.text)
        reason = resp.json()["error"]
        assert re.search(r"[\u0e00-\u0e7f]", reason), reason  # a Thai reason
    assert requests.get(url, timeout=10).status_code == 405
    assert Chat(stack).say("สวัสดี")  # still serving real conversations


def test_conversation_survives_a_restart(stack):
    user = Chat(stack)
    user.say("สวัสดีค่ะ")
    user.say("5")  # signboard tax
    user.share_location(13.7, 100.6)
    stack.restart_engine()
    tracker = requests.get(
        f"http://127.0.0.1:{stack.engine_port}/conversations/web:{user.sender}/tracker",
        params={"token": stack.env["ENGINE_TOKEN"]}, timeout=30).json()
    assert tracker["slots"]["active_skill"] == "signtax"
    assert tracker["slots"]["latitude"] == 13.7
    # and the user notices: a number still picks from the menu shown before the restart
    assert "1362" in texts(user.say("4"))


def test_a_picture_outside_any_picture_reading_service_asks_which_service(stack):
    # Gateways send a stored picture to the engine as this message (see bot/app/uploads.py).
    url = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    resp = requests.post(url, json={"sender": "rest-picture",
                                    "message": '/share_image{"image_ref": "abc123"}',
                                    "metadata": {"choice": True}},
                         headers={"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"},
                         timeout=30)
    assert resp.status_code == 200
    replies = [m.get("text", "") for m in resp.json()]
    assert "ได้รับรูปแล้ว" in replies[0]
    # the numbered menu follows, as a typed answer with its choices
    assert any(((m.get("custom") or {}).get("answer") or {}).get("choices") for m in resp.json())

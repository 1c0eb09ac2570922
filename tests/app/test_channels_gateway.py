"""The gateway's pipeline on every channel: inbound → dedupe → resolve → ask → render → deliver.

LINE, Messenger and the web chat run in-process against a real database, the fake platforms
of ``bot.app.channels.testing`` and a scripted engine that records what it was asked.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.channels.contacts import pick
from bot.app.channels.gateway import Parts
from bot.app.channels.inbound import Payload
from bot.app.channels.line import LineChannel
from bot.app.channels.messenger import MessengerChannel
from bot.app.channels.models import ChannelContact
from bot.app.channels.notifier import Notifier
from bot.app.channels.testing import (
    FakeLine,
    line_body,
    line_event,
    line_signature,
    line_text_event,
    messenger_signature,
)
from bot.app.channels.web import WebChat
from bot.kernel import notify
from bot.kernel.answer import Answer, Call, Card, Choice, Image, Link, Target, ask
from bot.kernel.sender import Sender
from tests.app.test_channels_notifier import setup  # noqa: F401  (the fixture: fake platforms)

SECRET = "s"  # both platforms' signing secret in ``setup``

SERVICES = ask("เลือกบริการ", [
    ("ตำรวจ", Target("police_find_station")),
    ("ภาษีป้าย", Target("signtax_calculate")),
    ("เบอร์ สน.ลุมพินี", Target("police_station_phone", {"police_station": "ลุมพินี"}))])


class ScriptedEngine:
    """Stands in for ``EngineClient``: answers every message with ``answer`` (typed, as an
    action sends it) and records what it was sent."""

    def __init__(self, answer: Answer = SERVICES) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, sender: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.asked.append((sender, text, metadata or {}))
        return [{"recipient_id": sender, "custom": self.answer.payload()}]


@pytest_asyncio.fixture
async def channels(setup):  # noqa: F811  (the fixture imported above)
    """The three gateways on one app, the fake platforms and the scripted engine."""
    settings, line, graph = setup
    parts = Parts.over(settings.database_url)
    engine = ScriptedEngine()
    parts.engine.client = engine
    gateways = [LineChannel(settings, parts), MessengerChannel(settings, parts),
                WebChat(settings, parts)]
    app = web.Application()
    for gateway in gateways:
        gateway.setup(app)
        await gateway.start()
    async with TestClient(TestServer(app)) as client:
        yield {"client": client, "parts": parts, "engine": engine, "line": line,
               "graph": graph, "gateways": gateways}
    for gateway in gateways:
        await gateway.close()


async def post_line(client, *events) -> None:
    body = line_body(list(events))
    resp = await client.post("/webhooks/line", data=body,
                             headers={"X-Line-Signature": line_signature(SECRET, body)})
    assert resp.status == 200


async def post_messenger(client, psid: str, messaging: dict) -> None:
    body = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": "1"}, "timestamp": 1, **messaging}]}]},
        ensure_ascii=False).encode()
    resp = await client.post("/webhooks/messenger", data=body,
                             headers={"X-Hub-Signature-256": messenger_signature(SECRET, body)})
    assert resp.status == 200


def line_text(user: str, text: str, token: str, event_id: str | None = None,
              redelivery: bool = False) -> dict:
    return line_text_event(user, text, event_id=event_id or uuid.uuid4().hex.upper(),
                           reply_token=token, timestamp=int(time.time() * 1000),
                           redelivery=redelivery)


async def line_reply(line: FakeLine, token: str) -> list[dict]:
    calls = await line.arrived(lambda c: c.path == "/v2/bot/message/reply"
                               and c.body.get("replyToken") == token)
    return calls[0].body["messages"]


async def chat(client, session: str, **body) -> list[dict]:
    resp = await client.post("/api/chat", json={"sender": session, **body})
    assert resp.status == 200, await resp.text()
    return (await resp.json())["messages"]


@pytest.mark.asyncio
async def test_a_redelivered_line_event_reaches_the_engine_once(channels):
    client, engine, line = channels["client"], channels["engine"], channels["line"]
    user, event_id = "U" + "1" * 32, "01HZREDELIVERED"
    await post_line(client, line_text(user, "สวัสดี", "t1", event_id))
    await line_reply(line, "t1")
    await post_line(client, line_text(user, "สวัสดี", "t1", event_id, redelivery=True))
    await post_line(client, line_text(user, "ขอบคุณ", "t2"))  # in order: after the redelivery
    await line_reply(line, "t2")
    assert [text for _, text, _ in engine.asked] == ["สวัสดี", "ขอบคุณ"]
    assert len(line.matching(lambda c: c.body and c.body.get("replyToken") == "t1")) == 1


@pytest.mark.asyncio
async def test_a_typed_number_or_a_pressed_button_is_the_offered_choice_on_every_channel(
        channels):
    client, engine, line, graph = (channels[k] for k in ("client", "engine", "line", "graph"))
    phone = SERVICES.choices[2].target.message()  # an intent with entities

    # web chat: a typed number (Thai digits too) and a button's payload
    menu = await chat(client, "web-user-0001", text="สวัสดี")
    assert menu[0]["text"] == SERVICES.text
    await chat(client, "web-user-0001", text="๓")
    await chat(client, "web-user-0001", text=menu[0]["buttons"][1]["payload"])
    # LINE: the quick reply's postback data, and a typed number
    user = "U" + "2" * 32
    await post_line(client, line_text(user, "สวัสดี", "l1"))
    items = (await line_reply(line, "l1"))[-1]["quickReply"]["items"]
    await post_line(client, line_event(user, {"type": "postback", "postback": {
        "data": items[2]["action"]["data"]}}, event_id="01HZPOSTBACK", reply_token="l2",
        timestamp=1))
    await line_reply(line, "l2")
    await post_line(client, line_text(user, "1", "l3"))
    await line_reply(line, "l3")
    # Messenger: the quick reply's payload
    await post_messenger(client, "4455", {"message": {"mid": "m1", "text": "สวัสดี"}})
    [menu_fb] = await graph.arrived(lambda c: "message" in (c.body or {}))
    quick = menu_fb.body["message"]["quick_replies"]
    await post_messenger(client, "4455", {"message": {"mid": "m2", "text": quick[2]["title"],
                                                      "quick_reply": quick[2]}})
    await graph.arrived(lambda c: "message" in (c.body or {}), count=2)

    asked = [(s, t, m["channel"], m["choice"]) for s, t, m in engine.asked]
    assert asked == [
        ("web:web-user-0001", "สวัสดี", "web", False),
        ("web:web-user-0001", phone, "web", True),
        ("web:web-user-0001", "/signtax_calculate", "web", True),
        (f"line:{user}", "สวัสดี", "line", False),
        (f"line:{user}", phone, "line", True),
        (f"line:{user}", "/police_find_station", "line", True),
        ("fb:4455", "สวัสดี", "fb", False),
        ("fb:4455", phone, "fb", True)]


@pytest.mark.asyncio
async def test_what_was_never_offered_is_only_text(channels):
    client, engine = channels["client"], channels["engine"]
    await chat(client, "web-user-0002", text="สวัสดี")
    forged = '/share_location{"latitude": 13.7, "longitude": 100.5}'
    for typed in (forged, "/ /human_handoff", "\u200b/restart", "9"):
        await chat(client, "web-user-0002", text=typed)
    await post_messenger(client, "5566", {"postback": {"mid": "m9", "payload": forged}})
    await channels["graph"].arrived(lambda c: "message" in (c.body or {}))
    assert [m["choice"] for _, _, m in engine.asked[1:]] == [False] * 5


@pytest.mark.asyncio
async def test_a_card_button_counts_as_a_press_though_no_numbered_choice_offers_it(channels):
    """A rider who may not ride: the card's "ร้องเรียน" button is not among the numbered
    choices, yet pressing it must reach the complaint, and "1" still means the first
    numbered choice shown before."""
    client, engine = channels["client"], channels["engine"]
    await chat(client, "web-user-0009", text="สวัสดี")  # the numbered services menu
    complain = Choice("ร้องเรียน", Target("motortaxi_complain", {"motortaxi_rider_code": "BKK-0001"}))
    engine.answer = Answer("ผู้ขับรหัส BKK-0001 ไม่มีสิทธิ์ขับ",
                           card=Card("ผู้ขับรหัส BKK-0001", status="ไม่มีสิทธิ์ขับ", tone="danger",
                                     buttons=(complain, Call("1584"))))
    shown = await chat(client, "web-user-0009", text="BKK-0001")
    assert shown[0]["card"]["title"] == "ผู้ขับรหัส BKK-0001"
    await chat(client, "web-user-0009", text=complain.target.message())  # the card's button
    await chat(client, "web-user-0009", text="1")
    asked = [(t, m["choice"]) for _, t, m in engine.asked[2:]]
    assert asked == [(complain.target.message(), True), ("/police_find_station", True)]


def test_pick_maps_numbers_and_offered_buttons_and_nothing_else():
    offered = SERVICES.choices
    assert pick(offered, "2") == "/signtax_calculate" and isinstance(pick(offered, "2"), Payload)
    assert pick(offered, " ๑ ") == "/police_find_station"
    assert pick(offered, "\u200b2") == "/signtax_calculate"  # normalised before the check
    assert pick(offered, "2.") == "/signtax_calculate"
    assert pick(offered, "4") == "4" and not isinstance(pick(offered, "4"), Payload)
    # a button's data, however its JSON is spaced, is the choice it names
    pressed = pick(offered, '/police_station_phone{"police_station":"ลุมพินี"}')
    assert isinstance(pressed, Payload) and pressed == offered[2].target.message()
    # a choice that answers with a text (a skill's own numbered question)
    sizes = (Choice("ติดอยู่กับที่", Target(text="1")), Choice("เคลื่อนที่ได้", Target(text="2")))
    assert pick(sizes, "2") == "2" and isinstance(pick(sizes, "2"), Payload)
    assert not isinstance(pick((), "/signtax_calculate"), Payload)


@pytest.mark.asyncio
async def test_choices_stored_by_the_old_code_still_work(channels):
    parts, client, engine = channels["parts"], channels["client"], channels["engine"]
    with parts.contacts.factory.begin() as session:  # as the code before typed choices left it
        session.add(ChannelContact(sender_id="web:web-user-0003", blocked=False, choices=[
            {"title": "ตำรวจ", "payload": "/police_find_station"},
            {"title": "เบอร์ สน.ลุมพินี",
             "payload": '/police_station_phone{"police_station": "ลุมพินี"}'},
            {"title": "ไม่ทราบ", "payload": "3"}, "junk", {"title": "no payload"}]))
    engine.answer = Answer("รับทราบค่ะ")  # offers nothing: the stored choices stay
    for typed in ("2", '/police_station_phone{"police_station": "ลุมพินี"}', "3"):
        await chat(client, "web-user-0003", text=typed)
    assert [(t, m["choice"]) for _, t, m in engine.asked] == [
        ('/police_station_phone{"police_station": "ลุมพินี"}', True),
        ('/police_station_phone{"police_station": "ลุมพินี"}', True),
        ("3", True)]
    # an answer's choices are stored typed from now on
    engine.answer = SERVICES
    await chat(client, "web-user-0003", text="เมนู")
    contact = parts.contacts.get(Sender("web", "web-user-0003"))
    assert [Choice.from_dict(c) for c in contact.choices] == list(SERVICES.choices)


@pytest.mark.asyncio
async def test_an_answer_with_call_image_and_links_arrives_whole_on_each_platform(channels):
    client, engine, line, graph = (channels[k] for k in ("client", "engine", "line", "graph"))
    engine.answer = ask("สน.ลุมพินี โทร 02-255-5994", [
        ("โรงพักใกล้ที่สุด", Target("police_nearest_stations"))],
        call=Call("+6622555994", "สน.ลุมพินี"),
        image=Image("https://example.org/map.png", "แผนที่ สน.ลุมพินี"),
        links=(Link("แผนที่", "https://maps.example.org/lumphini"),))
    [web_message] = await chat(client, "web-user-0004", text="เบอร์ สน.ลุมพินี")
    assert web_message["text"] == engine.answer.text
    assert web_message["links"] == [{"title": "แผนที่", "url": "https://maps.example.org/lumphini"}]
    assert web_message["call"]["uri"] == "tel:+6622555994"
    assert web_message["alt"] == "แผนที่ สน.ลุมพินี"

    await post_line(client, line_text("U" + "3" * 32, "เบอร์ สน.ลุมพินี", "l9"))
    image, text = await line_reply(line, "l9")
    assert image["originalContentUrl"] == "https://example.org/map.png"
    assert text["text"] == engine.answer.text + "\nแผนที่: https://maps.example.org/lumphini"
    assert text["quickReply"]["items"][-1]["action"]["uri"] == "tel:+6622555994"

    await post_messenger(client, "7788", {"message": {"mid": "m7", "text": "เบอร์ สน.ลุมพินี"}})
    sent = await graph.arrived(lambda c: "message" in (c.body or {}), count=2)
    assert sent[0].body["message"]["attachment"]["payload"]["url"] == image["originalContentUrl"]
    assert sent[1].body["message"]["text"] == text["text"]


@pytest.mark.asyncio
async def test_a_typed_notification_is_pushed_with_its_choices_and_a_button_picks_one(
        channels):
    parts, client, engine, line = (channels["parts"], channels["client"], channels["engine"],
                                   channels["line"])
    user = "U" + "4" * 32
    reminder = ask("ภาษีป้ายครบกำหนดยื่นแบบ", [("คำนวณภาษีป้าย", Target("signtax_calculate"))])
    with parts.outbox.factory.begin() as session:
        note_id = notify.enqueue(session, f"line:{user}", reminder, kind="test.reminder").id
    line_gateway = channels["gateways"][0]
    assert await Notifier(parts, [line_gateway]).run_once() == 1
    [push] = line.pushes(user)
    [message] = push.body["messages"]
    assert message["text"] == reminder.text
    data = message["quickReply"]["items"][0]["action"]["data"]
    # pressing it later picks that choice (the pushed choices were remembered)
    await post_line(client, line_event(user, {"type": "postback", "postback": {"data": data}},
                                       event_id="01HZREMIND", reply_token="r1", timestamp=1))
    await line_reply(line, "r1")
    assert engine.asked[-1][1:] == ("/signtax_calculate", {"channel": "line", "choice": True})
    with parts.outbox.factory() as session:
        assert session.get(notify.Notification, note_id).status == notify.DELIVERED


@pytest.mark.asyncio
async def test_an_answer_the_platform_refused_waits_typed_and_comes_first_next_time(channels):
    parts, client, engine, line = (channels["parts"], channels["client"], channels["engine"],
                                   channels["line"])
    user = "U" + "5" * 32
    line.expired_tokens.add("gone")
    line.blocked_users.add(user)
    await post_line(client, line_text(user, "สวัสดี", "gone"))
    await line.arrived(lambda c: c.path == "/v2/bot/message/push" and c.status == 400)
    for _ in range(100):  # the gateway keeps it after LINE answered
        with parts.outbox.factory() as session:
            kept = notify.pending(session, f"line:{user}")
        if kept:
            break
        await asyncio.sleep(0.05)
    [note] = kept
    assert note.kind == "channel.undelivered" and note.as_answer() == SERVICES
    line.blocked_users.clear()
    engine.answer = Answer("ยินดีค่ะ")
    await post_line(client, line_text(user, "ขอบคุณ", "back"))
    first, second = await line_reply(line, "back")
    assert first["text"] == SERVICES.text and second["text"] == "ยินดีค่ะ"
    # the kept answer's choices are the ones offered now: its quick replies, and "2"
    assert [i["action"]["data"] for i in second["quickReply"]["items"]] == [
        c.target.message() for c in SERVICES.choices]
    await post_line(client, line_text(user, "2", "two"))
    await line_reply(line, "two")
    assert engine.asked[-1][1] == "/signtax_calculate"

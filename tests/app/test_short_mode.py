"""Short replies for every service (``bot.kernel.short``, ``bot.app.channels.prefs``), through
the web chat gateway against a real database and a scripted engine: switched on and off in
chat, remembered per user across restarts, one idea per message of at most ``BUBBLE``
characters, "ต่อ" for the rest, "อ่านอีกครั้ง" to repeat, phone numbers digit by digit,
no emoji, choices still picked by Thai or Arabic digits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.app.channels.gateway import Parts
from bot.app.channels.inbound import Inbound
from bot.app.channels.web import WebChat
from bot.kernel import short
from bot.kernel.answer import Answer, Call, Target, ask
from bot.kernel.sender import Sender
from tests.app.test_channels_gateway import ScriptedEngine
from tests.app.test_channels_notifier import setup  # noqa: F401  (the fixture)

LONG = ask("\n".join([
    "บัตรประจำตัวคนพิการ ใช้ขอสิทธิเกือบทุกอย่าง 🎉",
    "ทำที่โรงพยาบาลหรือ พมจ. " + "ใช้เวลาประมาณสิบห้านาที " * 12,
    "👍👍",
    "ที่มา: https://www.thailand.go.th/issue-focus-detail/001_01_191 ข้อมูล ม.ค. 2567",
    "สอบถาม โทร 1479 หรือ 02-255-5994"]),
    [("การศึกษา", Target("access_education")), ("งาน", Target("access_work"))],
    call=Call("1479", "สายด่วนคนพิการ"))


def test_commands_are_recognised_politely_and_nothing_else_is():
    assert short.command("ตอบสั้นๆ ครับ") == "short"
    assert short.command("อ่านทีละข้อค่ะ") == "short"
    assert short.command("ตอบปกติ") == "normal"
    assert short.command("๑") is None and short.command("ต่ออายุบัตรคนพิการ") is None


def test_shape_one_idea_each_within_the_limit_read_aloud_without_emoji():
    parts = short.shape(LONG.text)
    assert all(len(p) <= short.BUBBLE for p in parts)
    assert parts[0] == "บัตรประจำตัวคนพิการ ใช้ขอสิทธิเกือบทุกอย่าง"  # emoji gone
    assert "👍" not in "".join(parts)  # an emoji-only line is left out
    assert "ที่มา: เว็บไซต์ thailand.go.th ข้อมูล ม.ค. 2567" in parts
    assert any("โทร 1 4 7 9 หรือ 0 2, 2 5 5, 5 9 9 4" in p for p in parts)
    assert parts[-1].endswith("1. การศึกษา\n2. งาน")  # a question keeps its choices


@pytest_asyncio.fixture
async def web_chat(setup):  # noqa: F811
    settings, _, _ = setup
    parts = Parts.over(settings.database_url)
    engine = ScriptedEngine(LONG)
    parts.engine.client = engine
    gateway = WebChat(settings, parts)
    app = web.Application()
    gateway.setup(app)
    async with TestClient(TestServer(app)) as client:
        async def say(text: str, sender: str = "shortuser1") -> dict:
            resp = await client.post("/api/chat", json={"sender": sender, "text": text})
            assert resp.status == 200
            return await resp.json()
        yield say, engine, settings
    await gateway.close()


def _texts(body: dict) -> list[str]:
    return [m["text"] for m in body["messages"]]


@pytest.mark.asyncio
async def test_short_mode_on_more_again_and_off(web_chat):
    say, engine, _ = web_chat
    normal = await say("บัตรคนพิการ")
    assert normal["short"] is False and len(_texts(normal)) == 1  # the usual form: one answer

    on = await say("ตอบสั้นๆ")
    assert on["short"] is True and "ต่อ" in _texts(on)[0]
    asked = len(engine.asked)
    first = await say("บัตรคนพิการ")
    # PER_TURN ideas, and the "ต่อ" hint (in the last one when it fits, else after it)
    assert first["short"] is True and len(first["messages"]) in (short.PER_TURN,
                                                                 short.PER_TURN + 1)
    assert all(len(t) <= short.BUBBLE for t in _texts(first))
    assert _texts(first)[0] == "บัตรประจำตัวคนพิการ ใช้ขอสิทธิเกือบทุกอย่าง"
    assert "พิมพ์ ต่อ เพื่อฟังอีก" in _texts(first)[-1]

    heard = list(_texts(first))
    while "พิมพ์ ต่อ" in heard[-1]:
        more = await say("ต่อ")
        assert all(len(t) <= short.BUBBLE for t in _texts(more))
        heard += _texts(more)
    assert len(engine.asked) == asked + 1  # "ต่อ" never went to the engine
    said = "\n".join(heard)
    assert "โทร 1 4 7 9" in said and "1. การศึกษา" in said
    last = await say("ต่อ")
    assert "อ่านครบแล้ว" in _texts(last)[0]

    again = await say("อ่านอีกครั้ง")
    assert "1. การศึกษา" in _texts(again)[-1] and again["messages"][-1]["buttons"]
    assert again["messages"][-1]["call"]["number"] == "1479"

    off = await say("ตอบปกติ")
    assert off["short"] is False
    assert len(_texts(await say("บัตรคนพิการ"))) == 1


@pytest.mark.asyncio
async def test_numbered_choices_still_work_in_short_mode_with_thai_digits(web_chat):
    say, engine, _ = web_chat
    await say("อ่านทีละข้อ", "shortuser2")
    await say("บัตรคนพิการ", "shortuser2")
    await say("๒", "shortuser2")
    assert engine.asked[-1][1] == "/access_work"
    await say("1", "shortuser2")
    assert engine.asked[-1][1] == "/access_education"


@pytest.mark.asyncio
async def test_the_choice_is_remembered_per_user_across_a_restart(web_chat):
    say, _, settings = web_chat
    await say("ตอบสั้นๆ", "shortuser3")
    other = Parts.over(settings.database_url)  # another process, or after a restart
    other.engine.client = ScriptedEngine(LONG)
    gateway = WebChat(settings, other)
    out = await gateway.converse(Sender("web", "shortuser3"), Inbound(text="บัตร"))
    assert out.short and out.answers[0].text == "บัตรประจำตัวคนพิการ ใช้ขอสิทธิเกือบทุกอย่าง"
    assert (await say("บัตรคนพิการ", "someoneelse"))["short"] is False  # per user


@pytest.mark.asyncio
async def test_after_a_quiet_day_what_was_left_to_read_is_forgotten_but_not_the_choice(web_chat):
    say, _, settings = web_chat
    await say("ตอบสั้นๆ", "shortuser5")
    await say("บัตรคนพิการ", "shortuser5")
    await say("ตอบสั้นๆ", "shortuser6")
    await say("ตอบปกติ", "shortuser6")  # off again: the row says nothing any more
    parts = Parts.over(settings.database_url)
    assert parts.prefs.forget_old() == 0  # nothing is a day old yet
    with parts.prefs.factory.begin() as session:
        session.execute(update(short.ReplyPreference).values(
            updated_at=datetime.now(timezone.utc) - short.KEPT - timedelta(minutes=1)))
    assert parts.prefs.forget_old() >= 2

    more = await say("ต่อ", "shortuser5")
    assert more["short"] is True  # still in short mode
    assert "บัตรประจำตัว" not in "\n".join(_texts(more))  # the old answer is gone
    assert "อ่านครบแล้ว" in _texts(more)[0]
    with parts.prefs.factory() as session:
        assert session.get(short.ReplyPreference, "web:shortuser6") is None


@pytest.mark.asyncio
async def test_without_short_mode_more_goes_to_the_engine(web_chat):
    say, engine, _ = web_chat
    await say("ต่อ", "shortuser4")
    assert engine.asked[-1][1] == "ต่อ"


def test_an_emergency_number_is_never_held_back():
    from bot.app.channels.prefs import URGENT
    assert URGENT.search(short.spoken("โทร 1669 ทันที: เจ็บป่วยฉุกเฉิน"))
    assert URGENT.search(short.spoken("ถ้าเป็นไฟไหม้ โทร 199 ด้วย: ดับเพลิง"))


def test_a_long_single_answer_is_never_cut_inside_the_limit():
    parts = short.shape(Answer("ก" * 450).text)
    assert "".join(parts) == "ก" * 450 and all(len(p) <= short.BUBBLE for p in parts)

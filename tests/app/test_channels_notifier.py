"""The notifier and the gateways' delivery over a real database and fake platforms on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.app.channels.gateway import Parts
from bot.app.channels.line import LineChannel, ReplyToken
from bot.app.channels.messenger import MessengerChannel
from bot.app.channels.models import ChannelContact, NotificationClaim
from bot.app.channels.notifier import Notifier
from bot.app.channels.outbox import aware
from bot.app.channels.testing import FakeGraph, FakeLine
from bot.kernel import db, notify
from bot.kernel.db import utcnow
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings


@pytest.fixture
def setup(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    with FakeLine("line-token") as line, FakeGraph("page-token") as graph:
        settings = dataclasses.replace(
            Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k"}),
            database_url=url, line_channel_secret="s", line_channel_access_token="line-token",
            line_api_base=line.url, messenger_app_secret="s", messenger_page_token="page-token",
            messenger_verify_token="v", graph_api_base=graph.api_base)
        yield settings, line, graph


def enqueue(parts: Parts, sender: str, text: str) -> int:
    with parts.outbox.factory.begin() as session:
        return notify.enqueue(session, sender, text, kind="test").id


def note(parts: Parts, note_id: int) -> notify.Notification:
    with parts.outbox.factory() as session:
        return session.get(notify.Notification, note_id)


def now(token: str) -> ReplyToken:
    """A reply token for an event that came just now."""
    return ReplyToken(token, time.monotonic())


async def started(settings):
    parts = Parts.over(settings.database_url)
    line, fb = LineChannel(settings, parts), MessengerChannel(settings, parts)
    await line.start()
    await fb.start()
    return parts, line, fb


@pytest.mark.asyncio
async def test_pushes_within_each_channels_rules_and_keeps_what_cannot_go(setup):
    settings, fake_line, fake_graph = setup
    parts, line, fb = await started(settings)
    try:
        fake_line.blocked_users.add("Ublocked")
        ok = enqueue(parts, "line:Uok", "ไฟป่าใกล้จุดที่คุณติดตาม")
        refused = enqueue(parts, "line:Ublocked", "คำร้องของคุณได้รับการตรวจสอบแล้ว")
        web = enqueue(parts, "web:abcdefgh12", "ภาษีป้ายครบกำหนด")
        outside = enqueue(parts, "fb:111", "นอกช่วง 24 ชั่วโมง")
        await parts.contacts.seen(Sender("fb", "222"))  # wrote just now: inside Messenger's window
        inside = enqueue(parts, "fb:222", "ศูนย์พักพิงเปิดแล้ว")
        notifier = Notifier(parts, [line, fb])

        assert await notifier.run_once() == 2
        assert note(parts, ok).status == notify.DELIVERED
        assert note(parts, inside).status == notify.DELIVERED
        assert [c.body["message"]["text"] for c in fake_graph.sent("222")] == [
            "ศูนย์พักพิงเปิดแล้ว"]
        assert fake_graph.sent("222")[0].body["messaging_type"] == "UPDATE"
        kept = note(parts, refused)
        assert kept.status == notify.PENDING and kept.attempts == 1
        assert "Failed to send messages" in kept.last_error
        for untouched in (web, outside):  # web chat and outside the window: never pushed
            assert note(parts, untouched).status == notify.PENDING
            assert note(parts, untouched).attempts == 0
        assert not fake_graph.sent("111")

        # the refusal is not retried at once; the next round sends nothing new
        calls = len(fake_line.calls)
        assert await notifier.run_once() == 0
        assert len(fake_line.calls) == calls

        # the user's own next message carries it, in front of the answer
        user = Sender("line", "Ublocked")
        out = await line.outgoing(user, [{"text": "สวัสดีค่ะ"}])
        assert [a.text for a in out.answers] == ["คำร้องของคุณได้รับการตรวจสอบแล้ว", "สวัสดีค่ะ"]
        fake_line.blocked_users.clear()
        assert await line.deliver(user, out, now("token-1"))
        assert fake_line.replies()[-1].body["messages"][0]["text"] == out.answers[0].text
        assert note(parts, refused).status == notify.DELIVERED
    finally:
        await line.close()
        await fb.close()


@pytest.mark.asyncio
async def test_two_notifiers_never_push_the_same_notification_twice(setup):
    settings, fake_line, _ = setup
    parts, line, fb = await started(settings)
    try:
        ids = [enqueue(parts, f"line:U{i}", f"ประกาศที่ {i}") for i in range(6)]
        first, second = Notifier(parts, [line]), Notifier(parts, [line])
        sent = await asyncio.gather(first.run_once(), second.run_once())
        assert sum(sent) == 6
        assert sorted(c.body["to"] for c in fake_line.pushes()) == [f"U{i}" for i in range(6)]
        assert all(note(parts, i).status == notify.DELIVERED for i in ids)
    finally:
        await line.close()
        await fb.close()


@pytest.mark.asyncio
async def test_an_unfollowed_line_user_is_not_pushed_and_messenger_window_expires(setup):
    settings, fake_line, fake_graph = setup
    parts, line, fb = await started(settings)
    try:
        await parts.contacts.set_blocked(Sender("line", "Ugone"), True)
        gone = enqueue(parts, "line:Ugone", "แจ้งเตือน")
        await parts.contacts.seen(Sender("fb", "333"))
        with parts.contacts.factory.begin() as session:
            contact = session.get(ChannelContact, "fb:333")
            contact.last_inbound_at = utcnow() - timedelta(hours=25)
        late = enqueue(parts, "fb:333", "แจ้งเตือน")
        assert await Notifier(parts, [line, fb]).run_once() == 0
        assert not fake_line.pushes() and not fake_graph.sent()
        assert note(parts, gone).attempts == note(parts, late).attempts == 0
    finally:
        await line.close()
        await fb.close()


@pytest.mark.asyncio
async def test_line_push_quota_is_respected_and_what_waits_is_shown_later(setup):
    settings, fake_line, _ = setup
    parts, line, fb = await started(settings)
    try:
        fake_line.quota = 1
        ids = [enqueue(parts, f"line:Uq{i}", f"เตือนภัยฉบับที่ {i}") for i in range(3)]
        notifier = Notifier(parts, [line])
        assert await notifier.run_once() == 1
        assert [c.body["to"] for c in fake_line.pushes()] == ["Uq0"]
        # the quota is used up: nothing more is tried, in this round or the next
        tried = len(fake_line.matching(lambda c: c.path == "/v2/bot/message/push"))
        assert await notifier.run_once() == 0
        assert len(fake_line.matching(lambda c: c.path == "/v2/bot/message/push")) == tried
        assert [note(parts, i).status for i in ids] == [
            notify.DELIVERED, notify.PENDING, notify.PENDING]
        # replies cost no quota: the waiting notice reaches the user with their next answer
        out = await line.outgoing(Sender("line", "Uq2"), [{"text": "รับทราบค่ะ"}])
        assert await line.deliver(Sender("line", "Uq2"), out, now("token-q"))
        assert note(parts, ids[2]).status == notify.DELIVERED
    finally:
        await line.close()
        await fb.close()


@pytest.mark.asyncio
async def test_a_slow_answer_goes_by_push_and_a_long_one_is_split_into_fives(setup):
    settings, fake_line, _ = setup
    parts, line, fb = await started(settings)
    try:
        # the engine took longer than a reply token lives: push, never a stale reply
        out = await line.outgoing(Sender("line", "Uslow"), [{"text": "คำตอบที่มาช้า"}])
        assert await line.deliver(Sender("line", "Uslow"), out,
                                  ReplyToken("token-old", time.monotonic() - 120))
        assert not fake_line.replies()
        assert fake_line.pushes("Uslow")[0].body["messages"] == [
            {"type": "text", "text": "คำตอบที่มาช้า"}]
        # seven images with their texts: five messages by reply, the rest by push, in order
        many = [{"text": f"รูปที่ {i}", "image": f"https://example.org/{i}.png"}
                for i in range(7)]
        out = await line.outgoing(Sender("line", "Umany"), many)
        assert await line.deliver(Sender("line", "Umany"), out, now("token-new"))
        sent = fake_line.replies()[0].body["messages"] + [
            m for c in fake_line.pushes("Umany") for m in c.body["messages"]]
        assert len(fake_line.replies()[0].body["messages"]) == 5
        assert [m.get("text") or m["originalContentUrl"] for m in sent] == [
            x for i in range(7) for x in (f"https://example.org/{i}.png", f"รูปที่ {i}")]
    finally:
        await line.close()
        await fb.close()


def retry_after(parts: Parts, note_id: int):
    with parts.outbox.factory() as session:
        claim = session.get(NotificationClaim, note_id)
        return None if claim is None else aware(claim.retry_after)


def time_passes_until_the_retry(parts: Parts, note_id: int) -> None:
    """What waiting until the stored retry time would do, without waiting."""
    with parts.outbox.factory.begin() as session:
        session.execute(update(NotificationClaim)
                        .where(NotificationClaim.notification_id == note_id)
                        .values(retry_after=utcnow() - timedelta(seconds=1)))


@pytest.mark.asyncio
async def test_a_refused_push_waits_for_its_retry_time_which_doubles_up_to_an_hour(setup):
    settings, fake_line, _ = setup
    parts, line, fb = await started(settings)
    refused = lambda: fake_line.matching(  # noqa: E731
        lambda c: c.path == "/v2/bot/message/push" and c.status == 400)
    try:
        fake_line.blocked_users.add("Uretry")
        note_id = enqueue(parts, "line:Uretry", "คำร้องของคุณได้รับการตรวจสอบแล้ว")
        notifier = Notifier(parts, [line])
        before = utcnow()
        assert await notifier.run_once() == 0
        after = utcnow()
        assert len(refused()) == 1
        # first refusal: retried 30 seconds later, not before
        assert before + timedelta(seconds=30) <= retry_after(parts, note_id) \
            <= after + timedelta(seconds=30)
        for _ in range(3):
            assert await notifier.run_once() == 0
        assert len(refused()) == 1 and note(parts, note_id).attempts == 1

        # its time has come: tried again, refused again, and now waits a minute
        time_passes_until_the_retry(parts, note_id)
        before = utcnow()
        assert await notifier.run_once() == 0
        after = utcnow()
        assert len(refused()) == 2 and note(parts, note_id).attempts == 2
        assert before + timedelta(seconds=60) <= retry_after(parts, note_id) \
            <= after + timedelta(seconds=60)
        assert await notifier.run_once() == 0
        assert len(refused()) == 2

        # after many refusals the wait stops growing at an hour
        with parts.outbox.factory.begin() as session:
            session.execute(update(notify.Notification)
                            .where(notify.Notification.id == note_id).values(attempts=12))
        time_passes_until_the_retry(parts, note_id)
        before = utcnow()
        assert await notifier.run_once() == 0
        after = utcnow()
        assert before + timedelta(hours=1) <= retry_after(parts, note_id) \
            <= after + timedelta(hours=1)

        # the user unblocked us: at the retry time it goes out, once
        fake_line.blocked_users.clear()
        assert await notifier.run_once() == 0  # not before its time
        time_passes_until_the_retry(parts, note_id)
        assert await notifier.run_once() == 1
        assert [m["text"] for c in fake_line.pushes("Uretry") for m in c.body["messages"]] == [
            "คำร้องของคุณได้รับการตรวจสอบแล้ว"]
        assert note(parts, note_id).status == notify.DELIVERED
        assert retry_after(parts, note_id) is None  # the claim is gone
        assert await notifier.run_once() == 0
        assert len(fake_line.pushes("Uretry")) == 1
    finally:
        await line.close()
        await fb.close()

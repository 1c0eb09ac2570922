"""The app database on PostgreSQL: migrations and the channels layer's real operations.

Runs against a throwaway database with a random name, created for the session and dropped
after it, on the PostgreSQL server at 127.0.0.1:5432 when it lets the ``postgres`` role in
(or on ``TEST_POSTGRES_ADMIN_URL``, e.g. ``postgresql://user:pass@host:5432/postgres``);
otherwise on a private server started with initdb and pg_ctl in a temporary directory
(Debian's ``postgresql`` package is installed with apt-get when root and the binaries are
missing); otherwise the tests are skipped, saying why.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text, update

from bot.app.channels.gateway import Parts
from bot.app.channels.models import ChannelContact, NotificationClaim
from bot.app.channels.web import WebChat
from bot.kernel import db, notify
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings

psycopg = pytest.importorskip("psycopg", reason="the psycopg driver is not installed")


def run(coro):
    return asyncio.run(coro)


def columns(url: str) -> dict[str, set[str]]:
    inspector = inspect(db.engine_for(url))
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}


def test_migrations_build_the_same_schema_as_on_sqlite_and_run_again_cleanly(pg_url, tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(sqlite)
    on_pg = columns(pg_url)
    assert {"notifications", "channel_events", "channel_contacts",
            "notification_claims"} <= set(on_pg)
    assert on_pg == columns(sqlite)  # every table and column, the skills' branches included
    with db.engine_for(pg_url).connect() as conn:
        heads = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.upgrade(pg_url)  # idempotent: nothing to do the second time
    with db.engine_for(pg_url).connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == heads
    with db.engine_for(sqlite).connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == heads


def gateway(pg_url: str) -> WebChat:
    """A channel adapter on the gateway's pipeline over PostgreSQL (no engine needed here)."""
    return WebChat(Settings.from_env({"SECRET_KEY": "k"}), Parts.over(pg_url))


def test_a_redelivered_platform_event_is_taken_once_even_when_both_arrive_together(pg_url):
    dedupe = Parts.over(pg_url).dedupe
    key = "line:" + secrets.token_hex(8).upper()
    assert run(dedupe.first_time(key)) is True
    assert run(dedupe.first_time(key)) is False

    async def together(k: str) -> list[bool]:
        return await asyncio.gather(*(dedupe.first_time(k) for _ in range(8)))

    assert sorted(run(together("fb:m_" + secrets.token_hex(8)))) == [False] * 7 + [True]


def test_offered_choices_survive_in_postgresql_and_a_typed_number_picks_one(pg_url):
    sender = Sender("line", "U" + secrets.token_hex(16))
    run(gateway(pg_url).outgoing(sender, [{"text": "เลือกบริการ", "buttons": [
        {"title": "ตำรวจ", "payload": "/police_find_station"},
        {"title": "ภาษีป้าย กรุงเทพมหานคร", "payload": "/signtax_calculate"}]}]))
    fresh = Parts.over(pg_url).contacts  # another process, or after a restart
    assert run(fresh.resolve(sender, "2")) == "/signtax_calculate"
    assert run(fresh.resolve(sender, "๑")) == "/police_find_station"
    assert run(fresh.resolve(sender, "3")) == "3"
    contact = fresh.get(sender)
    assert contact.choices[1]["title"] == "ภาษีป้าย กรุงเทพมหานคร"  # Thai kept intact
    assert contact.last_inbound_at.tzinfo is not None and contact.blocked is False


def test_first_messages_of_a_new_user_arriving_together_are_both_taken(pg_url):
    contacts = Parts.over(pg_url).contacts
    sender = Sender("fb", str(secrets.randbelow(10**15)))

    async def together() -> list:
        return await asyncio.gather(contacts.resolve(sender, "สวัสดี"),
                                    contacts.resolve(sender, "ขอเบอร์ตำรวจ"),
                                    return_exceptions=True)

    assert run(together()) == ["สวัสดี", "ขอเบอร์ตำรวจ"]
    with contacts.factory() as session:
        assert session.scalars(select(ChannelContact).where(
            ChannelContact.sender_id == sender.id)).one()


def _status(outbox, note_id: int) -> notify.Notification:
    with outbox.factory() as session:
        return session.get(notify.Notification, note_id)


def test_a_notification_is_claimed_once_kept_when_refused_and_delivered_at_the_next_message(
        pg_url):
    chat = gateway(pg_url)
    outbox = chat.parts.outbox
    sender = Sender("line", "U" + secrets.token_hex(16))
    with outbox.factory.begin() as session:
        note_id = notify.enqueue(session, sender.id, "คำร้องของคุณได้รับการตรวจสอบแล้ว",
                                 kind="test.pg", dedupe_key=secrets.token_hex(8)).id
    assert note_id in [n.id for n in outbox.pending_on(["line"])]

    async def both() -> list[bool]:
        return await asyncio.gather(*(asyncio.to_thread(outbox.take, note_id)
                                      for _ in range(4)))

    assert sorted(run(both())) == [False, False, False, True]  # one push at a time
    assert outbox.take(note_id) is False  # still in flight

    run(outbox.failed([note_id], "LINE answered HTTP 400", timedelta(seconds=30)))
    kept = _status(outbox, note_id)
    assert kept.status == notify.PENDING and kept.attempts == 1
    assert kept.last_error == "LINE answered HTTP 400"
    assert outbox.take(note_id) is False  # waits for its retry time

    # the user writes: the waiting notice comes first in the answer, then is delivered
    out = run(chat.outgoing(sender, [{"text": "สวัสดีค่ะ"}]))
    assert [a.text for a in out.answers] == ["คำร้องของคุณได้รับการตรวจสอบแล้ว", "สวัสดีค่ะ"]
    assert out.note_ids == [note_id]
    run(outbox.delivered(out.note_ids))
    done = _status(outbox, note_id)
    assert done.status == notify.DELIVERED and done.delivered_at.tzinfo is not None
    assert note_id not in [n.id for n in outbox.pending_on(["line"])]
    with outbox.factory() as session:
        assert session.get(NotificationClaim, note_id) is None


def test_a_claim_left_by_a_dead_process_is_taken_over_after_its_time(pg_url):
    outbox = Parts.over(pg_url).outbox
    with outbox.factory.begin() as session:
        note_id = notify.enqueue(session, "fb:" + str(secrets.randbelow(10**15)),
                                 "ศูนย์พักพิงเปิดแล้ว", kind="test.pg").id
    assert outbox.take(note_id) is True
    assert outbox.take(note_id) is False
    with outbox.factory.begin() as session:  # the claiming process died 10 minutes ago
        session.execute(update(NotificationClaim)
                        .where(NotificationClaim.notification_id == note_id)
                        .values(claimed_at=db.utcnow() - timedelta(minutes=10)))
    assert outbox.take(note_id) is True

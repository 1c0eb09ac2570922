"""The production profile's shape on one machine, and what happens when its parts go away.

Two engines sharing the tracker store (PostgreSQL) and Rasa's lock store (Redis), two web apps
on the app database (PostgreSQL), nginx in front (``bot.tools.balancer``; Debian's package,
installed with apt-get when missing): the processes ``PROFILE=production make run`` starts,
on a PostgreSQL server and a Redis server of this module's own, so that they can be
restarted. Citizens' messages go to the balancer only.

1. One web app, then one engine, is stopped while messages keep coming: every message is
   answered (the balancer and the web apps skip a process that refuses the connection), none
   twice (the shared tracker holds each message once) and none lost.
2. Three citizens keep talking while, in turn, PostgreSQL is restarted, Redis is restarted and
   the action server is stopped and started again. Each message is counted:

   - answered: a real answer;
   - told to try again: the Thai "not processed, please send again" text or the apology,
     with the emergency numbers (a clear answer the citizen can act on), as an answer or,
     while the app database is away, as the reason of a 503 (the page keeps the typed text);
   - bad: anything else (a 5xx, an empty answer, no answer at all) — must be 0;

   and from the tracker: worked on twice (one message twice in the conversation) — must be
   0. Once everything is back, every citizen is answered normally again.
3. Two action-server workers share the action port; one is killed (SIGKILL) under the same
   traffic, and the run command's supervisor starts it again: every message answered or told
   to try again with the hotlines, none worked on twice, none lost, and the new worker
   listens on the action port again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
import time
from collections import Counter

import pytest
import requests

from bot.tools.run import Supervisor
from bot.tools.stack import free_port, listens
from tests import servers
from tests.system.conftest import Chat, running_stack, texts, tracker_user_messages

RETRY_WORDS = ("กรุณาส่งใหม่", "ขออภัย")  # the outage text and the apology both say one
HOTLINES = ("191", "1669")


@pytest.fixture(scope="module")
def stores():
    if shutil.which("nginx") is None and not shutil.which("/usr/sbin/nginx"):
        try:
            servers.install_debian_package("nginx")
        except servers.Unavailable as why:
            pytest.skip(f"the load balancer (nginx) is needed: {why}")
    try:
        with servers.own_postgres() as pg, servers.own_redis() as redis:
            with servers.postgres_database(pg.conninfo, "bot_app_") as app_db, \
                    servers.postgres_database(pg.conninfo, "bot_tracker_") as tracker_db:
                yield {"pg": pg, "redis": redis, "tracker": tracker_db["app"], "env": {
                    "DATABASE_URL": app_db["app"], "TRACKER_URL": tracker_db["engine"],
                    "LOCK_STORE": "redis", "REDIS_HOST": "127.0.0.1",
                    "REDIS_PORT": str(redis.port), "LOCK_KEY_PREFIX": "faults",
                    "SECRET_KEY": secrets.token_urlsafe(32), "DEMO_DATA": "0"}}
    except servers.Unavailable as why:
        pytest.skip(f"a PostgreSQL and a Redis server of our own are needed: {why}")


@pytest.fixture(scope="module")
def production(stores, tmp_path_factory):
    with running_stack(tmp_path_factory, "production", env=stores["env"],
                       more_engines=[free_port()], more_webs=[free_port()],
                       balancer_port=free_port(), action_workers=2) as stack:
        assert sorted(stack.procs) == ["actions", "actions2", "balancer", "engine", "engine2",
                                       "web", "web2"]
        yield stack


class Tally:
    """Messages sent, answered (with a real answer), and the tracker's count of each."""

    def __init__(self, stack) -> None:
        self.chat = Chat(stack)
        self.sent: list[str] = []
        self.answered = 0

    def say(self, text: str) -> str:
        self.sent.append(text)
        reply = texts(self.chat.say(text))  # the internal-error apology fails the test
        self.answered += bool(reply.strip())
        return reply


class Traffic:
    """Citizens talking in a loop, each message unique, each outcome counted."""

    def __init__(self, stack, citizens: int = 3) -> None:
        self.url = f"http://127.0.0.1:{stack.front_port}/api/chat"
        self.senders = [f"fault{secrets.token_hex(6)}" for _ in range(citizens)]
        self.outcomes: Counter = Counter()
        self.bad: list[str] = []
        self.timeline: list[tuple[float, str]] = []  # (seconds since start, outcome)
        self.started = time.monotonic()
        self.sent: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._talk, args=(s,)) for s in self.senders]

    def say(self, sender: str, text: str) -> str:
        with self._lock:
            self.sent.append((sender, text))
        try:
            resp = requests.post(self.url, json={"sender": sender, "text": text}, timeout=60)
        except requests.RequestException as exc:
            return self._count("bad", f"{text}: no answer ({type(exc).__name__})")
        if resp.status_code == 503:  # the web chat shows the reason and keeps the text
            reply = resp.json().get("error", "")
        elif resp.status_code != 200:
            return self._count("bad", f"{text}: HTTP {resp.status_code} {resp.text[:200]}")
        else:
            reply = "\n".join(m["text"] for m in resp.json().get("messages", []))
        if not reply.strip():
            return self._count("bad", f"{text}: an empty answer")
        if any(w in reply for w in RETRY_WORDS):
            if not all(h in reply for h in HOTLINES):
                return self._count("bad", f"{text}: a retry text without the hotlines: {reply}")
            return self._count("told to try again", reply)
        return self._count("answered", reply)

    def _count(self, outcome: str, detail: str) -> str:
        with self._lock:
            self.outcomes[outcome] += 1
            self.timeline.append((time.monotonic() - self.started, outcome))
            if outcome == "bad":
                self.bad.append(detail)
        return outcome

    def _talk(self, sender: str) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            self.say(sender, f"เบอร์โทร สน.ลุมพินี ครั้งที่ {n}")
            time.sleep(0.2)

    def __enter__(self) -> Traffic:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(120)

    def figures(self, tracker: str) -> dict[str, int]:
        """Sent, and what became of them; "worked on twice" and "lost" must be 0."""
        ours = [(sender, text) for sender, text in tracker_user_messages(tracker)
                if sender.split(":", 1)[-1] in self.senders]
        answered, told = self.outcomes["answered"], self.outcomes["told to try again"]
        return {"sent": len(self.sent), "answered": answered, "told to try again": told,
                "worked on twice": sum(n - 1 for n in Counter(ours).values() if n > 1),
                "lost": len(self.sent) - answered - told}


def test_every_message_is_answered_once_while_a_web_app_and_an_engine_are_stopped(
        production, stores):
    tally = Tally(production)
    assert "1. ตำรวจ" in tally.say("สวัสดีครับ")
    for name in ("web", "engine"):
        production.stop_one(name)
        try:
            for _ in range(3):  # in turn: each message meets the stopped process or its twin
                assert "สน.ลุมพินี" in tally.say("เบอร์โทร สน.ลุมพินี")
        finally:
            production.start_one(name)
            production.wait_ready()
    assert "สน.ลุมพินี" in tally.say("เบอร์โทร สน.ลุมพินี")  # all back
    received = [text for _, text in tracker_user_messages(stores["tracker"])]
    figures = {"sent": len(tally.sent), "answered": tally.answered,
               "worked on twice": max(0, len(received) - len(tally.sent)),
               "lost": len(tally.sent) - tally.answered}
    print("production profile under stops:", figures)
    assert tally.answered == len(tally.sent) == 8
    assert received == tally.sent  # each message reached an engine once, in order


def test_restarting_postgresql_and_redis_and_the_action_server_under_traffic(
        production, stores, expect_log):
    # The processes log the failures this test causes (lost connections, refused locks):
    # that is their job here; what citizens get is what this test counts.
    expect_log(r"")
    events = []
    with Traffic(production) as traffic:
        def note(what: str) -> None:
            events.append((time.monotonic() - traffic.started, what))

        time.sleep(3)
        for name, server in (("PostgreSQL", stores["pg"]), ("Redis", stores["redis"])):
            note(f"{name} stopped")
            server.stop()
            time.sleep(4)
            server.start()
            note(f"{name} started")
            time.sleep(6)
        note("action server stopped")  # every worker of it
        for name in production.action_names():
            production.stop_one(name)
        time.sleep(4)
        for name in production.action_names():
            production.start_one(name)
        production.wait_ready()
        note("action server ready")
        time.sleep(3)
    figures = traffic.figures(stores["tracker"])
    print("faults under traffic:", figures)
    for at, what in events:  # when the faults were, and the first normal answer after each
        back = next((t for t, o in traffic.timeline if t > at and o == "answered"), None)
        print(f"  {at:6.1f} s {what}; next normal answer at "
              + (f"{back:6.1f} s" if back is not None else "never"))
    assert traffic.bad == []
    assert traffic.outcomes["told to try again"] > 0  # the faults were felt…
    assert traffic.outcomes["answered"] > len(traffic.senders) * 5  # …and traffic flowed
    assert figures["worked on twice"] == figures["lost"] == 0
    for sender in traffic.senders:  # everything is back: a normal answer for everyone
        assert traffic.say(sender, "เบอร์โทร สน.ลุมพินี อีกครั้ง") == "answered"


def workers_listening(stack) -> list[str]:
    procs = dict(stack.procs)  # the supervisor may be restarting one meanwhile
    return [name for name in stack.action_names()
            if name in procs and listens(procs[name].pid, stack.action_port)]


def test_killing_one_action_server_worker_under_traffic(production, stores, expect_log):
    # the engine logs the action call the killed worker dropped: that is what is tested here
    expect_log(r"")
    assert workers_listening(production) == ["actions", "actions2"]
    supervisor, watching = Supervisor(production), threading.Event()

    def supervise() -> None:  # what `make run` does every half second
        while not watching.wait(0.5):
            supervisor.check()

    watcher = threading.Thread(target=supervise)
    watcher.start()
    try:
        with Traffic(production) as traffic:
            time.sleep(3)
            killed = production.procs["actions2"]
            os.killpg(killed.pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while production.procs.get("actions2") in (killed, None) or \
                    "actions2" not in workers_listening(production):
                assert time.monotonic() < deadline, "the killed worker was not started again"
                time.sleep(0.2)
            time.sleep(4)  # traffic over both workers again
    finally:
        watching.set()
        watcher.join()
    figures = traffic.figures(stores["tracker"])
    print("one action-server worker killed under traffic:", figures)
    assert traffic.bad == []
    assert figures["worked on twice"] == figures["lost"] == 0
    assert traffic.outcomes["answered"] > len(traffic.senders) * 5
    assert workers_listening(production) == ["actions", "actions2"]

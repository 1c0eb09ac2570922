"""Two of each process, as if on two hosts: the design needs nothing machine-local.

Host A and host B each run an action server, an engine and a web app with their own ports,
var dirs and logs; they share only what a multi-machine deployment shares: the app database
and Rasa's tracker store on PostgreSQL, Rasa's lock store on Redis (``LOCK_STORE=redis``),
the ``SECRET_KEY`` and the engine and action tokens. A citizen's messages alternate between the two web apps (as a load
balancer without sticky sessions would send them), so every second message is worked on by
the other engine and the other action server: the conversation keeps its state (a form half
filled on one host is finished on the other; a numbered choice offered by one is picked on
the other) and its order (the shared tracker holds the messages as they were sent).

The live streams too: an operator working on host A reaches a citizen whose web chat streams
from host B, and an operator page open on host B is told of a change made on host A (the
web apps' wake-ups go through Redis, ``bot.app.shared``).

PostgreSQL and Redis: the machine's own when they answer, else servers of our own
(``tests/servers.py``).
"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from tests.system.conftest import Chat, running_stack, texts, tracker_user_messages
from tests.system.test_console_handoff import Operator, Stream


@pytest.fixture(scope="module")
def hosts(shared_stores, tmp_path_factory):
    with running_stack(tmp_path_factory, "host-a", env=shared_stores["env"]) as a, \
            running_stack(tmp_path_factory, "host-b", env=shared_stores["env"]) as b:
        assert {a.app_port, a.engine_port, a.action_port}.isdisjoint(
            {b.app_port, b.engine_port, b.action_port})
        assert a.var_dir != b.var_dir
        yield a, b


def test_a_conversation_alternating_between_two_hosts_keeps_its_state_and_order(hosts, shared_stores):
    a, b = hosts
    on_a = Chat(a)
    on_b = Chat(b)
    on_b.sender = on_a.sender  # one citizen; the "load balancer" alternates
    said = []

    def say(chat: Chat, text: str) -> str:
        said.append(text)
        return texts(chat.say(text))

    first = say(on_a, "ภาษีป้าย ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร")
    assert "1. ติดอยู่กับที่" in first  # host A offers numbered choices
    result = say(on_b, "1")  # host B picks from what host A offered
    assert "90 × 26 = 2,340 บาท" in result
    assert "เขตไหน" in say(on_a, "1")  # the form filled on B goes on on A
    assert "ชื่อร้าน" in say(on_b, "เขตจตุจักร")
    bill = say(on_a, "ร้านทดสอบสองเครื่อง")
    number = re.search(r"เลขที่ (ST\d+)", bill).group(1)
    history = say(on_b, "ขอดูประวัติการยื่นภาษีป้าย")  # the bill A wrote, read on B
    assert number in history and "ร้านทดสอบสองเครื่อง" in history

    # this run's own tracker database: one citizen, one conversation (the web chat's
    # sender id, as the engine knows it)
    rows = tracker_user_messages(shared_stores["tracker_db"]["app"])
    assert len({sender for sender, _ in rows}) == 1
    received = [text for _, text in rows]
    assert len(received) == len(said)
    for sent, got in zip(said, received, strict=True):
        assert got == sent or (sent.isdigit() and got.startswith("/")), (sent, got)



class ConsoleChanges:
    """An operator's console page listening for changes (``GET /console/events``)."""

    def __init__(self, operator: Operator) -> None:
        self.changes = 0
        self.changed = threading.Condition()
        self.response = operator.web.get(f"{operator.base}/console/events", stream=True,
                                         timeout=30)
        assert self.response.status_code == 200
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "event: change":
                    with self.changed:
                        self.changes += 1
                        self.changed.notify_all()
        except requests.RequestException:
            pass  # the stack stopped while the page was open

    def wait_beyond(self, seen: int, seconds: float) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.changes > seen, seconds), \
                "the console page on the other host was not told of the change"


def test_an_operator_on_one_host_reaches_a_citizen_streaming_from_the_other(hosts):
    a, b = hosts
    citizen = Chat(b)
    assert citizen.post(text="ขอคุยกับเจ้าหน้าที่หน่อยครับ").json()["live"] is True
    page_on_b = ConsoleChanges(Operator(b))  # another operator's queue page, on host B
    operator = Operator(a)  # the operator who takes the case works on host A
    case = operator.case_of(f"web:{citizen.sender}", a.env["DATABASE_URL"])
    stream = Stream(b, citizen.sender)  # the citizen's page streams from host B
    assert operator.do(case, "claim").status_code == 303
    stream.wait("รับเรื่องแล้ว")
    took = []
    for n in range(3):
        started = time.monotonic()
        assert operator.do(case, "reply", text=f"ข้อความจากเจ้าหน้าที่ครั้งที่ {n + 1}"
                           ).status_code == 303
        stream.wait(f"ข้อความจากเจ้าหน้าที่ครั้งที่ {n + 1}")
        took.append(time.monotonic() - started)
    print("operator's reply on host A streamed by host B in", [f"{t:.2f} s" for t in took])
    # the console page on B has no reading of its own: only a wake-up from A can tell it
    seen = page_on_b.changes
    on_a = Chat(a)
    on_a.sender = citizen.sender
    assert on_a.post(text="ยังรออยู่ครับ").json()["messages"] == []  # paused: transcript only
    page_on_b.wait_beyond(seen, 5)
    assert operator.do(case, "resume").status_code == 303
    stream.wait("ส่งการสนทนากลับให้ระบบตอบอัตโนมัติแล้ว")

"""The production profile on one machine, and what happens when its processes die.

Two engines sharing the tracker store (PostgreSQL) and Rasa's lock store (Redis), two web apps
on the app database (PostgreSQL), nginx in front (``bot.tools.balancer``; Debian's package,
installed with apt-get when missing) — the processes ``PROFILE=production make run`` starts.
Citizens' messages go to the balancer only. One web app, then one engine, is stopped while
messages keep coming: every message is answered (the balancer and the web apps skip a process
that refuses the connection), none twice (the shared tracker holds each message once) and
none lost; each process is started again and takes its share.
"""

from __future__ import annotations

import shutil

import pytest

from bot.tools.stack import free_port
from tests import servers
from tests.system.conftest import Chat, running_stack, texts, tracker_user_messages


@pytest.fixture(scope="module")
def production(shared_stores, tmp_path_factory):
    if shutil.which("nginx") is None and not shutil.which("/usr/sbin/nginx"):
        try:
            servers.install_debian_package("nginx")
        except servers.Unavailable as why:
            pytest.skip(f"the load balancer (nginx) is needed: {why}")
    with running_stack(tmp_path_factory, "production", env=shared_stores["env"],
                       more_engines=[free_port()], more_webs=[free_port()],
                       balancer_port=free_port()) as stack:
        assert sorted(stack.procs) == ["actions", "balancer", "engine", "engine2", "web", "web2"]
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


def test_every_message_is_answered_once_while_a_web_app_and_an_engine_are_stopped(
        production, shared_stores):
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
    received = [text for _, text in tracker_user_messages(shared_stores["tracker_db"]["app"])]
    figures = {"sent": len(tally.sent), "answered": tally.answered,
               "worked on twice": max(0, len(received) - len(tally.sent)),
               "lost": len(tally.sent) - tally.answered}
    print("production profile under stops:", figures)
    assert tally.answered == len(tally.sent) == 8
    assert received == tally.sent  # each message reached an engine once, in order

"""Live handoff end to end: a citizen asks for a person, an operator signs in to the console
(a real session, CSRF tokens, the pages' forms), claims the conversation and replies; the
reply reaches the citizen at once (the web chat's server-sent events) or through the
platform (LINE and Messenger, fake platforms); while paused the bot is silent except for an
emergency, which still gets its hotline first; handed back, the bot answers again."""

from __future__ import annotations

import json
import re
import threading
import uuid

import requests
from sqlalchemy import create_engine, text

from bot.app.console import auth
from bot.kernel import db
from tests.system.conftest import Chat, texts
from tests.system.platforms import LineUser, MessengerUser

PASSWORD = "operator password 1"


def make_operator(database_url: str) -> str:
    name = "op" + uuid.uuid4().hex[:8]
    with db.session_factory(database_url).begin() as session:
        auth.create_user(session, name, PASSWORD, "operator", f"สมใจ {name}")
    return name


class Operator:
    """A hotline operator using the console's pages over HTTP with a real session."""

    def __init__(self, stack) -> None:
        self.base = f"http://127.0.0.1:{stack.app_port}"
        self.web = requests.Session()
        name = make_operator(stack.env["DATABASE_URL"])
        page = self.web.get(f"{self.base}/console/login", timeout=10)
        signed = self.web.post(f"{self.base}/console/login", timeout=30, allow_redirects=False,
                               data={"csrf": self.csrf(page.text), "username": name,
                                     "password": PASSWORD})
        assert signed.status_code == 303, signed.text

    @staticmethod
    def csrf(html: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    def case_of(self, sender_id: str, database_url: str) -> int:
        with create_engine(database_url).connect() as conn:
            return conn.execute(text("SELECT id FROM handoff_requests WHERE sender_id = :s "
                                     "AND status = 'open'"), {"s": sender_id}).scalar_one()

    def queue(self) -> str:
        page = self.web.get(f"{self.base}/console/", timeout=10)
        assert page.status_code == 200
        return page.text

    def do(self, case: int, action: str, **form) -> requests.Response:
        page = self.web.get(f"{self.base}/console/handoff/{case}", timeout=10)
        assert page.status_code == 200
        return self.web.post(f"{self.base}/console/handoff/{case}/{action}", timeout=30,
                             data={"csrf": self.csrf(page.text), **form},
                             allow_redirects=False)


class Stream:
    """The web chat page's live stream (GET /api/chat/stream), read in a thread."""

    def __init__(self, stack, sender: str) -> None:
        self.messages: list[dict] = []
        self.got = threading.Event()
        self.response = requests.get(f"http://127.0.0.1:{stack.app_port}/api/chat/stream",
                                     params={"sender": sender}, stream=True, timeout=30)
        assert self.response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "message":
                    self.messages += json.loads(line[6:])
                    self.got.set()
        except requests.RequestException:
            pass  # the stack stopped while the stream was open

    def wait(self, words: str, seconds: float = 10.0) -> str:
        for _ in range(int(seconds * 10)):
            said = "\n".join(m["text"] for m in self.messages)
            if words in said:
                return said
            self.got.wait(0.1)
            self.got.clear()
        raise AssertionError(f"{words!r} not streamed; got {self.messages}")


def test_web_chat_handoff_operator_reply_arrives_live_and_hand_back(stack):
    citizen = Chat(stack)
    asked = citizen.post(text="ขอคุยกับเจ้าหน้าที่หน่อยครับ").json()
    assert asked["live"] is True
    assert "ส่งเรื่องถึงเจ้าหน้าที่แล้ว" in texts(asked["messages"]) or \
        "นอกเวลาทำการ" in texts(asked["messages"])
    operator = Operator(stack)
    sender_id = f"web:{citizen.sender}"
    case = operator.case_of(sender_id, stack.env["DATABASE_URL"])
    assert f"H-{case:06d}" in operator.queue()

    # while paused: an ordinary message gets nothing from the bot, and joins the transcript
    quiet = citizen.post(text="ภาษีป้ายคิดยังไงครับ").json()
    assert quiet["messages"] == [] and quiet["live"] is True
    # an emergency still gets its hotline first
    danger = citizen.post(text="ช่วยด้วย โดนปล้นอยู่ตอนนี้").json()
    assert "191" in danger["messages"][0]["text"]

    stream = Stream(stack, citizen.sender)
    assert operator.do(case, "claim").status_code == 303
    stream.wait("รับเรื่องแล้ว")
    assert operator.do(case, "reply", text="สวัสดีครับ เจ้าหน้าที่สมใจรับเรื่องแล้วครับ"
                       ).status_code == 303
    stream.wait("เจ้าหน้าที่: สวัสดีครับ เจ้าหน้าที่สมใจรับเรื่องแล้วครับ")
    page = operator.web.get(f"{operator.base}/console/handoff/{case}", timeout=10).text
    assert "ภาษีป้ายคิดยังไงครับ" in page and "โดนปล้นอยู่ตอนนี้" in page
    assert "ฉุกเฉิน" in page  # the emergency raised its priority

    assert operator.do(case, "resume").status_code == 303
    stream.wait("ส่งการสนทนากลับให้ระบบตอบอัตโนมัติแล้ว")
    back = citizen.post(text="ภาษีป้ายคิดยังไงครับ").json()
    assert back["live"] is False and back["messages"], back
    assert "ป้าย" in texts(back["messages"])


def test_operator_reply_reaches_line_and_messenger(platforms):
    stack = platforms["stack"]
    operator = Operator(stack)
    line_user, fb_user = LineUser(platforms), MessengerUser(platforms)
    line_user.say("ขอคุยกับเจ้าหน้าที่ครับ")
    fb_user.say("ขอคุยกับเจ้าหน้าที่ค่ะ")
    for sender_id, words in ((f"line:{line_user.user_id}", "ตอบทาง LINE ครับ"),
                             (f"fb:{fb_user.psid}", "ตอบทาง Messenger ครับ")):
        case = operator.case_of(sender_id, stack.env["DATABASE_URL"])
        assert operator.do(case, "claim").status_code == 303
        assert operator.do(case, "reply", text=words).status_code == 303
    push = platforms["line"].wait_for(
        lambda c: c.path == "/v2/bot/message/push" and c.body.get("to") == line_user.user_id
        and "ตอบทาง LINE ครับ" in json.dumps(c.body, ensure_ascii=False))[0]
    assert push.status == 200
    sent = platforms["graph"].wait_for(
        lambda c: c.path.endswith("/me/messages") and c.body.get("recipient", {}).get("id")
        == fb_user.psid and "ตอบทาง Messenger ครับ" in json.dumps(c.body, ensure_ascii=False))
    assert sent[0].status == 200


def test_two_misunderstandings_in_a_row_hand_the_conversation_to_a_person(stack):
    citizen = Chat(stack)
    first = citizen.post(text="ฟหกดฟหกด").json()
    missed = ("ไม่แน่ใจว่าเข้าใจถูก", "อยู่นอกบริการ")  # a fallback, or junk as out of scope
    assert first["live"] is False, first
    assert any(w in texts(first["messages"]) for w in missed), first
    second = citizen.post(text="ฟหกดเ่าสวง").json()
    said = texts(second["messages"])
    assert second["live"] is True, second
    assert any(w in said for w in missed) and "H-" in said
    assert "ส่งเรื่องถึงเจ้าหน้าที่แล้ว" in said or "นอกเวลาทำการ" in said
    operator = Operator(stack)
    case = operator.case_of(f"web:{citizen.sender}", stack.env["DATABASE_URL"])
    assert f"H-{case:06d}" in operator.queue()
    # paused now: the bot is silent to the next message
    assert citizen.post(text="ฟหกด").json()["messages"] == []


def test_the_queue_names_the_service_the_conversation_was_in(stack):
    citizen = Chat(stack)
    citizen.post(text="ค่าวินมอเตอร์ไซค์ 3 กิโลเท่าไหร่")
    asked = citizen.post(text="ขอคุยกับเจ้าหน้าที่ครับ").json()
    assert asked["live"] is True, asked
    operator = Operator(stack)
    case = operator.case_of(f"web:{citizen.sender}", stack.env["DATABASE_URL"])
    row = operator.queue().split(f"H-{case:06d}")[1].split("</tr>")[0]
    assert "วินมอเตอร์ไซค์รับจ้าง" in row


def test_an_emergency_that_goes_on_opens_an_urgent_handoff(stack):
    citizen = Chat(stack)
    first = citizen.post(text="ช่วยด้วย โดนปล้นอยู่ตอนนี้").json()
    assert first["live"] is False and "191" in first["messages"][0]["text"], first
    again = citizen.post(text="คนร้ายยังอยู่หน้าบ้าน ช่วยด้วยค่ะ").json()
    assert "191" in again["messages"][0]["text"], again  # the hotline still comes first
    assert again["live"] is True, again
    operator = Operator(stack)
    case = operator.case_of(f"web:{citizen.sender}", stack.env["DATABASE_URL"])
    row = operator.queue().split(f"H-{case:06d}")[1].split("</tr>")[0]
    assert "ฉุกเฉิน" in row

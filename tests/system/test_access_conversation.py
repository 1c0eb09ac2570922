"""The access service and short replies through the web chat, against the real engine.

Short replies: every message of every ready service stays within ``bot.kernel.short.BUBBLE``
(200) characters, a few per turn, and "ต่อ" reads on.
"""

from __future__ import annotations

import re

from bot.kernel import registry, short
from tests.system.conftest import texts

SOURCE = re.compile(r"ที่มา: https://\S+ ข้อมูล")


def test_education_question_gets_a_sourced_answer_with_a_next_step(chat):
    reply = texts(chat.say("ลูกตาบอด เรียนฟรีได้ถึงระดับไหนคะ"))
    assert "เรียนฟรี" in reply and SOURCE.search(reply)
    assert "ขั้นต่อไป:" in reply and "1479" in reply


def test_school_in_a_province(chat):
    reply = texts(chat.say("มีโรงเรียนสอนคนตาบอดที่เชียงใหม่ไหม"))
    assert "โรงเรียนสอนคนตาบอดภาคเหนือ" in reply and "โดยประมาณ" in reply


def test_employer_with_n_employees_gets_the_count_and_the_working(chat):
    reply = texts(chat.say("บริษัทมีพนักงาน 250 คน"))
    assert "ต้องจ้างคนพิการ 2 คน" in reply
    assert "250 หาร 100 ได้ 2 เศษ 50" in reply and "บาทต่อปี" in reply and "มาตรา 35" in reply


def test_allowance_and_card(chat):
    money = texts(chat.say("เบี้ยคนพิการได้เดือนละกี่บาท"))
    assert "1,000 บาท" in money and "1300" in money
    card = texts(chat.say("ทำบัตรคนพิการต้องใช้เอกสารอะไรบ้าง"))
    assert "สำเนาทะเบียนบ้าน" in card and SOURCE.search(card)


def test_guided_flow_gives_a_fitting_list_then_keeps_and_deletes_the_answers(chat):
    first = texts(chat.say("สิทธิ์อะไรที่ฉันได้บ้าง"))
    assert "บัตรประจำตัวคนพิการ" in first and "ไม่ถูกบันทึก" in first
    assert "อายุ" in texts(chat.say("2"))          # 2. ยังไม่มีบัตร
    provinces = texts(chat.say("๑"))               # ๑. under 18: a student, so the province
    number = re.search(r"(\d+)\. ขอนแก่น", provinces).group(1)
    result = texts(chat.say(number))
    assert "สิทธิที่เหมาะกับคุณ" in result and result.index("บัตรคนพิการ") < result.index("เรียนฟรี")
    assert "โรงเรียนสอนคนตาบอดขอนแก่น" in result and "เงินกู้" not in result
    assert "จำคำตอบไว้แล้ว" in texts(chat.say("1"))  # 1. keep them
    again = texts(chat.say("อยากรู้ว่ามีสิทธิอะไรบ้าง"))
    assert "ใช้คำตอบที่คุณให้จำไว้" in again
    assert "ลบคำตอบ" in texts(chat.say("ลบข้อมูลของฉัน"))
    assert "ไม่มีคำตอบของคุณบันทึกไว้" in texts(chat.say("ลบข้อมูลของฉัน"))


# One question per ready service, as citizens ask it.
QUESTIONS = {
    "police": "เบอร์โทร สน.ลุมพินี",
    "access": "ทำบัตรคนพิการต้องใช้เอกสารอะไรบ้าง",
    "motortaxi": "นั่งวิน 7 กิโล ราคาเท่าไหร่",
    "signtax": "ภาษีป้ายไทยล้วน กว้าง 1 เมตร ยาว 2 เมตร ติดอยู่กับที่",
    "forest": "ป่าดอยสุเทพตอนนี้เป็นยังไงบ้าง",
    "disaster": "ศูนย์พักพิงใกล้ฉัน อยู่วารินชำราบ",
}


def _short_ok(messages: list[dict]) -> None:
    for m in messages:
        assert len(m["text"]) <= short.BUBBLE, m["text"]


def test_short_mode_changes_the_replies_of_every_ready_service(chat):
    ready = [m.id for m in registry.discover() if m.status == "ready"]
    assert set(ready) <= set(QUESTIONS), f"a ready service without a question here: {ready}"
    normal = {skill: chat.say(QUESTIONS[skill]) for skill in ready}
    assert sum(len(m) for m in normal.values()) > 0
    on = chat.post(text="ตอบสั้นๆ").json()
    assert on["short"] is True
    for skill in ready:
        messages = chat.say(QUESTIONS[skill])
        _short_ok(messages)
        assert len(messages) <= short.PER_TURN + 1
        if any(len(m["text"]) > short.BUBBLE or "\n" in m["text"] for m in normal[skill]):
            assert texts(messages) != texts(normal[skill]), skill  # one idea per message
        heard, turns = messages, 0
        while "พิมพ์ ต่อ" in heard[-1]["text"] and turns < 30:
            heard = chat.say("ต่อ")
            _short_ok(heard)
            turns += 1
        assert "พิมพ์ ต่อ" not in heard[-1]["text"], f"{skill}: more than 30 turns of ต่อ"
    menu = chat.say("เมนู")
    _short_ok(menu)
    again = chat.say("อ่านอีกครั้ง")  # the menu again, short
    _short_ok(again)
    assert texts(again) == texts(menu)
    off = chat.post(text="ตอบปกติ").json()
    assert off["short"] is False
    # the usual form again (a form of another service may add its own question after it)
    assert texts(chat.say(QUESTIONS["access"])).startswith(texts(normal["access"]))


def test_short_mode_asked_for_in_other_words_reaches_the_engine_and_sticks(chat):
    reply = texts(chat.say("ข้อความยาวไป ช่วยตอบให้สั้นกว่านี้หน่อย"))
    assert "ตอบสั้นๆ" in reply
    messages = chat.say(QUESTIONS["access"])
    _short_ok(messages)
    assert chat.post(text="ต่อ").json()["short"] is True

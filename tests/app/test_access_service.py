"""The access skill without the engine: the employer's quota and levy, the topics' answers
(sourced, dated, with a next step and a phone), the guided flow, and its actions with a real
tracker, dispatcher and app database (answers kept only with consent, deleted on request)."""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import access as actions
from actions import base
from bot.kernel.answer import KEY, Answer
from bot.kernel.db import session_factory, upgrade
from skills.access import employment, facts, rights, service
from skills.access.models import AccessProfile

SOURCE = re.compile(r"ที่มา: https://\S+ ข้อมูล \S+ \d{4} \(")


# --- the quota and the levy ------------------------------------------------------------------

@pytest.mark.parametrize(("employees", "people"), [
    (99, 0), (100, 1), (150, 1), (151, 2), (250, 2), (251, 3), (1000, 10)])
def test_quota_one_per_hundred_and_one_more_for_a_remainder_over_fifty(employees, people):
    assert employment.quota(employees) == people


def test_levy_is_the_daily_minimum_wage_times_365_per_unfilled_place():
    assert employment.levy(1, 300) == 109_500  # the 2014 worked example in the data
    example = facts.employment()["levy"]["example"]
    assert employment.levy(1, example["daily_wage"]) == example["per_place"]
    assert employment.levy(3, 400) == 438_000
    assert employment.levy(0, 400) == 0


def test_employer_message_gets_the_count_the_working_and_the_levy():
    said = "\n".join(a.text for a in service.employer("บริษัทมีพนักงาน 250 คน"))
    assert "พนักงาน 250 คน ต้องจ้างคนพิการ 2 คน" in said
    assert "250 หาร 100 ได้ 2 เศษ 50 เศษไม่เกิน 50 ไม่นับเพิ่ม" in said
    wage = facts.used(facts.employment()["daily_minimum_wage"])["baht"]
    assert f"{wage * 365:,} บาทต่อคน คูณ 2 คน รวม {wage * 365 * 2:,} บาทต่อปี" in said
    assert "ยังไม่ได้ยืนยัน" in said  # the wage figure says how sure it is
    assert "มาตรา 35" in said and "1 ตุลาคม" in said and "1479" in said


def test_employer_who_hired_some_pays_only_for_the_rest():
    said = "\n".join(a.text for a in service.employer("พนักงาน ๑,๐๐๐ คน จ้างคนพิการแล้ว 8 คน"))
    assert "ต้องจ้างคนพิการ 10 คน" in said and "ยังขาด 2 คน" in said


def test_small_employer_and_no_number():
    assert "ยังไม่ถึงเกณฑ์" in service.employer("ร้านมีพนักงาน 99 คน")[0].text
    assert "บอกจำนวนพนักงาน" in service.employer("บริษัทต้องจ้างคนพิการกี่คน")[0].text


# --- topics: sourced, dated, a next step and a phone ----------------------------------------

@pytest.mark.parametrize("topic", sorted(service.TOPIC_ANSWERS))
def test_each_topic_is_sourced_dated_with_a_next_step_and_a_phone(topic):
    answers = service.topic(topic)
    said = "\n".join(a.text for a in answers)
    assert SOURCE.search(said), said
    assert "ขั้นต่อไป:" in said and re.search(r"โทร (1479|1300)", said)
    assert answers[-1].call is not None


def test_education_says_free_schooling_devices_and_the_fund():
    said = "\n".join(a.text for a in service.education())
    assert "เรียนฟรี" in said and "กองทุน" in said and "อุปกรณ์" in said
    assert "ศูนย์การศึกษาพิเศษ" in said


def test_schools_by_province_and_the_list_says_it_is_approximate():
    said = "\n".join(a.text for a in service.schools("โรงเรียนคนตาบอดที่ขอนแก่น"))
    assert "โรงเรียนสอนคนตาบอดขอนแก่น" in said and "โดยประมาณ" in said
    other = "\n".join(a.text for a in service.schools("โรงเรียนตาบอดที่ตราด"))
    assert "ยังไม่มีโรงเรียนสอนคนตาบอดในตราด" in other and "ศูนย์การศึกษาพิเศษ" in other


def test_allowance_states_the_used_figure_and_the_older_one():
    said = "\n".join(a.text for a in service.money())
    assert "เดือนละ 1,000 บาท" in said and "800 บาท" in said and "ใหม่กว่า" in said


# --- the guided flow ----------------------------------------------------------------------

def test_only_needed_questions_are_asked():
    assert rights.Profile().next_question() == "card"
    child = rights.Profile(card=True).with_answer("age_child")
    assert child.role == "student" and child.next_question() == "province"
    elder = rights.Profile(card=True).with_answer("age_elder")
    assert elder.next_question() is None  # no "studying or working?" for 60 and over
    worker = rights.Profile(card=True, age="adult").with_answer("role_working")
    assert worker.next_question() is None  # the province only matters for schools


def test_the_list_fits_the_answers():
    no_card_student = rights.result_lines(rights.Profile(False, "child", "student", "เชียงใหม่"))
    assert no_card_student[0].startswith("บัตรคนพิการ")
    assert any("เรียนฟรี" in line for line in no_card_student)
    assert any("โรงเรียนสอนคนตาบอดภาคเหนือ" in line for line in no_card_student)
    assert not any("เงินกู้" in line for line in no_card_student)
    worker = rights.result_lines(rights.Profile(True, "adult", "seeking", None))
    assert not any(line.startswith("บัตรคนพิการ") for line in worker)
    assert any("หางาน" in line for line in worker) and any("เงินกู้" in line for line in worker)
    assert not any("เรียนฟรี" in line for line in worker)


# --- the actions, with a real tracker and the app database -----------------------------------

@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for key, value in {"VAR_DIR": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "k"}.items():
        monkeypatch.setenv(key, value)
    base.settings.cache_clear()
    upgrade(url)
    yield session_factory(url)
    base.settings.cache_clear()


class Talk:
    """One user's conversation with the access actions: slots carried between turns."""

    def __init__(self, sender: str = "web:access-test") -> None:
        self.sender, self.slots = sender, {}

    def run(self, action, text="", intent="access_rights_check", entities=None) -> list[Answer]:
        message_text = text or ("/" + intent)
        tracker = Tracker(self.sender, dict(self.slots), {
            "text": message_text, "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]},
            [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return [Answer.from_dict(m["custom"][KEY]) for m in dispatcher.messages]

    def choose(self, value: str) -> list[Answer]:
        return self.run(actions.ActionAccessRightsCheck(), entities={"access_answer": value})


def test_guided_flow_by_choices_then_kept_only_with_consent_then_deleted(app_db):
    talk = Talk()
    first = talk.run(actions.ActionAccessRightsCheck(), "สิทธิ์อะไรที่ฉันได้บ้าง")
    assert "ไม่ถูกบันทึก" in first[0].text and "บัตรประจำตัวคนพิการ" in first[-1].text
    assert talk.choose("card_no")[-1].text.startswith("อายุเท่าไร")
    assert "เรียนหนังสือ" in talk.choose("age_adult")[-1].text
    done = talk.choose("role_seeking")
    assert done[0].text.startswith("สิทธิที่เหมาะกับคุณ:") and "หางาน" in done[0].text
    assert "จำคำตอบ" in done[-1].text
    with app_db() as session:
        assert session.get(AccessProfile, talk.sender) is None  # nothing kept before consent
    assert "จำคำตอบไว้แล้ว" in talk.choose("save")[0].text
    with app_db() as session:
        assert session.get(AccessProfile, talk.sender).answers["role"] == "seeking"
    again = Talk(talk.sender).run(actions.ActionAccessRightsCheck(), "ฉันได้สิทธิอะไรบ้าง")
    assert again[0].text.startswith("สิทธิที่เหมาะกับคุณ:") and "ตอบใหม่" in again[-1].text
    gone = talk.run(actions.ActionAccessForget(), "ลบข้อมูลของฉัน", intent="access_forget")
    assert "ลบคำตอบ" in gone[0].text
    with app_db() as session:
        assert session.get(AccessProfile, talk.sender) is None
    nothing = talk.run(actions.ActionAccessForget(), "ลบข้อมูลของฉัน", intent="access_forget")
    assert "ไม่มีคำตอบ" in nothing[0].text


def test_guided_flow_by_typed_words_and_declining_keeps_nothing(app_db):
    talk = Talk("web:access-typed")
    talk.run(actions.ActionAccessRightsCheck(), "เช็กสิทธิคนพิการ")
    talk.run(actions.ActionAccessRightsCheck(), "มีแล้วค่ะ", intent="nlu_fallback")
    asked_province = talk.run(actions.ActionAccessRightsCheck(), "อายุ 12 ปี",
                              intent="nlu_fallback")
    assert "จังหวัด" in asked_province[-1].text
    done = talk.run(actions.ActionAccessRightsCheck(), "อยู่ขอนแก่นค่ะ", intent="nlu_fallback")
    assert "โรงเรียนสอนคนตาบอดขอนแก่น" in done[0].text
    assert "ไม่ได้บันทึก" in talk.choose("no_save")[0].text
    with app_db() as session:
        assert session.get(AccessProfile, talk.sender) is None


def test_a_reply_in_the_flow_classified_as_another_access_topic_stays_in_the_flow(app_db):
    talk = Talk("web:access-card")
    talk.run(actions.ActionAccessRightsCheck(), "สิทธิ์อะไรที่ฉันได้บ้าง")
    reply = talk.run(actions.ActionAccessTopic(), "มีบัตรคนพิการแล้ว", intent="access_card")
    assert reply[-1].text.startswith("อายุเท่าไร")


def test_employer_action_asks_for_the_number_then_reads_it(app_db):
    talk = Talk("web:access-employer")
    asked = talk.run(actions.ActionAccessEmployer(), "ต้องจ้างคนพิการกี่คน",
                     intent="access_employer")
    assert "บอกจำนวนพนักงาน" in asked[0].text and talk.slots["expecting"] == "access_employees"
    counted = talk.run(actions.ActionAccessMenu(), "151 คน", intent="access_services")
    assert "ต้องจ้างคนพิการ 2 คน" in counted[0].text

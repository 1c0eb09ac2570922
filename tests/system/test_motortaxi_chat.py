"""Motortaxi conversations through the web chat against the real engine, actions and app."""

from __future__ import annotations

import io
import json
import re

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from bot.app import uploads
from bot.kernel import notify
from bot.kernel.db import session_factory
from skills.motortaxi import codes, demo, service, vest
from skills.motortaxi.models import Complaint, Rider
from tests.system.conftest import texts


@pytest.fixture(scope="module")
def db(stack):
    factory = session_factory(stack.env["DATABASE_URL"])
    with factory.begin() as session:
        demo.seed_demo(session)  # the web app seeded these at start; this is a no-op then
    return factory


def _rider(db, status: str = "active") -> Rider:
    with db.begin() as session:
        return session.scalars(select(Rider).where(Rider.status == status)
                               .order_by(Rider.id)).first()


def test_the_web_app_seeded_labelled_synthetic_demo_riders(db):
    with db.begin() as session:
        riders = list(session.scalars(select(Rider)))
    assert len(riders) >= 50 and all(r.source == demo.SOURCE for r in riders)


def test_typed_code_gets_the_rider_and_a_typo_gets_a_warning(chat, db):
    rider = _rider(db)
    code = codes.format_code(rider.code)
    reply = texts(chat.say(f"ตรวจสอบวินรหัส {code} ให้หน่อย"))
    assert code in reply and rider.first_name in reply
    assert service.mask_surname(rider.last_name) in reply and rider.last_name not in reply
    assert "ใช้งานได้" in reply and "ข้อมูลตัวอย่างสมมติ" in reply
    # one digit wrong: detected, never matched to someone else
    typo = rider.code[:3] + str((int(rider.code[3]) + 1) % 10) + rider.code[4:]
    reply = texts(chat.say(codes.format_code(typo)))
    assert "ไม่ถูกต้อง" in reply and "1584" in reply and rider.first_name not in reply


def test_suspended_rider_gets_a_warning(chat, db):
    rider = _rider(db, "suspended")
    reply = texts(chat.say(f"เช็ครหัสเสื้อวิน {rider.code}"))
    assert "คำเตือน" in reply and "พักใช้" in reply and "1584" in reply


def test_menu_choice_asks_for_the_code(chat):
    chat.say("สวัสดีครับ")
    reply = texts(chat.say("3"))
    assert "รหัสผู้ขับ" in reply and "1584" in reply


def test_complaint_gets_a_case_number_the_legal_fare_and_a_status(chat, db):
    rider = _rider(db)
    reply = texts(chat.say(f"ร้องเรียนวินรหัส {codes.format_code(rider.code)} "
                           "เก็บ 100 บาท ไป 4 กิโล แพงมาก"))
    assert "ที่ไหน" in reply and not re.search(r"MT-\d{6}", reply)  # only the missing place
    assert "เมื่อไร" in texts(chat.say("หน้าเซ็นทรัลลาดพร้าว"))
    reply = texts(chat.say("เมื่อวานสองทุ่ม"))
    assert "ตรวจสอบก่อนส่ง" in reply and "หน้าเซ็นทรัลลาดพร้าว" in reply and "20.00" in reply
    reply = texts(chat.say("1"))
    number = re.search(r"MT-\d{6}", reply).group()
    assert "เก็บค่าโดยสารเกินอัตรา" in reply and "35 บาท" in reply and "65 บาท" in reply
    with db.begin() as session:
        case = session.get(Complaint, service.case_id(number))
        assert case.rider_id == rider.id and case.sender_id == f"web:{chat.sender}"
        assert case.place == "หน้าเซ็นทรัลลาดพร้าว" and "20.00" in case.occurred_at

    reply = texts(chat.say("เรื่องร้องเรียนวินไปถึงไหนแล้ว"))
    assert number in reply and "รับเรื่องแล้ว" in reply

    # staff change the status (what the staff API does): the citizen is notified
    with db.begin() as session:
        service.set_case_status(session, number, "investigating", "นัดผู้ขับมาชี้แจง")
    with db.begin() as session:
        notes = notify.pending(session, f"web:{chat.sender}")
    assert any(number in n.text and "กำลังตรวจสอบ" in n.text for n in notes)
    reply = texts(chat.say(f"สถานะเรื่อง {number}"))
    assert number in reply and "กำลังตรวจสอบ" in reply


def test_fare_for_a_distance(chat):
    reply = texts(chat.say("นั่งวิน 7 กิโล ราคาเท่าไหร่"))
    assert "60 บาท" in reply


def test_shared_trip_link_opens_the_trip_page(chat, db, stack):
    rider = _rider(db)
    reply = texts(chat.say(f"แชร์ทริป {codes.format_code(rider.code)} จากปากซอย 11"))
    url = re.search(r"https?://\S+/motortaxi/trip/[\w-]+", reply).group()
    path = url.split("/motortaxi/")[1]
    page = requests.get(f"http://127.0.0.1:{stack.app_port}/motortaxi/{path}", timeout=10)
    assert page.status_code == 200 and "ปากซอย 11" in page.text and rider.plate in page.text


def test_the_vest_qr_page_is_served_by_the_product(db, stack):
    rider = _rider(db)
    base = f"http://127.0.0.1:{stack.app_port}"
    page = requests.get(f"{base}/motortaxi/v/{rider.qr_token}", timeout=10)
    assert page.status_code == 200 and rider.first_name in page.text
    forged = requests.get(f"{base}/motortaxi/v/{rider.qr_token[:-2]}xx", timeout=10)
    assert forged.status_code == 404 and "1584" in forged.text


def test_complaint_about_the_verified_rider_with_the_place_shared(chat, db):
    rider = _rider(db)
    chat.say(f"ตรวจสอบวินรหัส {codes.format_code(rider.code)}")
    reply = texts(chat.say("1"))  # 1. complain about this rider: the code is not asked again
    assert "ที่ไหน" in reply and "รหัสอะไร" not in reply
    chat.say("ปากซอยพหลโยธิน 24")
    chat.say("เมื่อกี้")
    reply = texts(chat.say("ขับประมาท หวาดเสียวตลอดทาง"))
    assert "ตรวจสอบก่อนส่ง" in reply and codes.format_code(rider.code) in reply
    reply = texts(chat.say("1"))
    number = re.search(r"MT-\d{6}", reply).group()
    assert "ขับขี่อันตราย" in reply
    reply = texts(chat.share_location(13.7563, 100.5018))
    assert number in reply and "13.75630" in reply
    with db.begin() as session:
        case = session.get(Complaint, service.case_id(number))
        assert case.rider_id == rider.id and case.category == "dangerous_driving"
        assert (case.latitude, case.longitude) == (13.7563, 100.5018)


def test_a_photo_of_the_vest_qr_is_decoded_and_verified(db, stack):
    """What a LINE or Messenger gateway sends for a photo: the image kept, its reference given."""
    rider = _rider(db)
    url = service.verify_url(stack.env.get("PUBLIC_BASE_URL") or
                             f"http://127.0.0.1:{stack.app_port}", rider)
    sheet = Image.open(io.BytesIO(vest.png_sheet(url, rider.code))).convert("RGB")
    photo = Image.new("RGB", (1200, 1400), (90, 90, 90))
    photo.paste(sheet.resize((500, 660)).rotate(5, expand=True, fillcolor=(90, 90, 90)), (300, 300))
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=85)
    ref = uploads.save(stack.env["DATABASE_URL"], buf.getvalue(), "image/jpeg")

    engine = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    auth = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}
    sender = "line:U" + rider.qr_token.replace("-", "0").replace("_", "1")[:16]

    def say(message: str) -> str:  # as the gateway sends it: a picture is its own payload
        replies = requests.post(engine, json={"sender": sender, "message": message,
                                              "metadata": {"choice": message.startswith("/")}},
                                headers=auth, timeout=30).json()
        return "\n".join(r.get("text") or ((r.get("custom") or {}).get("answer") or {})
                         .get("text", "") for r in replies)  # a typed answer's text too

    assert "รูปถ่ายคิวอาร์โค้ด" in say("ตรวจสอบวินมอไซค์ให้หน่อย")
    reply = say("/share_image" + json.dumps({"image_ref": ref}))
    assert codes.format_code(rider.code) in reply and rider.first_name in reply


# --- issue 11: the complaint record, corrected codes, the right service ---------------------

def _typo(code: str) -> str:
    """The code with its fourth digit changed: the check digit catches it."""
    return code[:3] + str((int(code[3]) + 1) % 10) + code[4:]


def test_complaint_asks_only_what_is_missing_for_an_unknown_rider_and_reads_it_back(chat, db):
    reply = texts(chat.say("อยากร้องเรียนวินมอไซค์ครับ"))
    assert "รหัสอะไร" in reply and "ไม่ทราบ" in reply
    reply = texts(chat.say("ไม่ทราบ"))
    assert "ทะเบียนรถ" in reply  # then the plate or the stand, if known
    reply = texts(chat.say("ทะเบียน 2กท 5561"))
    assert "ที่ไหน" in reply
    reply = texts(chat.say("ปากซอยรามคำแหง 53"))
    assert "เมื่อไร" in reply
    reply = texts(chat.say("เมื่อวานซืนตอนบ่ายโมง"))
    assert "เกิดอะไรขึ้น" in reply
    messages = chat.say("พูดจาไม่สุภาพ ตะคอกใส่ยายผม")
    readback = texts(messages)
    assert readback.startswith("ตรวจสอบก่อนส่ง")
    for detail in ("ไม่ทราบรหัสผู้ขับ", "ทะเบียน 2กท 5561", "ปากซอยรามคำแหง 53", "13.00",
                   "ตะคอกใส่ยายผม"):
        assert detail in readback, detail
    assert [b["title"] for b in messages[-1]["buttons"]] == ["ส่งเลย", "แก้ไข"]
    assert "MT-" not in readback  # nothing is filed before the citizen confirms
    reply = texts(chat.say("1"))
    number = re.search(r"MT-\d{6}", reply).group()
    assert "คุกคามหรือพูดจาไม่สุภาพ" in reply
    with db.begin() as session:
        case = session.get(Complaint, service.case_id(number))
        assert (case.rider_id, case.rider_code, case.rider_hint) == (None, "", "ทะเบียน 2กท 5561")
        assert case.place == "ปากซอยรามคำแหง 53" and "13.00" in case.occurred_at
        assert case.occurred_on is not None and "ตะคอกใส่ยายผม" in case.description


def test_a_complete_complaint_in_one_message_goes_straight_to_the_read_back(chat, db):
    rider = _rider(db)
    code = codes.format_code(rider.code)
    reply = texts(chat.say(f"วินรหัส {code} ที่หน้าตลาดบางกะปิ เมื่อวานตอนหกโมงเย็น "
                           "เก็บเงินเกิน 40 บาท"))
    assert reply.startswith("ตรวจสอบก่อนส่ง")
    for detail in (code, "หน้าตลาดบางกะปิ", "เมื่อวาน", "18.00", "เก็บเงินเกิน 40 บาท"):
        assert detail in reply, detail
    # a correction changes only what it names
    assert "แก้" in texts(chat.say("2"))
    reply = texts(chat.say("เมื่อวานสองทุ่ม"))
    assert "20.00" in reply and "18.00" not in reply
    assert "หน้าตลาดบางกะปิ" in reply and code in reply and "เก็บเงินเกิน 40 บาท" in reply
    reply = texts(chat.say("ส่งเลย"))
    number = re.search(r"MT-\d{6}", reply).group()
    with db.begin() as session:
        case = session.get(Complaint, service.case_id(number))
        assert case.rider_id == rider.id and case.category == "overcharge"
        assert case.place == "หน้าตลาดบางกะปิ" and "20.00" in case.occurred_at


def test_a_side_question_inside_the_complaint_is_answered_and_the_complaint_resumes(chat):
    chat.say("ร้องเรียนวินค่ะ")
    chat.say("จำไม่ได้ค่ะ")
    chat.say("ไม่ทราบ")
    assert "เมื่อไร" in texts(chat.say("หน้าโรงพยาบาลราชวิถี"))
    reply = texts(chat.say("ค่าวิน 3 กิโลได้เท่าไหร่คะ"))
    assert "30 บาท" in reply and "เมื่อไร" in reply  # answered, then the open question again
    assert "เกิดอะไรขึ้น" in texts(chat.say("เมื่อกี้"))
    reply = texts(chat.say("ไม่ยอมทอนเงินให้ค่ะ"))
    assert "ตรวจสอบก่อนส่ง" in reply and "หน้าโรงพยาบาลราชวิถี" in reply


def test_a_corrected_code_gets_the_riders_status_not_a_trip_link(chat, db):
    rider = _rider(db)
    reply = texts(chat.say(f"ตรวจสอบวินรหัส {codes.format_code(_typo(rider.code))}"))
    assert "ไม่ถูกต้อง" in reply and "1584" in reply
    for retry in (f"ขอโทษ รหัส {codes.format_code(rider.code)} ครับ", f"พิมพ์ผิด {rider.code}"):
        reply = texts(chat.say(retry))
        assert rider.first_name in reply and "ใช้งานได้" in reply, retry
        assert "/motortaxi/trip/" not in reply, retry


def test_a_corrected_code_of_a_suspended_rider_warns(chat, db):
    rider = _rider(db, "suspended")
    chat.say(f"เช็ควิน {codes.format_code(_typo(rider.code))}")
    reply = texts(chat.say(f"ขอโทษค่ะ ที่ถูกคือ {rider.code[:4]} {rider.code[4:]}"))
    assert "คำเตือน" in reply and "พักใช้" in reply and "/motortaxi/trip/" not in reply


def test_a_code_right_after_the_bot_asked_for_it_is_read_as_the_code(chat, db):
    rider = _rider(db)
    assert "รหัสผู้ขับ 8 หลัก" in texts(chat.say("ตรวจสอบวิน"))
    thai = rider.code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    reply = texts(chat.say(f"{thai[:4]} {thai[4:]}"))
    assert codes.format_code(rider.code) in reply and rider.first_name in reply


def test_a_scam_transfer_does_not_get_motorcycle_fares(chat):
    reply = texts(chat.say("โอนเงินให้คนขายของออนไลน์แล้วโดนบล็อก"))
    assert "ค่าโดยสาร" not in reply and "25 บาท" not in reply
    assert "1441" in reply


def test_a_threat_during_the_ride_reaches_the_emergency_answer_even_inside_a_complaint(chat):
    chat.say("ร้องเรียนวิน")
    messages = chat.say("ตอนนี้วินพาออกนอกเส้นทาง ไม่ยอมจอดให้ลง ช่วยด้วย")
    assert "191" in messages[0]["text"]

"""Motortaxi conversations through the web chat against the real engine, actions and app."""

from __future__ import annotations

import io
import json
import re

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from bot import notify, uploads
from bot.db import session_factory
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
    number = re.search(r"MT-\d{6}", reply).group()
    assert "เก็บค่าโดยสารเกินอัตรา" in reply and "35 บาท" in reply and "65 บาท" in reply
    with db.begin() as session:
        case = session.get(Complaint, service.case_id(number))
        assert case.rider_id == rider.id and case.sender_id == f"web:{chat.sender}"

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


def test_unclear_complaint_asks_the_category_and_a_number_picks_it(chat):
    messages = chat.say("อยากร้องเรียนคนขับวินแถวบ้าน")
    menu = next(m for m in messages if m["buttons"])
    assert "1. " in menu["text"] and len(menu["buttons"]) == 6
    reply = texts(chat.say("3"))  # harassment
    assert re.search(r"MT-\d{6}", reply) and "คุกคาม" in reply


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
    categories = next(m for m in chat.say("1") if m["buttons"])  # 1. complain about this rider
    assert len(categories["buttons"]) == 6
    reply = texts(chat.say("2"))  # dangerous driving
    number = re.search(r"MT-\d{6}", reply).group()
    assert "ขับขี่อันตราย" in reply and codes.format_code(rider.code) in reply
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
    ref = uploads.save(stack.var_dir, buf.getvalue(), "image/jpeg")

    engine = f"http://127.0.0.1:{stack.engine_port}/webhooks/rest/webhook"
    auth = {"Authorization": f"Bearer {stack.env['ENGINE_TOKEN']}"}
    sender = "line:U" + rider.qr_token.replace("-", "0").replace("_", "1")[:16]

    def say(message: str) -> str:  # as the gateway sends it: a picture is its own payload
        replies = requests.post(engine, json={"sender": sender, "message": message,
                                              "metadata": {"choice": message.startswith("/")}},
                                headers=auth, timeout=30).json()
        return "\n".join(r.get("text", "") for r in replies)

    assert "รูปถ่ายคิวอาร์โค้ด" in say("ตรวจสอบวินมอไซค์ให้หน่อย")
    reply = say("/share_image" + json.dumps({"image_ref": ref}))
    assert codes.format_code(rider.code) in reply and rider.first_name in reply

"""Trips, position retention, and a chat photo of a vest QR decoded by the real decoder."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from PIL import Image, ImageFilter
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from bot.kernel.db import session_factory, upgrade
from skills.motortaxi import codes, demo, service, vest
from skills.motortaxi.models import Position, Rider
from tests.app.conftest import ROOT

BASE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'app.db'}"
    upgrade(url)
    f = session_factory(url)
    with f.begin() as session:
        demo.seed_demo(session, 12)
    return f


def _rider(factory, status="active") -> Rider:
    with factory.begin() as session:
        return session.scalars(select(Rider).where(Rider.status == status)).first()


def test_demo_riders_are_synthetic_and_the_codes_in_the_readme_are_theirs(factory):
    with factory.begin() as session:
        riders = {r.code: r for r in session.scalars(select(Rider))}
    assert all(r.synthetic for r in riders.values())
    readme = (ROOT / "skills/motortaxi/README.md").read_text(encoding="utf-8")
    for code, status in (("29985002", "active"), ("63600605", "active"),
                         ("92360094", "suspended"), ("50254257", "expired")):
        assert riders[code].status == status and codes.format_code(code) in readme


def test_a_lapsed_licence_shows_expired_even_if_the_registry_says_active(factory):
    from datetime import date

    with factory.begin() as session:
        rider = session.scalars(select(Rider).where(Rider.status == "active")).first()
        rider.licence_expiry = date(2020, 1, 1)
        view = service.rider_view(session, rider)
        session.rollback()
    assert view["status"] == "expired" and not view["ok"] and "หมดอายุ" in view["status_words"]


@pytest.mark.parametrize("text, category", [
    ("วินเก็บ 100 บาท ไป 2 กิโล แพงมาก", "overcharge"),
    ("วินรหัส 2998-5002 คิดเงิน 80 บาท", "overcharge"),
    ("วินด่าผมเพราะไม่ยอมจ่าย 50 บาท", "harassment"),
    ("ขับเร็วมาก ฝ่าไฟแดง", "dangerous_driving"),
    ("บอกว่าใกล้ไป ไม่ไป", "refused_ride"),
    ("คนขับไม่ใส่เสื้อวิน", "no_vest"),
    ("อยากร้องเรียนคนขับวินแถวบ้าน", None),
])
def test_complaint_category_from_the_words_used(text, category):
    assert service.guess_category(text) == category


def test_complaint_reads_distance_paid_and_time_and_gives_the_legal_fare(factory):
    with factory.begin() as session:
        case = service.file_complaint(session, "web:abcdefgh", "overcharge",
                                      "เมื่อ 18.30 น. วินเก็บ 1,000 บาท ไป ๗ กม.", "",
                                      request_key="web:abcdefgh:m1")
        again = service.file_complaint(session, "web:abcdefgh", "overcharge", "ซ้ำ", "",
                                       request_key="web:abcdefgh:m1")
    assert (case.distance_km, case.paid_baht, case.legal_fare_baht) == (7.0, 1000, 60)
    assert case.occurred_at == "18.30 น." and again.id == case.id  # a retried turn files once


def test_shared_trip_shows_the_last_position_and_expires(factory):
    rider = _rider(factory)
    start = datetime.now(timezone.utc) - timedelta(minutes=10)
    with factory.begin() as session:
        trip = service.share_trip(session, "web:abcdefgh", session.get(Rider, rider.id),
                                  "ปากซอย 11", now=start)
        token = trip.token
        stored, problems = service.record_positions(session, [
            {"code": rider.code, "latitude": 13.70, "longitude": 100.50,
             "recorded_at": (start - timedelta(minutes=5)).isoformat()},  # before the trip
            {"code": rider.code, "latitude": 13.74, "longitude": 100.55,
             "recorded_at": (start + timedelta(minutes=5)).isoformat()},
        ])
    assert (stored, problems) == (2, [])
    with factory.begin() as session:
        trip = service.trip_by_token(session, token)
        pos = service.last_position(session, trip.rider_id, trip.started_at)
        assert (pos.latitude, pos.longitude) == (13.74, 100.55)
        later = start + timedelta(hours=service.TRIP_HOURS, minutes=1)
        assert service.trip_by_token(session, token, now=later) is None
        assert service.trip_by_token(session, token[:-1] + "x") is None


def test_positions_older_than_the_retention_are_purged(factory):
    rider = _rider(factory)
    now = datetime.now(timezone.utc)
    with factory.begin() as session:
        service.record_positions(session, [
            {"code": rider.code, "latitude": 14.0, "longitude": 100.6,
             "recorded_at": (now - timedelta(hours=h)).isoformat()} for h in (1, 20, 23)])
    with factory.begin() as session:
        before = session.scalar(select(func.count(Position.id)))
        # two hours later, what is then more than 24 hours old (the 23-hour one) goes
        gone = service.purge_positions(session, 24, now=now + timedelta(hours=2))
        after = session.scalar(select(func.count(Position.id)))
    assert gone == 1 and after == before - 1
    with factory.begin() as session:
        oldest = session.scalar(select(func.min(Position.recorded_at)))
    assert oldest.replace(tzinfo=timezone.utc) >= now - timedelta(hours=22)
    # and positions too old to keep are refused on arrival
    with factory.begin() as session:
        stored, problems = service.record_positions(session, [
            {"code": rider.code, "latitude": 14.0, "longitude": 100.6,
             "recorded_at": (now - timedelta(hours=30)).isoformat()}])
    assert stored == 0 and problems[0]["index"] == 0


def _photo_of(png: bytes) -> bytes:
    """The sheet as a phone photo: smaller, slightly rotated and blurred, on a grey table, JPEG."""
    sheet = Image.open(io.BytesIO(png)).convert("RGB").resize((420, 560))
    sheet = sheet.rotate(7, expand=True, fillcolor=(120, 120, 120))
    photo = Image.new("RGB", (1000, 900), (120, 120, 120))
    photo.paste(sheet, (250, 120))
    photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _domain() -> dict:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    skill = yaml.safe_load((ROOT / "nlu_data/motortaxi/domain.yml").read_text(encoding="utf-8"))
    domain["responses"].update(skill["responses"])
    return domain


def _run_action(monkeypatch, tmp_path, factory, action, message: dict, events=()):
    """Run one real action against the test database, as the action server would."""
    from actions import base

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", str(factory.kw["bind"].url))
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    base.settings.cache_clear()
    tracker = Tracker("web:action-user", {}, message, list(events), False, None, {}, "")
    dispatcher = CollectingDispatcher()
    try:
        result = asyncio.run(action.run(dispatcher, tracker, _domain()))
    finally:
        base.settings.cache_clear()
    return dispatcher.messages, result


def _run_photo_action(monkeypatch, tmp_path, factory, photo: bytes):
    pytest.importorskip("bot.app.uploads")
    from actions.motortaxi import ActionMotortaxiScanPhoto
    from bot.app import uploads

    ref = uploads.save(str(factory.kw["bind"].url), photo, "image/jpeg")
    return _run_action(monkeypatch, tmp_path, factory, ActionMotortaxiScanPhoto(), {
        "intent": {"name": "share_image"}, "entities": [{"entity": "image_ref", "value": ref}],
        "text": ""})


def test_a_complaint_with_a_mistyped_code_warns_and_asks_it_again(monkeypatch, tmp_path,
                                                                  factory):
    from actions.motortaxi import ActionMotortaxiComplain

    rider = _rider(factory)
    typo = rider.code[:-2] + rider.code[-1] + rider.code[-2]  # last two digits swapped
    if typo == rider.code:
        typo = rider.code[:-1] + str((int(rider.code[-1]) + 1) % 10)
    text = f"ร้องเรียนวินรหัส {typo} ขับเร็วมาก"
    message = {"intent": {"name": "motortaxi_complain"}, "entities": [], "text": text,
               "message_id": "m-typo"}
    user = {"event": "user", "text": text, "parse_data": message}
    messages, events = _run_action(monkeypatch, tmp_path, factory, ActionMotortaxiComplain(),
                                   message, [user])
    responses = [m["response"] for m in messages]
    assert responses == ["utter_motortaxi_code_typo", "utter_motortaxi_ask_rider_again"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["expecting"] == "motortaxi_complaint_rider"
    assert json.loads(slots["motortaxi_complaint"])["story"] == "ขับเร็วมาก"  # kept for the retry


def test_a_photo_of_the_vest_qr_verifies_the_rider(monkeypatch, tmp_path, factory):
    rider = _rider(factory)
    photo = _photo_of(vest.png_sheet(service.verify_url(BASE, rider), rider.code))
    assert vest.decode_qr(photo) == [service.verify_url(BASE, rider)]  # the real decoder
    messages, events = _run_photo_action(monkeypatch, tmp_path, factory, photo)
    answer = messages[0]["custom"]["answer"]  # the verification, as text and as a card
    assert codes.format_code(rider.code) in answer["text"]
    assert answer["card"]["tone"] == "ok" and rider.plate in answer["card"]["fields"][0][1]
    assert {"event": "slot", "name": "motortaxi_rider_code", "value": rider.code,
            "timestamp": None} in events


def test_asking_for_the_vest_code_offers_the_camera(monkeypatch, tmp_path, factory):
    from actions.motortaxi import ActionMotortaxiVerify
    from tests.app.said import answers

    messages, _ = _run_action(monkeypatch, tmp_path, factory, ActionMotortaxiVerify(), {
        "intent": {"name": "motortaxi_verify"}, "entities": [], "text": "ตรวจวินหน่อย"})
    [asked] = answers(messages)
    assert asked.ask_photo and "คิวอาร์โค้ด" in asked.text  # LINE adds its camera button


def test_a_photo_of_a_forged_qr_gets_the_warning(monkeypatch, tmp_path, factory):
    rider = _rider(factory)
    forged = f"{BASE}/motortaxi/v/{rider.qr_token[:-3]}abc"
    photo = _photo_of(vest.png_sheet(forged, rider.code))
    messages, _ = _run_photo_action(monkeypatch, tmp_path, factory, photo)
    assert [m["response"] for m in messages] == ["utter_motortaxi_qr_forged"]


def test_a_complaint_with_only_a_category_cannot_be_filed(factory):
    with factory.begin() as session:
        with pytest.raises(ValueError):
            service.file_complaint(session, "web:onlycat1", "overcharge", "  ")
    with factory.begin() as session:
        case = service.file_complaint(session, "web:record01", "overcharge", "เก็บ 80 บาท ไป 2 กิโล",
                                      place="หน้าตลาด", occurred_at="เมื่อวาน 18.00 น.",
                                      rider_hint="ทะเบียน 1กข 234")
        assert (case.place, case.occurred_at, case.rider_hint) == (
            "หน้าตลาด", "เมื่อวาน 18.00 น.", "ทะเบียน 1กข 234")
        assert (case.paid_baht, case.legal_fare_baht) == (80, 25)

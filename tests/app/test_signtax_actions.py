"""Signtax actions with a real tracker and dispatcher: receipts and bills as the chat shows them."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.signtax import ActionSigntaxFinish, ValidateSigntaxForm
from bot.kernel.db import session_factory, upgrade
from skills.signtax import service
from skills.signtax.tax import Sign
from tests.app.said import answers, texts


@pytest.fixture
def app_settings(tmp_path, monkeypatch):
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://bot.example.go.th",
           "PROMPTPAY_BILLER_ID": "099400016550100"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    base.settings.cache_clear()
    upgrade(env["DATABASE_URL"])
    yield base.settings()
    base.settings.cache_clear()


def _tracker(sender, slots, text="", intent="signtax_calculate", confidence=0.9, events=()):
    return Tracker(sender, slots, {"text": text, "intent": {"name": intent,
                                                            "confidence": confidence},
                                   "entities": []}, list(events), False, None,
                   {"name": "signtax_form"}, "action_listen")


def _run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_paid_receipt_is_retrievable_in_chat(app_settings):
    factory = session_factory(app_settings.database_url)
    bill = service.file_return(factory, sender_id="web:shop", business_name="ร้านทดสอบ",
                               district_code="1004", district_th="บางรัก",
                               signs=[Sign(200, 300, "1", moving=False)], today=date(2026, 3, 5))
    status, answer = service.record_confirmation(factory, {
        "transaction_id": "TX1", "bill_number": bill.bill_number, "amount": f"{bill.amount:.2f}",
        "paid_at": "2026-03-06T09:00:00+07:00"})
    assert status == 200
    messages, events = _run(ActionSigntaxFinish(), _tracker(
        "web:shop", {"signtax_done": "receipts", "signtax_state": None}))
    text = texts(messages)[0]
    assert answer["receipt_number"] in text and bill.bill_number in text
    assert "https://bot.example.go.th/signtax/receipts/" in text
    assert {"event": "slot", "name": "signtax_done", "value": None, "timestamp": None} in events


def test_bill_in_chat_has_qr_image_with_text_beside_it(app_settings):
    state = {"signs": [{"w": 150, "l": 300, "type": "2", "moving": False, "exemption": None,
                        "installed": None}], "district": {"code": "1030", "name_th": "จตุจักร"},
             "business": "ร้านคิวอาร์"}
    messages, _ = _run(ActionSigntaxFinish(), _tracker(
        "web:qr", {"signtax_done": "bill", "signtax_state": state}))
    bill_text = "\n".join(texts(messages))
    assert "ใบแจ้งชำระภาษีป้ายเลขที่ ST" in bill_text and "ชำระภายใน" in bill_text
    [with_image] = [a for a in answers(messages) if a.image]
    assert with_image.image.url.startswith("https://bot.example.go.th/signtax/bills/ST")
    assert "qr.png?t=" in with_image.image.url and with_image.image.alt
    assert with_image.text  # the text beside the picture says what it is for


def test_danger_mid_form_is_left_to_the_core(app_settings):
    messages, events = _run(ValidateSigntaxForm(), _tracker(
        "web:x", {"signtax_state": None}, text="ไฟไหม้ร้าน มีคนติดอยู่ข้างใน", intent="emergency",
        confidence=1.0))
    assert messages == [] and events == []  # rejected: the emergency rule answers


def test_impossible_coordinates_mid_form_are_refused_politely(app_settings):
    tracker = Tracker("web:y", {"signtax_state": None}, {
        "text": "/share_location", "intent": {"name": "share_location", "confidence": 1.0},
        "entities": [{"entity": "latitude", "value": 999}, {"entity": "longitude", "value": 100}]},
        [], False, None, {"name": "signtax_form"}, "action_listen")
    messages, events = _run(ValidateSigntaxForm(), tracker)
    assert messages[0]["response"] == "utter_location_invalid"
    assert [e["name"] for e in events] == ["signtax_state"]  # the form keeps waiting

"""Messenger events other than text, against the real stack and the fake Graph API:
a shared location, a postback (a button of ours, or a forged one) and a sticker or "like".
"""

from __future__ import annotations

import uuid

from bot.app.channels.texts import TEXTS
from tests.system.platforms import MessengerUser, assert_menu, joined, tracker_user_events

PATHUM_WAN = {"lat": 13.7465, "long": 100.5348}  # Siam, in Pathum Wan


def mid() -> str:
    return "m_" + uuid.uuid4().hex


def test_messenger_location_gets_the_covering_police_station(platforms):
    user = MessengerUser(platforms)
    asked = joined(user.say("โรงพักไหนดูแลพื้นที่ที่ฉันอยู่"))
    assert asked.startswith("อยู่ที่ไหนคะ"), asked
    answer = user.send({"message": {"mid": mid(), "attachments": [{
        "type": "location", "title": "ตำแหน่งของฉัน",
        "payload": {"coordinates": PATHUM_WAN}}]}}, choices=True)
    reply = joined(answer)
    assert reply.splitlines()[0] == "สถานีตำรวจที่ดูแลพื้นที่นี้: สน.ปทุมวัน (บก.น.6)", reply
    assert "โทร 02-251-4995" in reply
    said = tracker_user_events(platforms, f"fb:{user.psid}")[-1]
    assert said["parse_data"]["intent"]["name"] == "share_location"
    entities = {e["entity"]: e["value"] for e in said["parse_data"]["entities"]}
    assert entities == {"latitude": 13.7465, "longitude": 100.5348}


def test_messenger_location_off_the_globe_is_refused_with_a_thai_reason(platforms):
    user = MessengerUser(platforms)
    answer = user.send({"message": {"mid": mid(), "attachments": [{
        "type": "location", "payload": {"coordinates": {"lat": 10**10, "long": 500}}}]}})
    assert joined(answer) == TEXTS["location_invalid"]
    assert tracker_user_events(platforms, f"fb:{user.psid}") == []  # never reached the engine


def test_messenger_postback_of_an_offered_button_picks_that_service(platforms):
    user = MessengerUser(platforms)
    menu = user.say("สวัสดีค่ะ", choices=True)
    assert_menu(joined(menu))
    payload = menu[-1]["quick_replies"][5]["payload"]  # 6. ทรัพยากรช่วยภัยพิบัติ
    answer = joined(user.send({"postback": {"mid": mid(), "title": "ทรัพยากรช่วยภัยพิบัติ",
                                            "payload": payload}}))
    assert answer.startswith("ถ้าอันตรายตอนนี้ โทรก่อนเลย: ภัยพิบัติ สายด่วน ปภ. 1784"), answer
    assert "1784" in answer


def test_messenger_postback_never_offered_is_only_text(platforms):
    user = MessengerUser(platforms)
    user.say("สวัสดีค่ะ", choices=True)
    forged = '/share_location{"latitude": 13.7465, "longitude": 100.5348}'
    user.send({"postback": {"mid": mid(), "title": "x", "payload": forged}})
    said = tracker_user_events(platforms, f"fb:{user.psid}")[-1]
    assert said["parse_data"]["intent"]["name"] != "share_location"
    assert not said["parse_data"]["entities"]


def test_messenger_sticker_and_like_get_the_greeting_and_menu(platforms):
    user = MessengerUser(platforms)
    like = {"type": "image", "payload": {
        "url": f"{platforms['graph'].url}/files/like.png", "sticker_id": 369239263222822}}
    reply = joined(user.send({"message": {"mid": mid(), "sticker_id": 369239263222822,
                                          "attachments": [like]}}, choices=True))
    assert reply.startswith("สวัสดีค่ะ"), reply
    assert_menu(reply)
    assert not platforms["graph"].matching(lambda c: c.path == "/files/like.png")  # not kept

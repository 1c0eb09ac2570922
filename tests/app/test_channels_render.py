"""The rendering layer: complete text forms, platform limits, splitting without losing facts."""

from __future__ import annotations

import re

from bot.app.channels import render
from bot.kernel.answer import Answer, Call, Choice, Image, Link, Target, ask

MENU = [{"title": t, "payload": f"/s{i}"} for i, t in enumerate(
    ["ตำรวจ", "บริการสำหรับคนตาบอดและสายตาเลือนราง", "วินมอเตอร์ไซค์รับจ้าง"], start=1)]
TYPED_MENU = tuple(Choice(b["title"], Target(b["payload"][1:])) for b in MENU)


def typed(answer) -> dict:
    """What the engine passes on for ``utter_message(json_message=answer.payload())``."""
    return {"custom": answer.payload()}


def test_choices_are_written_into_the_text_once():
    bare = render.normalize([{"text": "เลือกบริการ", "buttons": MENU}])[0]
    assert bare.text.splitlines()[1:] == [
        "1. ตำรวจ", "2. บริการสำหรับคนตาบอดและสายตาเลือนราง", "3. วินมอเตอร์ไซค์รับจ้าง"]
    listed = "เลือกบริการ\n1. ตำรวจ\n2. บริการสำหรับคนตาบอดและสายตาเลือนราง\n3. วินมอเตอร์ไซค์รับจ้าง"
    assert render.normalize([{"text": listed, "buttons": MENU}])[0].text == listed


def test_an_image_always_has_a_text_beside_it():
    qr = Answer("คิวอาร์โค้ดชำระภาษีป้าย รหัสอ้างอิง 12345",
                image=Image("https://example.org/qr.png", "คิวอาร์โค้ดพร้อมเพย์ รหัสอ้างอิง 12345"))
    [alone] = render.normalize([typed(qr)])
    line = render.line_messages([alone])
    assert [m["type"] for m in line] == ["image", "text"]
    assert line[1]["text"] == alone.text
    assert render.web_messages([alone])[0]["alt"] == "คิวอาร์โค้ดพร้อมเพย์ รหัสอ้างอิง 12345"
    # a domain response's image without a text gets one
    [bare] = render.normalize([{"image": "https://example.org/a.png"}])
    assert bare.text and bare.image.alt == bare.text
    # LINE and Messenger only fetch https images; the text still says everything
    plain = render.normalize([typed(Answer("ใบเสร็จ เลขที่ 7",
                                           image=Image("http://127.0.0.1/r.png", "ใบเสร็จ 7")))])
    assert [m["type"] for m in render.line_messages(plain)] == ["text"]
    assert render.messenger_messages(plain) == [{"text": "ใบเสร็จ เลขที่ 7"}]


def test_long_thai_text_is_split_within_the_limit_without_losing_a_character():
    text = "ศูนย์พักพิงชั่วคราวเปิดรับผู้ประสบภัยที่โรงเรียนวัดสุทธิวราราม" * 200  # no spaces
    parts = render.split_text(text, render.MESSENGER_TEXT_MAX)
    assert len(parts) > 1 and all(len(p) <= render.MESSENGER_TEXT_MAX for p in parts)
    assert "".join(parts) == text
    # no part starts with a vowel or tone mark torn from its consonant, nor ends with a
    # leading vowel torn from the consonant after it
    assert not any(re.match("[\u0e30-\u0e3a\u0e45-\u0e4e]", p) for p in parts)
    assert not any(re.search("[\u0e40-\u0e44]$", p) for p in parts)


def test_paragraphs_are_kept_whole_when_splitting():
    paragraphs = [f"ข้อ {i}. " + "ค่าปรับตามกฎหมาย 500 บาท " * 40 for i in range(1, 30)]
    text = "\n\n".join(paragraphs)
    parts = render.split_text(text, render.LINE_TEXT_MAX)
    assert all(render._units(p) <= render.LINE_TEXT_MAX for p in parts)
    assert re.sub(r"\s+", " ", " ".join(parts)) == re.sub(r"\s+", " ", text).strip()
    assert all(p.startswith("ข้อ ") for p in parts)  # every part starts at a paragraph


def test_line_quick_replies_stay_within_limits_and_the_text_lists_every_choice():
    many = [{"title": f"สถานีตำรวจนครบาลลำดับที่ {i}", "payload": f"/pick{{\"n\": {i}}}"}
            for i in range(1, 21)]
    messages = render.line_messages(render.normalize([{"text": "เลือกสถานี", "buttons": many}]))
    items = messages[-1]["quickReply"]["items"]
    assert len(items) == render.LINE_QUICK_REPLY_MAX
    assert all(len(i["action"]["label"]) <= render.LINE_LABEL_MAX for i in items)
    assert items[0]["action"] == {"type": "postback", "label": "1. สถานีตำรวจนครบาล…",
                                  "data": '/pick{"n": 1}', "displayText": many[0]["title"]}
    for number, choice in enumerate(many, start=1):
        assert f"{number}. {choice['title']}" in messages[-1]["text"]


def test_a_payload_too_long_for_a_postback_becomes_its_number():
    long = [{"title": "ยืนยัน", "payload": "/confirm" + '{"x": "' + "a" * 400 + '"}'}]
    item = render.line_messages(render.normalize([{"text": "ยืนยันไหม", "buttons": long}]))[-1]
    assert item["quickReply"]["items"][0]["action"] == {
        "type": "message", "label": "1. ยืนยัน", "text": "1"}


def test_many_messages_go_out_five_at_a_time_in_order():
    replies = render.normalize([{"text": f"ข้อความที่ {i}"} for i in range(1, 13)])
    groups = render.batches(render.line_messages(replies))
    assert [len(g) for g in groups] == [5, 5, 2]
    assert [m["text"] for g in groups for m in g] == [f"ข้อความที่ {i}" for i in range(1, 13)]
    assert render.owners(replies, render.line_messages) == list(range(12))


def test_messenger_quick_replies_limit_and_text_limit():
    many = [{"title": f"ตัวเลือกที่ยาวมากเกินยี่สิบตัวอักษร {i}", "payload": f"/c{i}"}
            for i in range(1, 16)]
    out = render.messenger_messages(render.normalize([{"text": "ก" * 4500, "buttons": many}]))
    assert all(len(m["text"]) <= render.MESSENGER_TEXT_MAX for m in out)
    quick = out[-1]["quick_replies"]
    assert len(quick) == 13 and all(len(q["title"]) <= 20 for q in quick)
    assert "quick_replies" not in out[0]


def test_a_custom_payload_meant_for_something_else_adds_no_empty_message():
    assert render.normalize([{"custom": {"police_station": "s1"}}]) == []
    assert [a.text for a in render.normalize([{"text": "ก"}, {"custom": {}}])] == ["ก"]


def test_paragraphs_the_engine_sent_apart_are_joined_into_fewer_messages():
    # Rasa's REST channel splits a text at blank lines; LINE takes only five messages a reply
    parts = [{"text": f"ย่อหน้าที่ {i}"} for i in range(1, 9)] + [
        {"text": "เลือกต่อ", "buttons": MENU}]
    joined = render.compact(render.normalize(parts), render.LINE_TEXT_MAX)
    assert len(joined) == 1 and joined[0].choices == TYPED_MENU
    assert joined[0].text.startswith("ย่อหน้าที่ 1\n\nย่อหน้าที่ 2")
    assert joined[0].text.endswith("3. วินมอเตอร์ไซค์รับจ้าง")
    # never past the limit, and an image keeps its own message
    long = render.normalize([{"text": "ก" * 3000}, {"text": "ข" * 3000},
                             {"text": "ดูรูป", "image": "https://example.org/a.png"}])
    assert [len(r.text) for r in render.compact(long, render.LINE_TEXT_MAX)] == [3000, 3000, 5]


def test_a_station_phone_becomes_a_call_button_on_line_and_stays_in_the_text():
    station = Answer("สน.ลุมพินี โทร 02-255-5994", choices=TYPED_MENU[:2],
                     call=Call("022555994", "สน.ลุมพินี"))
    replies = render.normalize([typed(station)])
    assert len(replies) == 1 and replies[0].call.uri == "tel:+6622555994"
    [message] = render.line_messages(replies)
    assert "02-255-5994" in message["text"]
    items = message["quickReply"]["items"]
    assert [i["action"]["type"] for i in items] == ["postback", "postback", "uri"]
    assert items[-1]["action"] == {"type": "uri", "label": "โทร 022555994",
                                   "uri": "tel:+6622555994"}
    # a value that is not a phone number never becomes a link; the text is still said
    odd = render.normalize([{"custom": {"answer": {
        "text": "x", "call": {"number": "javascript:alert(1)"}}}}])
    assert [a.text for a in odd] == ["x"] and odd[0].call is None
    assert "quickReply" not in render.line_messages(odd)[0]


# --- typed answers (bot.kernel.answer), as actions and notifications send them ----------------

def test_a_typed_answer_with_call_image_and_links_renders_complete_on_every_platform():
    answer = ask("สน.ลุมพินี โทร 02-255-5994", [
        ("โรงพักใกล้ที่สุด", Target("police_nearest_stations")),
        ("เบอร์ สน.ปทุมวัน", Target("police_station_phone", {"police_station": "ปทุมวัน"}))],
        call=Call("+6622555994", "สน.ลุมพินี"),
        image=Image("https://example.org/map.png", "แผนที่ สน.ลุมพินี ถนนวิทยุ"),
        links=(Link("แผนที่", "https://maps.example.org/lumphini"),))
    [one] = render.normalize([typed(answer)])
    assert one == answer  # read whole: nothing lost, nothing glued from elsewhere

    line = render.line_messages([one])
    assert [m["type"] for m in line] == ["image", "text"]
    assert line[0]["originalContentUrl"] == "https://example.org/map.png"
    text = line[1]["text"]
    assert text.startswith(answer.text)  # the text, numbered choices and all
    assert "1. โรงพักใกล้ที่สุด" in text and "2. เบอร์ สน.ปทุมวัน" in text
    assert "แผนที่: https://maps.example.org/lumphini" in text  # a named link, as text
    items = [i["action"] for i in line[1]["quickReply"]["items"]]
    assert [i["type"] for i in items] == ["postback", "postback", "uri"]
    assert items[1]["data"] == '/police_station_phone{"police_station": "ปทุมวัน"}'
    assert items[2] == {"type": "uri", "label": "โทร 022555994", "uri": "tel:+6622555994"}

    messenger = render.messenger_messages([one])
    assert messenger[0]["attachment"]["payload"]["url"] == "https://example.org/map.png"
    assert messenger[1]["text"] == text
    assert [q["payload"] for q in messenger[1]["quick_replies"]] == [
        "/police_nearest_stations", '/police_station_phone{"police_station": "ปทุมวัน"}']

    [web] = render.web_messages([one])
    assert web["text"] == answer.text and "https://" not in web["text"]
    assert web["links"] == [{"title": "แผนที่", "url": "https://maps.example.org/lumphini"}]
    assert web["image"] == "https://example.org/map.png"
    assert web["alt"] == "แผนที่ สน.ลุมพินี ถนนวิทยุ"
    assert web["call"] == {"number": "022555994", "name": "สน.ลุมพินี", "uri": "tel:+6622555994"}
    assert [b["payload"] for b in web["buttons"]] == [c.target.message() for c in answer.choices]


def test_a_typed_answer_gets_its_numbered_choices_written_in_once():
    bare = Answer("เลือกบริการ", choices=TYPED_MENU)  # built without ask(): no numbers yet
    [one] = render.normalize([typed(bare)])
    assert one.text.splitlines() == ["เลือกบริการ", "1. ตำรวจ",
                                     "2. บริการสำหรับคนตาบอดและสายตาเลือนราง",
                                     "3. วินมอเตอร์ไซค์รับจ้าง"]
    assert render.normalize([typed(one)])[0].text == one.text
    assert render.offered_choices([one]) == TYPED_MENU
    # an answer that cannot be read is said by its text alone; one without a text is left out
    broken = {"custom": {"answer": {"text": "x", "choices": [{"title": ""}]}}}
    empty = {"custom": {"answer": {"choices": []}}}
    assert [a.text for a in render.normalize([broken, empty, {"text": "ต่อ"}])] == ["x", "ต่อ"]


def test_a_link_already_in_the_text_is_not_written_twice():
    url = "https://example.org/r/1"
    answer = Answer(f"ใบเสร็จ {url}", links=(Link("ใบเสร็จ", url),))
    assert render.line_messages([answer])[0]["text"] == f"ใบเสร็จ {url}"

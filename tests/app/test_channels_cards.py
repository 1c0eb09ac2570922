"""Cards, one-tap actions, the LINE rich menu and the Messenger profile (issue 17).

The answers come from the skills' own builders (a police station, a motorcycle-taxi rider, a
sign-tax bill), go through the real gateways to the fake LINE and Graph API servers, and are
read back as the platforms received them. The rich-menu PNG is written to var/richmenu.png
for review (not committed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from linebot.v3.messaging import FlexMessage, RichMenuRequest
from PIL import Image as PILImage
from PIL import ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from actions.base import response_text
from actions.motortaxi import _rider_card
from bot.app.channels import messenger_profile, render, richmenu
from bot.app.channels.testing import FakeGraph, FakeLine
from bot.kernel import notify, registry
from bot.kernel.answer import Answer, Call, Card, Choice, Image, Link, Target
from bot.kernel.cases import case_number
from bot.kernel.db import session_factory
from bot.kernel.settings import Settings
from skills.disaster import service as disaster
from skills.disaster.models import HelpCase
from skills.forest import alarms as forest_alarms
from skills.forest import service as forest
from skills.forest.models import Alarm, Location
from skills.motortaxi import service as motortaxi
from skills.motortaxi.models import CATEGORIES
from skills.motortaxi.service import CASE_TONES
from skills.police import service as police
from skills.signtax import chat as signtax_chat
from skills.signtax import service as signtax
from tests.app.forest_env import add_station, make_settings
from tests.app.test_channels_gateway import (  # noqa: F401  (fixtures: gateways, fakes)
    ScriptedEngine,
    channels,
    chat,
    line_event,
    line_reply,
    line_text,
    post_line,
    post_messenger,
    setup,
)

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = {"responses": yaml.safe_load(
    (ROOT / "nlu_data/motortaxi/domain.yml").read_text(encoding="utf-8"))["responses"]}


class _Turn:
    """What ``_rider_card`` reads of an action's turn: the domain's response texts."""

    def response(self, name: str, /, **values) -> str:
        return response_text(DOMAIN, name, **values)


def station_answer() -> Answer:
    return police.station_message(13.7310, 100.5410).answers[0]  # Lumphini, Bangkok


def rider_answer(ok: bool = True) -> Answer:
    view = {"code": "4821-0934", "first_name": "สมชาย", "last_name_masked": "ใ***",
            "plate": "1กข 234 กรุงเทพมหานคร", "win": "วินปากซอยลาดพร้าว 101",
            "district": "วังทองหลาง", "province": "กรุงเทพมหานคร",
            "status_words": "ใช้งานได้ (ขึ้นทะเบียนถูกต้อง)" if ok
            else "ถูกพักใช้ (ห้ามรับผู้โดยสาร)", "ok": ok, "complaints": 0}
    return Answer(f"ผู้ขับรหัส {view['code']}: สถานะ {view['status_words']}",
                  card=_rider_card(_Turn(), view))


def bill_answer() -> Answer:
    bill = signtax.Bill("SB2569000123", "0123456789", 2026, "ร้านข้าวมันไก่ป้าแดง",
                        "จตุจักร", Decimal("1200"), Decimal("0"), "", Decimal("1200"),
                        date(2026, 3, 1), date(2026, 3, 31), "unpaid")
    site = signtax_chat.Site("https://gov.example.th", "k", promptpay=True)
    return signtax_chat.bill_answers(bill, site)[0]


def _database(folder: Path) -> tuple[str, sessionmaker]:
    """A migrated SQLite database (every skill's tables) under ``folder``: URL, sessions."""
    url = make_settings(folder).database_url
    return url, session_factory(url)


NOW = datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)  # 13:00 in Thailand


def alarm_answer(folder: Path, big: bool = False) -> Answer:
    """A forest alarm as its subscriber is told of it (the notification: text and card).
    ``big``: every part as long as the database holds it (the largest card)."""
    url, factory = _database(folder)
    station = add_station(url, "ส" * 120 if big else "ดอยสุเทพ-01", lat=18.85, lon=98.92)
    with factory.begin() as s:
        if big:
            loc = s.scalars(select(Location).where(Location.thing_id == station.thing_id)).one()
            loc.district_th, loc.province_th = "อ" * 80, "จ" * 80
        forest.subscribe_point(s, "web:alarm-watcher", 18.851, 98.921)
        alarm = forest_alarms.raise_alarm(s, station.thing_id, "fire_danger", "CRITICAL", {
            "angstrom": 1.234, "fosberg": 77.0}, NOW)
        if big:
            alarm.agency = "DNP"
        [note] = notify.pending(s, "web:alarm-watcher")
        if big:  # the card as the push builds it, for the longest agency's name
            return Answer(note.text, card=forest_alarms.card(s, alarm))
        return note.as_answer()


def case_answer(folder: Path, big: bool = False) -> Answer:
    """A disaster help case as its status answer (text and card); ``big``: the longest place,
    staff note and case number the database holds."""
    _url, factory = _database(folder)
    with factory.begin() as s:
        case = HelpCase(id=999_999_999 if big else None, sender_id="web:case-owner",
                        description="น้ำท่วมบ้าน ติดอยู่ 3 คน",
                        place_th="ต" * 300 if big else "หมู่ 5 ตำบลคูเมือง อ.วารินชำราบ",
                        latitude=15.2, longitude=104.86)
        s.add(case)
        s.flush()
        disaster.set_case_status(s, case.case_number, "on_the_way",
                                 "น" * 500 if big else "ทีมเรือกำลังไป ถึงในราว 30 นาที")
        return disaster.case_status(s, "web:case-owner", case.case_number)


def complaint_answer(folder: Path | None = None, big: bool = False) -> Answer:
    """A motorcycle-taxi complaint just filed (text and card); ``big``: the longest case
    number, category and status words."""
    words = motortaxi.texts
    category = max(CATEGORIES, key=lambda c: len(words(f"categories.{c}"))) if big else \
        "overcharge"
    status = max(CASE_TONES, key=lambda c: len(motortaxi.status_words(c))) if big else \
        "received"
    number = case_number("MT", 999_999_999 if big else 123)
    return Answer(_Turn().response(
        "utter_motortaxi_case_filed", case_number=number,
        category=words(f"categories.{category}"), status=motortaxi.status_words(status)),
        card=motortaxi.complaint_card(number, category, status))


CARDS = {"station": station_answer, "rider": rider_answer, "bill": bill_answer,
         "alarm": alarm_answer, "case": case_answer, "complaint": complaint_answer}


def card_answer(kind: str, folder: Path) -> Answer:
    build = CARDS[kind]
    return build(folder) if build in (alarm_answer, case_answer, complaint_answer) else build()


def test_the_skills_put_their_facts_on_cards():
    station, rider, bill = station_answer(), rider_answer(), bill_answer()
    assert station.card.title in station.text and isinstance(station.card.buttons[0], Call)
    assert any(isinstance(b, Link) and "openstreetmap" in b.url for b in station.card.buttons)
    assert rider.card.tone == "ok" and rider.card.status in rider.text
    assert [b.target.intent for b in rider.card.buttons] == ["motortaxi_complain",
                                                              "motortaxi_share_trip"]
    assert rider_answer(ok=False).card.tone == "danger"  # red, and "ห้ามรับผู้โดยสาร" in words
    assert "1,200" in dict(bill.card.fields)[signtax_chat.text("card_amount")]
    assert [b.title for b in bill.card.buttons] == [signtax_chat.text("card_pay"),
                                                    signtax_chat.text("card_view")]
    for answer in (station, rider, bill):  # the card travels whole in the action's payload
        assert Answer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CARDS))
async def test_a_card_answer_arrives_on_line_as_flex_whose_alt_text_is_the_text(channels, kind,  # noqa: F811
                                                                                tmp_path):
    client, engine, line = channels["client"], channels["engine"], channels["line"]
    engine.answer = card_answer(kind, tmp_path)
    await post_line(client, line_text("U" + "7" * 32, "ดูหน่อย", f"card-{kind}"))
    messages = await line_reply(line, f"card-{kind}")
    flex = [m for m in messages if m["type"] == "flex"]
    assert len(flex) == 1 and flex[0]["altText"] == engine.answer.text
    FlexMessage.from_dict(flex[0])  # the SDK's own model reads it
    review = ROOT / "var" / "cards"  # for review in LINE's Flex Message Simulator
    review.mkdir(parents=True, exist_ok=True)
    (review / f"{kind}.line.json").write_text(json.dumps(flex[0]["contents"], ensure_ascii=False,
                                                         indent=1), encoding="utf-8")
    body = flex[0]["contents"]["body"]["contents"]
    assert body[0]["text"] == engine.answer.card.title
    assert body[-1]["text"] == engine.answer.text  # the card loses nothing the text says
    footer = flex[0]["contents"]["footer"]["contents"]
    assert len(footer) == len(engine.answer.card.buttons)


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(CARDS))
async def test_a_card_answer_arrives_on_messenger_as_text_then_a_generic_template(channels,  # noqa: F811
                                                                                  kind, tmp_path):
    client, engine, graph = channels["client"], channels["engine"], channels["graph"]
    engine.answer = card_answer(kind, tmp_path)
    psid = f"card{kind}psid"
    await post_messenger(client, psid, {"message": {"mid": f"m-{kind}", "text": "ดูหน่อย"}})
    sent = [c.body["message"] for c in await graph.arrived(
        lambda c: c.path.endswith("/me/messages") and "message" in c.body
        and c.body["recipient"]["id"] == psid, count=2)]
    assert sent[0]["text"] == engine.answer.text  # Messenger has no alt text: the text first
    element = sent[1]["attachment"]["payload"]["elements"][0]
    assert sent[1]["attachment"]["payload"]["template_type"] == "generic"
    assert element["title"] == engine.answer.card.title[:80]
    assert 1 <= len(element["buttons"]) <= 3


@pytest.mark.asyncio
async def test_the_web_chat_gets_the_same_card(channels):  # noqa: F811
    channels["engine"].answer = rider_answer()
    [message] = await chat(channels["client"], "web-user-cards", text="4821-0934")
    card = message["card"]
    assert message["text"] == channels["engine"].answer.text
    assert card["status"] and card["tone"] == "ok"
    assert [b["kind"] for b in card["buttons"]] == ["choice", "choice"]
    assert card["buttons"][0]["payload"] == "/motortaxi_complain"


@pytest.mark.parametrize("kind", ["alarm", "case", "complaint"])
def test_a_card_shows_only_what_its_text_says(kind, tmp_path):
    answer = card_answer(kind, tmp_path)
    for label, value in answer.card.fields:
        assert value in answer.text, f"{label}: {value}"
    assert answer.card.status in answer.text


def test_alarms_and_help_cases_come_with_their_cards(tmp_path):
    alarm = alarm_answer(tmp_path / "alarm")
    assert alarm.card.title == "ความเสี่ยงไฟป่าสูง" and alarm.card.tone == "danger"
    assert "วิกฤต" in alarm.card.status and "วิกฤต" in alarm.text  # said in words, not colour
    assert [b.number for b in alarm.card.buttons] == ["1362", "199"]
    assert dict(alarm.card.fields)["สถานี"] in alarm.text
    # the forest's state near the station: the most severe alarm nearby is a card too
    _url, factory = _database(tmp_path / "alarm")
    with factory.begin() as s:
        said = forest.status(s, 18.85, 98.92, "ดอยสุเทพ", "https://gov.example.th", now=NOW)
        cleared = forest_alarms.card(s, s.scalars(select(Alarm)).one(), "cleared")
    [with_card] = [a for a in said if a.card]
    assert with_card.card == alarm.card
    assert cleared.tone == "ok" and "กลับสู่ภาวะปกติแล้ว" in cleared.status

    case = case_answer(tmp_path / "case")
    number = case.card.title.split()[-1]
    assert number.startswith("DS") and number in case.text
    assert case.card.status == disaster.texts("case_status.on_the_way") and case.card.tone == "warn"
    assert dict(case.card.fields)["หมายเหตุจากเจ้าหน้าที่"] in case.text
    assert [b.number for b in case.card.buttons] == ["1784"]
    # filing a request answers with the case card; the staff's update is pushed with it
    _url, factory = _database(tmp_path / "case")
    with factory.begin() as s:
        filed = disaster.filed_answer(disaster.file_help(s, "web:case-owner", "ติดอยู่บนหลังคา"))
        [update] = notify.pending(s, "web:case-owner")
    assert filed[0].card is None  # the emergency numbers come first, alone
    assert filed[1].card.status == disaster.texts("case_status.received")
    assert dict(filed[1].card.fields) == {"หมายเลขเรื่อง": filed[1].card.title.split()[-1]}
    assert update.as_answer().card.title == case.card.title


@pytest.mark.asyncio
async def test_line_shows_its_loading_indicator_before_a_slow_answer(channels):  # noqa: F811
    client, line = channels["client"], channels["line"]
    user = "U" + "5" * 32

    def loading(c) -> bool:
        return c.path == "/v2/bot/chat/loading/start" and c.body.get("chatId") == user \
            and c.status == 202

    seen: list[int] = []

    class SlowEngine(ScriptedEngine):
        """A chart drawn while the user waits (the answer takes a while)."""

        async def send(self, sender, text, metadata=None):
            seen.append(len(line.matching(loading)))  # shown before the work starts
            await asyncio.sleep(0.5)
            return await super().send(sender, text, metadata)

    chart = Answer("กราฟอุณหภูมิ 24 ชั่วโมง สถานี ดอยสุเทพ-01: ต่ำสุด 18.0 สูงสุด 31.2",
                   image=Image("https://gov.example.th/forest/chart.png", "กราฟเส้นอุณหภูมิ"))
    channels["parts"].engine.client = SlowEngine(chart)
    await post_line(client, line_text(user, "ขอกราฟอุณหภูมิ", "slow-1"))
    messages = await line_reply(line, "slow-1")
    assert [m["type"] for m in messages] == ["image", "text"]
    assert seen == [1]
    [shown] = line.matching(loading)
    assert shown.body["loadingSeconds"] % 5 == 0 and 5 <= shown.body["loadingSeconds"] <= 60
    order = [c.path for c in line.calls if loading(c) or c.body and c.body.get("replyToken")
             == "slow-1"]
    assert order == ["/v2/bot/chat/loading/start", "/v2/bot/message/reply"]


def _quick(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in messages[-1].get("quickReply", {}).get("items", [])]


def test_line_offers_the_location_picker_where_a_place_is_asked():
    asked = police.message([[police.t("ask_place")]], asks=True)
    actions = _quick(render.line_messages(list(asked.answers)))
    assert actions[0]["type"] == "location"
    assert "location" not in [a["type"] for a in _quick(
        render.line_messages([station_answer()]))]


def test_line_offers_the_camera_where_a_vest_photo_is_asked():
    answer = Answer("พิมพ์รหัสผู้ขับ 8 หลัก หรือส่งรูปถ่ายคิวอาร์โค้ด", ask_photo=True)
    assert [a["type"] for a in _quick(render.line_messages([answer]))] == ["camera",
                                                                             "cameraRoll"]
    # Messenger has no location or camera quick reply (deprecated by Meta): the text says how
    assert "quick_replies" not in render.messenger_messages([answer])[0]


def test_the_skills_flag_where_they_ask_for_a_place_or_a_photo():
    # (the vest-code question offering the camera: tests/app/test_motortaxi_service.py)
    assert police.message([["อยู่ที่ไหนคะ"]], asks=True).answers[-1].ask_location
    from skills.signtax import dialogue
    st: dict = {}
    turn = dialogue.Turn(st)
    dialogue._ask(st, turn, "district", Answer("ป้ายอยู่เขตไหน"))
    assert turn.prompt.ask_location and Answer.from_dict(st["prompt"]).ask_location


def within_limits(answer: Answer) -> None:
    """``answer``'s card within LINE's and Messenger's documented limits, its alt text the
    text (or, cut at 1,500 characters, the text then sent whole too)."""
    messages = render.line_messages([answer])
    flex = messages[-1]
    assert flex["type"] == "flex" and len(flex["altText"]) <= render.LINE_ALT_MAX
    whole = render.with_links(answer)
    if len(whole) <= render.LINE_ALT_MAX:
        assert flex["altText"] == whole
    else:
        assert flex["altText"].endswith("…")
        assert "".join(m["text"] for m in messages[:-1]).replace(" ", "") \
            == whole.replace(" ", "").strip()  # the alt text is cut: the text goes whole
    assert all(len(m["text"]) <= render.LINE_TEXT_MAX for m in messages[:-1])
    assert len(json.dumps(flex["contents"]).encode()) <= render.LINE_BUBBLE_BYTES
    FlexMessage.from_dict(flex)
    footer = flex["contents"].get("footer", {}).get("contents", [])
    for button in footer:
        assert len(button["action"]["label"]) <= render.LINE_FLEX_LABEL_MAX
        assert len(button["action"].get("data", "")) <= render.LINE_POSTBACK_DATA_MAX
    assert len(footer) <= render.CARD_BUTTONS_MAX
    sent = render.messenger_messages([answer])
    assert all(len(m["text"]) <= render.MESSENGER_TEXT_MAX for m in sent if "text" in m)
    element = sent[-1]["attachment"]["payload"]["elements"][0]
    assert len(element["title"]) <= 80 and len(element.get("subtitle", "")) <= 80
    assert len(element.get("buttons", ())) <= 3
    assert all(len(b["title"]) <= 20 for b in element.get("buttons", ()))
    assert len(render.web_card(answer.card)["fields"]) <= render.CARD_FIELDS_MAX


def test_every_card_stays_within_the_platforms_limits_even_the_largest():
    long = "ข้อมูลยาวมากเป็นพิเศษ" * 40
    biggest = Card(long, long, tuple((long, long) for _ in range(30)), long, "danger", (
        Call("0812345678", long), Link(long, "https://gov.example.th/" + "a" * 1900),
        Choice(long, Target("police_station_phone", {"police_station": long})),
        Choice(long, Target("greet")), Choice(long, Target("thanks"))))
    answer = Answer("ข้อความตอบ " * 800, card=biggest, ask_location=True)
    within_limits(answer)
    assert render.line_messages([answer])[-1]["altText"].endswith("…")


@pytest.mark.parametrize("build", [alarm_answer, case_answer, complaint_answer])
def test_the_largest_alarm_case_and_complaint_cards_stay_within_the_limits(build, tmp_path):
    answer = build(tmp_path, big=True)
    assert len(answer.card.fields) >= 2 and all(v for _, v in answer.card.fields)
    within_limits(answer)


def _env(monkeypatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_the_rich_menu_command_creates_uploads_and_sets_the_menu(monkeypatch):
    with FakeLine("menu-token") as line:
        _env(monkeypatch, LINE_API_BASE=line.url, LINE_CHANNEL_ACCESS_TOKEN="menu-token")
        out = ROOT / "var" / "richmenu.png"
        assert richmenu.main(["--save-image", str(out)]) == 0
        assert richmenu.main([]) == 0  # again: the menu is replaced, not added
        created = line.matching(lambda c: c.path == "/v2/bot/richmenu" and c.status == 200)
        assert len(created) == 2 and len(line.richmenus) == 1
        menu_id = line.default_richmenu
        assert menu_id in line.richmenus and menu_id in line.richmenu_images
        body = RichMenuRequest.from_dict(created[-1].body)  # the SDK's own model
        assert (body.size.width, body.size.height) == (2500, 1686)
        image = PILImage.open(io.BytesIO(line.richmenu_images[menu_id]))
        assert image.size == (2500, 1686) and out.read_bytes()[:4] == b"\x89PNG"
        services = registry.discover()
        datas = [a.action.data for a in body.areas]
        # a tap sends what the numbered choice would: the service's entry, then help
        assert datas == [Target(m.entry_intent).message() for m in services] + [
            "/emergency", "/human_handoff"]
        assert [a.action.display_text for a in body.areas][:len(services)] == [
            m.name_th for m in services]


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""
    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_rich_menu_labels_are_large_high_contrast_and_broken_between_words():
    if richmenu._libthai() is None:
        pytest.skip("libthai (Debian's libthai0) is not installed: labels break at spaces only")
    image = PILImage.new("RGB", (richmenu.WIDTH, richmenu.HEIGHT))
    draw = ImageDraw.Draw(image)
    path, width = richmenu.font_path(), richmenu.WIDTH // richmenu.COLUMNS - 2 * richmenu.PAD
    long = [richmenu.Area(label, sub, "", "ready", Target("greet")) for label, sub in (
        ("บริการสำหรับคนตาบอดและสายตาเลือนราง", "คำนวณและจ่ายภาษีป้าย"),
        ("วินมอเตอร์ไซค์รับจ้าง", "ศูนย์พักพิงใกล้ฉัน ขอความช่วยเหลือ สมัครอาสา"))]
    for area in [*richmenu.areas(), *long]:
        label, sub = richmenu.blocks(draw, path, area, width)
        assert label.font.size >= richmenu.LABEL_LEAST_PX  # at least 72 px of 2,500
        for block, text in ((label, area.label), (sub, area.sub)):
            assert "".join(block.lines).replace(" ", "") == text.replace(" ", "")  # all of it
            assert len(block.lines) * block.font.size * block.leading <= block.bottom - block.top
            assert all(draw.textlength(line, font=block.font) <= width for line in block.lines)
            # every line ends where a word ends (never inside one: "ภาษีป้า|ย")
            ends = {len("".join(richmenu.words(text)[:i]).replace(" ", ""))
                    for i in range(len(richmenu.words(text)) + 1)}
            done = 0
            for line in block.lines:
                done += len(line.replace(" ", ""))
                assert done in ends, (text, block.lines)
    assert [line for line in richmenu.blocks(draw, path, long[0], width)[1].lines
            if line.endswith("ป้า")] == []
    # dark labels on light tiles (AAA), the state in white on each band (at least AA)
    assert _contrast(richmenu.INK, richmenu.TILE) >= 7 and _contrast(richmenu.SUB_INK,
                                                                    richmenu.TILE) >= 7
    assert all(_contrast(band, richmenu.PAPER) >= 4.5 for band in richmenu.BANDS.values())


def test_the_rich_menu_tells_ready_services_from_hotline_only_ones(monkeypatch):
    services = registry.discover()
    preparing = dataclasses.replace(services[1], status="preparing")
    monkeypatch.setattr(registry, "discover", lambda: [services[0], preparing])
    menu = richmenu.areas()
    assert menu[0].state == richmenu.TEXTS["menu_ready"] and menu[0].kind == "ready"
    assert preparing.hotlines[0] in menu[1].state and menu[1].kind == "hotline"
    assert richmenu.BANDS["hotline"] != richmenu.BANDS["ready"]


@pytest.mark.asyncio
async def test_the_web_chat_shows_the_rich_menu_and_a_press_is_the_entry(channels):  # noqa: F811
    client, engine = channels["client"], channels["engine"]
    resp = await client.get("/api/chat/menu")
    assert resp.status == 200
    body = await resp.json()
    assert body["title"] == richmenu.TEXTS["menu_alt"]
    # one source: the web chat's entries are the rich menu's areas, in order
    assert [(i["label"], i["state"], i["payload"]) for i in body["items"]] == [
        (a.label, a.state, a.target.message()) for a in richmenu.areas()]
    assert {i["kind"] for i in body["items"]} >= {"ready", "emergency", "person"}
    # a pressed entry is a payload even when nothing was offered before (the menu stands) ...
    for item in body["items"]:
        await chat(client, "web-user-menu", text=item["payload"])
    # ... and on LINE a rich-menu tap (a postback) is the same
    user = "U" + "8" * 32
    await post_line(client, line_event(user, {"type": "postback", "postback": {
        "data": "/human_handoff"}}, event_id="01HZRICHMENU", reply_token="rm1",
        timestamp=int(time.time() * 1000)))
    await line_reply(line := channels["line"], "rm1")
    assert line.matching(lambda c: c.body and c.body.get("replyToken") == "rm1")
    asked = [(t, m["choice"]) for _, t, m in engine.asked]
    assert asked == [(i["payload"], True) for i in body["items"]] + [("/human_handoff", True)]
    # an intent with entities is never standing: typed, it stays text
    await chat(client, "web-user-menu2",
               text='/police_station_phone{"police_station": "ลุมพินี"}')
    assert engine.asked[-1][2]["choice"] is False


def test_the_messenger_profile_command_sets_get_started_menu_and_ice_breakers(monkeypatch):
    with FakeGraph("page-token") as graph:
        _env(monkeypatch, GRAPH_API_BASE=graph.api_base, MESSENGER_PAGE_TOKEN="page-token")
        assert messenger_profile.main() == 0
        [call] = graph.matching(lambda c: c.path.endswith("/me/messenger_profile"))
        assert call.status == 200
        profile = graph.profile
        assert profile["get_started"]["payload"] == "/greet"
        items = profile["persistent_menu"][0]["call_to_actions"]
        assert [i["payload"] for i in items] == [
            a.target.message() for a in richmenu.areas()]  # mirrors the rich menu
        assert 1 <= len(profile["ice_breakers"][0]["call_to_actions"]) <= 4
        settings = Settings.from_env()
        assert settings.messenger_page_token == "page-token"

"""Cards, one-tap actions, the LINE rich menu and the Messenger profile (issue 17).

The answers come from the skills' own builders (a police station, a motorcycle-taxi rider, a
sign-tax bill), go through the real gateways to the fake LINE and Graph API servers, and are
read back as the platforms received them. The rich-menu PNG is written to var/richmenu.png
for review (not committed).
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from linebot.v3.messaging import FlexMessage, RichMenuRequest
from PIL import Image as PILImage

from actions.base import response_text
from actions.motortaxi import _rider_card
from bot.app.channels import messenger_profile, render, richmenu
from bot.app.channels.testing import FakeGraph, FakeLine
from bot.kernel import registry
from bot.kernel.answer import Answer, Call, Card, Choice, Link, Target
from bot.kernel.settings import Settings
from skills.police import service as police
from skills.signtax import chat as signtax_chat
from skills.signtax import service as signtax
from tests.app.test_channels_gateway import (  # noqa: F401  (fixtures: gateways, fakes)
    channels,
    chat,
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


CARDS = {"station": station_answer, "rider": rider_answer, "bill": bill_answer}


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
async def test_a_card_answer_arrives_on_line_as_flex_whose_alt_text_is_the_text(channels, kind):  # noqa: F811
    client, engine, line = channels["client"], channels["engine"], channels["line"]
    engine.answer = CARDS[kind]()
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
                                                                                  kind):
    client, engine, graph = channels["client"], channels["engine"], channels["graph"]
    engine.answer = CARDS[kind]()
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


def test_every_card_stays_within_the_platforms_limits_even_the_largest():
    long = "ข้อมูลยาวมากเป็นพิเศษ" * 40
    biggest = Card(long, long, tuple((long, long) for _ in range(30)), long, "danger", (
        Call("0812345678", long), Link(long, "https://gov.example.th/" + "a" * 1900),
        Choice(long, Target("police_station_phone", {"police_station": long})),
        Choice(long, Target("greet")), Choice(long, Target("thanks"))))
    answer = Answer("ข้อความตอบ " * 800, card=biggest, ask_location=True)
    messages = render.line_messages([answer])
    flex = messages[-1]
    assert flex["type"] == "flex" and len(flex["altText"]) <= render.LINE_ALT_MAX
    assert flex["altText"].endswith("…")
    assert "".join(m["text"] for m in messages[:-1]).replace(" ", "") \
        == answer.text.replace(" ", "").strip()  # the alt text is cut: the text goes whole
    assert len(json.dumps(flex["contents"]).encode()) <= render.LINE_BUBBLE_BYTES
    FlexMessage.from_dict(flex)
    for button in flex["contents"]["footer"]["contents"]:
        assert len(button["action"]["label"]) <= render.LINE_FLEX_LABEL_MAX
        assert len(button["action"].get("data", "")) <= render.LINE_POSTBACK_DATA_MAX
    assert len(flex["contents"]["footer"]["contents"]) <= render.CARD_BUTTONS_MAX
    template = render.messenger_messages([answer])[-1]["attachment"]["payload"]
    element = template["elements"][0]
    assert len(element["title"]) <= 80 and len(element["subtitle"]) <= 80
    assert len(element["buttons"]) <= 3
    assert all(len(b["title"]) <= 20 for b in element["buttons"])


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


def test_the_rich_menu_tells_ready_services_from_hotline_only_ones(monkeypatch):
    services = registry.discover()
    preparing = dataclasses.replace(services[1], status="preparing")
    monkeypatch.setattr(registry, "discover", lambda: [services[0], preparing])
    menu = richmenu.areas()
    assert menu[0].state == richmenu.TEXTS["menu_ready"]
    assert preparing.hotlines[0] in menu[1].state and menu[1].band != menu[0].band


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

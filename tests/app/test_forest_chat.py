"""The forest skill as a citizen meets it, without the engine: the actions with a collecting
dispatcher (status for a shared location or a typed place, subscribe, unsubscribe, a fire
report with whom to call first, a chart with its numbers in the alt text), the status page,
the chart PNG, and the demo simulator's scenario."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image as PILImage
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import base
from actions import forest as forest_actions
from bot.app.web.app import errors_and_headers
from bot.kernel.db import session_factory, upgrade
from bot.kernel.text import BUBBLE_MAX, visible_length
from skills.forest import ingest, simulator
from skills.forest import web as forest_web
from skills.forest.models import FireReport, Subscription
from tests.app.forest_env import add_station, make_settings
from tests.app.said import answers


@pytest.fixture
def app_settings(tmp_path, monkeypatch):
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://bot.example.go.th"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    base.settings.cache_clear()
    upgrade(env["DATABASE_URL"])
    yield base.settings()
    base.settings.cache_clear()


def fill(url: str, station, hours: int = 24, dry: bool = True) -> None:
    """A day of readings every 30 minutes, ending hot and dry now."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    items = []
    for i in range(hours * 2 + 1):
        t = now - timedelta(minutes=30 * i)
        items.append((station.streams["temperature"], {"phenomenonTime": t.isoformat(),
                                                       "result": 36 - i * 0.2}))
        items.append((station.streams["air_humidity"], {"phenomenonTime": t.isoformat(),
                                                        "result": 18 + i * 0.5 if dry else 80}))
    with session_factory(url).begin() as s:
        ingest.ingest(s, items)


def run(action, sender="web:citizen", text="", intent="forest_status", entities=(), slots=None):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.95},
               "entities": list(entities), "message_id": "m-1"}
    tracker = Tracker(sender, slots or {}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {"responses": {}}))
    return answers(dispatcher.messages), {e["name"]: e["value"] for e in events
                                          if e.get("event") == "slot"}


def test_status_for_a_shared_location_names_danger_readings_alarms_and_agency(app_settings):
    st = add_station(app_settings.database_url, "DSP-TEST", lat=18.85, lon=98.92)
    fill(app_settings.database_url, st)
    said, slots = run(forest_actions.ActionForestStatus(), entities=[
        {"entity": "latitude", "value": 18.851}, {"entity": "longitude", "value": 98.921}])
    text = "\n".join(a.text for a in said)
    assert all(visible_length(a.text) <= BUBBLE_MAX for a in said)  # each fits a phone
    assert "DSP-TEST" in text and "ไฟเกิดได้ง่ายมาก" in text  # RH 18 %, 36 °C: Ångström < 2
    assert "ความชื้นอากาศ 18 เปอร์เซ็นต์" in text and "อุณหภูมิ 36.0 องศาเซลเซียส" in text
    assert "กรมอุทยานแห่งชาติ" in text and "1362" in text
    assert "ความเสี่ยงไฟป่าสูง" in text  # the fire-danger alarm it raised is listed
    assert said[-1].links and said[-1].links[0].url.endswith("/forest/")
    assert "1. ดูกราฟ" in said[-1].text
    assert slots["forest_point"] == "18.85100,98.92100"


def test_status_for_a_typed_place_and_asking_when_there_is_none(app_settings):
    said, slots = run(forest_actions.ActionForestStatus(), text="ป่าแถวนี้เป็นยังไง")
    assert "ส่งตำแหน่ง" in said[0].text and slots["expecting"] == "forest_place"
    said, slots = run(forest_actions.ActionForestPlace(), text="แม่ริม",
                      slots={"expecting": "forest_place", "forest_pending": "status"})
    assert said[0].text.startswith("สภาพป่าแถวแม่ริม") and slots["expecting"] is None


def test_subscribe_to_a_district_and_a_point_then_unsubscribe(app_settings):
    said, _ = run(forest_actions.ActionForestSubscribe(), text="รับแจ้งเตือนไฟป่าอำเภอแม่ริม",
                  intent="forest_subscribe")
    assert "อ.แม่ริม" in said[0].text and "ยกเลิก" in said[0].text
    said, _ = run(forest_actions.ActionForestSubscribe(), intent="forest_subscribe",
                  slots={"forest_point": "18.85000,98.92000"})
    assert "10 กิโลเมตร" in said[0].text
    with session_factory(app_settings.database_url).begin() as s:
        assert len(list(s.scalars(select(Subscription)))) == 2
    said, _ = run(forest_actions.ActionForestUnsubscribe(), intent="forest_unsubscribe")
    assert "2 พื้นที่" in said[0].text


def test_a_fire_report_says_whom_to_call_first_then_files_a_case_for_the_agency(app_settings):
    said, slots = run(forest_actions.ActionForestReportFire(), text="เห็นไฟป่า",
                      intent="forest_report_fire")
    assert "199" in said[0].text and said[0].call.number == "199"
    assert slots["forest_pending"] == "report" and slots["expecting"] == "forest_place"
    said, _ = run(forest_actions.ActionForestLocation(), slots={
        "forest_pending": "report", "latitude": 18.80, "longitude": 98.79})
    assert "FF-000001" in said[0].text and "กรมป่าไม้" in said[0].text and "1310" in said[0].text
    said, _ = run(forest_actions.ActionForestPhoto(), slots={"image_ref": "upload:abc.jpg"})
    assert "FF-000001" in said[0].text
    with session_factory(app_settings.database_url).begin() as s:
        report = s.scalars(select(FireReport)).one()
        assert report.agency == "RFD" and report.photo_url == "upload:abc.jpg"


def test_chart_answer_states_its_numbers_in_text_and_alt(app_settings):
    st = add_station(app_settings.database_url, "DSP-CHART", lat=18.85, lon=98.92)
    fill(app_settings.database_url, st)
    said, _ = run(forest_actions.ActionForestChart(), text="ขอกราฟความชื้น",
                  intent="forest_chart", slots={"forest_point": "18.85000,98.92000"})
    a = said[0]
    assert "ต่ำสุด 18.0 สูงสุด 41.5 ล่าสุด 18.0 %" in a.text and "จาก 48 ค่า" in a.text
    assert a.image.url.startswith("https://bot.example.go.th/forest/charts/")
    assert "ค่าต่ำสุด 18.0" in a.image.alt and "สูงสุด 41.5" in a.image.alt and "%" in a.image.alt


@pytest_asyncio.fixture
async def server(tmp_path):
    settings = make_settings(tmp_path)
    app = web.Application(middlewares=[errors_and_headers])
    forest_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv, settings
    await srv.close()


@pytest.mark.asyncio
async def test_status_page_table_map_and_chart_png(server):
    srv, settings = server
    st = add_station(settings.database_url, "DSP-PAGE", lat=18.85, lon=98.92)
    await asyncio.to_thread(fill, settings.database_url, st)
    async with aiohttp.ClientSession() as http:
        async with http.get(srv.make_url("/forest/")) as r:
            html = await r.text()
        assert r.status == 200 and '<html lang="th">' in html
        assert '<th scope="col">สถานี</th>' in html and "DSP-PAGE" in html
        assert "ข้อมูลจำลอง" in html and "พื้นที่ทับซ้อน" in html
        assert '<svg' in html and "<title id=\"t\">" in html and "<desc id=\"d\">" in html
        async with http.get(srv.make_url(f"/forest/charts/{st.streams['temperature']}.png")) as r:
            png = await r.read()
        assert r.status == 200 and PILImage.open(io.BytesIO(png)).size == (640, 320)
        async with http.get(srv.make_url("/forest/charts/999999.png")) as r:
            assert r.status == 404 and "Datastream" in (await r.json())["error"]
        async with http.get(srv.make_url("/api/forest/stations")) as r:
            rows = (await r.json())["stations"]
        assert rows[0]["name"] == "DSP-PAGE" and rows[0]["state"] == "ok"


def test_simulator_has_daily_cycles_a_dry_spell_and_a_fire():
    start = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # 07:00 in Thailand
    sc = simulator.Scenario(start)

    def at(minutes, key, index=7):
        return simulator.reading(index, 1000, key, start + timedelta(minutes=minutes), sc)
    assert at(0, "flame") == 0 and at(30, "flame") == 1 and at(50, "flame") == 0
    assert at(30, "smoke_pm25") > 300 and at(0, "smoke_pm25") < 75
    assert at(40, "air_humidity", 3) < at(0, "air_humidity", 3) - 20  # the dry spell
    assert at(0, "flame", 3) == at(30, "flame", 3) == 0  # only the fire station burns
    noon = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)  # 15:00 local
    night = datetime(2026, 3, 9, 20, 0, tzinfo=timezone.utc)  # 03:00 local
    far = simulator.Scenario(start + timedelta(days=3))
    assert (simulator.reading(3, 1000, "temperature", noon, far)
            > simulator.reading(3, 1000, "temperature", night, far) + 8)

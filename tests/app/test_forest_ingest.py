"""Sensor ingest over HTTP (SensorThings paths, device secrets) and MQTT (a real Mosquitto):
every bad reading is kept with its reason and counted on its device, none is lost, and a
re-sent reading is stored once."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import datetime, timedelta, timezone

import aiohttp
import aiomqtt
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app.web.app import errors_and_headers
from bot.kernel.db import session_factory
from skills.forest import web as forest_web
from skills.forest.models import Observation, RejectedReading, Thing
from tests.app.forest_env import add_station, make_settings, mosquitto


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest_asyncio.fixture
async def server(settings):
    app = web.Application(middlewares=[errors_and_headers])
    forest_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def counts(url: str, thing_id: int) -> tuple[int, dict[str, int], int]:
    with session_factory(url).begin() as s:
        stored = s.scalar(select(func.count(Observation.id)))
        reasons = dict(s.execute(select(RejectedReading.reason, func.count())
                                 .group_by(RejectedReading.reason)).all())
        return stored, reasons, s.get(Thing, thing_id).rejected_count


async def post(server, ds, body, secret, raw: bytes | None = None):
    async with aiohttp.ClientSession() as http:
        async with http.post(server.make_url(f"/api/forest/v1.1/Datastreams({ds})/Observations"),
                             data=raw if raw is not None else json.dumps(body),
                             headers={"Authorization": f"Bearer {secret}",
                                      "Content-Type": "application/json"}) as r:
            return r.status, await r.json(), r.headers.get("Location")


@pytest.mark.asyncio
async def test_http_single_is_created_once_and_a_resend_returns_the_same_id(server, settings):
    st = add_station(settings.database_url, "T-HTTP")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    obs = {"phenomenonTime": iso(now), "result": 27.5, "parameters": {"unit": "°C"}}
    status, body, location = await post(server, st.streams["temperature"], obs, st.secret)
    assert status == 201 and body["@iot.id"] and location.endswith(f"Observations({body['@iot.id']})")
    again, body2, _ = await post(server, st.streams["temperature"], obs, st.secret)
    assert again == 200 and body2["@iot.id"] == body["@iot.id"] and body2["status"] == "duplicate"
    later = {"phenomenonTime": iso(now + timedelta(seconds=1)), "result": 27.6}
    assert (await post(server, st.streams["temperature"], later, st.secret))[0] == 201
    stored, reasons, rejected = counts(settings.database_url, st.thing_id)
    assert stored == 2 and reasons == {"duplicate": 1} and rejected == 1


@pytest.mark.asyncio
async def test_every_kind_of_bad_reading_is_kept_with_its_reason_and_none_is_lost(server,
                                                                                  settings):
    st = add_station(settings.database_url, "T-BAD")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rh, temp = st.streams["air_humidity"], st.streams["temperature"]
    sent = [
        (rh, {"phenomenonTime": iso(now), "result": 45}, None, 201),
        (rh, {"phenomenonTime": iso(now - timedelta(minutes=10)), "result": 140}, "out_of_range", 422),
        (temp, {"phenomenonTime": iso(now), "result": 80, "parameters": {"unit": "°F"}}, "wrong_unit", 422),
        (temp, {"phenomenonTime": iso(now + timedelta(hours=2)), "result": 30}, "future", 422),
        (temp, {"phenomenonTime": "2019-01-01T00:00:00Z", "result": 30}, "too_old", 422),
        (temp, {"phenomenonTime": "yesterday-ish", "result": 30}, "bad_time", 422),
        (temp, {"phenomenonTime": iso(now), "result": "hot"}, "malformed", 422),
        (999999, {"phenomenonTime": iso(now), "result": 30}, "unknown_datastream", 404),
        (rh, {"phenomenonTime": iso(now), "result": 46}, "duplicate", 200),
    ]
    for ds, obs, reason, want in sent:
        status, body, _ = await post(server, ds, obs, st.secret)
        assert status == want, (reason, body)
        if reason and reason != "duplicate":
            assert body["reason"] == reason and "ไม่รับค่านี้" in body["error"]
    status, body, _ = await post(server, rh, None, st.secret, raw=b"{not json")
    assert status == 422 and body["reason"] == "malformed"
    stored, reasons, rejected = counts(settings.database_url, st.thing_id)
    expected = {r for _d, _o, r, _s in sent if r} | {"malformed"}
    assert set(reasons) == expected
    assert stored + sum(reasons.values()) == len(sent) + 1  # nothing lost
    assert rejected == sum(reasons.values())  # every one counted on its device
    with session_factory(settings.database_url).begin() as s:
        kept = s.scalars(select(RejectedReading).where(RejectedReading.reason == "out_of_range")).one()
        assert json.loads(kept.payload)["result"] == 140  # the reading itself is kept


@pytest.mark.asyncio
async def test_http_batch_answers_each_item_in_order(server, settings):
    st = add_station(settings.database_url, "T-BATCH")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    items = [{"phenomenonTime": iso(now - timedelta(minutes=i)), "result": 20 + i} for i in range(5)]
    items.append({"phenomenonTime": iso(now), "result": -99})
    status, body, _ = await post(server, st.streams["temperature"], items, st.secret)
    assert status == 200
    assert [v["status"] for v in body["value"]] == ["created"] * 5 + ["rejected"]
    assert body["value"][-1]["reason"] == "out_of_range"
    status, body, _ = await post(server, st.streams["temperature"], items[:5], st.secret)
    assert [v["status"] for v in body["value"]] == ["duplicate"] * 5
    assert counts(settings.database_url, st.thing_id)[0] == 5


@pytest.mark.asyncio
async def test_a_wrong_device_secret_or_another_devices_stream_is_refused(server, settings):
    a = add_station(settings.database_url, "T-A")
    b = add_station(settings.database_url, "T-B")
    now = iso(datetime.now(timezone.utc))
    status, body, _ = await post(server, a.streams["temperature"], {"phenomenonTime": now,
                                                                   "result": 25}, "nope")
    assert status == 401 and "ไม่ได้รับอนุญาต" in body["error"]
    status, body, _ = await post(server, a.streams["temperature"], {"phenomenonTime": now,
                                                                   "result": 25}, b.secret)
    assert status == 404 and body["reason"] == "unknown_datastream"
    assert counts(settings.database_url, b.thing_id)[2] == 1  # counted on the sender


@pytest.mark.asyncio
async def test_mqtt_readings_through_a_real_mosquitto_are_stored_once_and_bad_ones_kept(tmp_path):
    with mosquitto() as broker:
        url = f"{broker}/forest-test-{secrets.token_hex(4)}"  # our own topic space on the broker
        settings = make_settings(tmp_path, FOREST_MQTT_URL=url)
        st = add_station(settings.database_url, "T-MQTT")
        app = web.Application(middlewares=[errors_and_headers])
        forest_web.setup(app, settings)
        srv = TestServer(app, host="127.0.0.1")
        await srv.start_server()
        try:
            from skills.forest import mqtt
            now = datetime.now(timezone.utc).replace(microsecond=0)
            good = [(st.streams["temperature"], {"phenomenonTime": iso(now - timedelta(minutes=i)),
                                                 "result": 25 + i}) for i in range(10)]
            await asyncio.sleep(0.5)  # the subscriber connects in the app's background
            await mqtt.publish(url, good + good[:3] + [
                (st.streams["flame"], {"phenomenonTime": iso(now), "result": 7})])
            async with aiomqtt.Client(**mqtt.broker(url)) as raw:
                await raw.publish(mqtt.topic(st.streams["temperature"], url), b"\xff\xfe", qos=1)
                await raw.publish(mqtt.prefix(url) + "v1.1/Datastreams(x)/Observations",
                                  b'{"result": 1}', qos=1)
            for _ in range(100):
                stored, reasons, _rej = counts(settings.database_url, st.thing_id)
                if stored + sum(reasons.values()) >= 16:
                    break
                await asyncio.sleep(0.1)
            stored, reasons, rejected = counts(settings.database_url, st.thing_id)
            assert stored == 10
            assert reasons == {"duplicate": 3, "out_of_range": 1, "malformed": 1,
                               "unknown_datastream": 1}
            assert rejected == 5  # the unknown topic names no device
        finally:
            await srv.close()


@pytest.mark.asyncio
async def test_odd_input_gets_a_thai_4xx_never_a_500(server, settings):
    st = add_station(settings.database_url, "T-ODD")
    ds = st.streams["temperature"]
    status, body, _ = await post(server, ds, {"result": 10 ** 400}, st.secret)
    assert status == 422 and body["reason"] == "malformed"
    status, body, _ = await post(server, ds, {"result": 1, "phenomenonTime":
                                              "9999-12-31T23:59:59-12:00"}, st.secret)
    assert status == 422 and body["reason"] in ("bad_time", "future")
    status, body, _ = await post(server, ds, None, st.secret, raw=b"\xff\xfe\x00")
    assert status == 422 and body["reason"] == "malformed"
    status, body, _ = await post(server, "\u0661\u0662", {"result": 1}, st.secret)
    assert status == 404 and body["reason"] == "unknown_datastream"
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/forest/charts/\u00b2.png")) as r:
            assert r.status == 400 and "รหัส" in (await r.json())["error"]
        async with http.post(server.make_url("/api/forest/hotspots"), data=b"a\x00b",
                             headers={"Authorization": "Bearer nope"}) as r:
            # no agency API key issued in this database: the agency API is off
            assert r.status == 503 and "กุญแจ API" in (await r.json())["error"]

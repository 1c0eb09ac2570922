"""Alarms: one active alarm per station and type even when many readings arrive at once
(SQLite and PostgreSQL), the ThingsBoard lifecycle through the agency API, offline stations,
and subscribers of an area told of new and cleared alarms once each."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app.web.app import errors_and_headers
from bot.kernel import notify
from bot.kernel.db import session_factory, upgrade
from skills.forest import alarms, ingest, service
from skills.forest import web as forest_web
from skills.forest.dbutil import in_transaction
from skills.forest.models import Alarm
from tests.app.forest_env import add_station, make_settings, postgres_url
from tests.keys import add_key


def iso(t: datetime) -> str:
    return t.isoformat()


def burst(url: str, station, n: int = 24) -> None:
    """``n`` threads send flame and smoke readings at the same moment."""
    factory = session_factory(url)
    start = threading.Barrier(n)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    errors = []

    def one(i: int) -> None:
        items = [(station.streams["flame"], {"phenomenonTime": iso(now - timedelta(seconds=i)),
                                             "result": 1}),
                 (station.streams["smoke_pm25"], {"phenomenonTime": iso(now - timedelta(seconds=i)),
                                                  "result": 400 + i})]
        start.wait()
        try:
            in_transaction(factory, lambda s: ingest.ingest(s, items, channel="http"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def alarm_rows(url: str) -> list[tuple[str, str, int]]:
    with session_factory(url).begin() as s:
        return [(a.type, a.status, a.repeats) for a in s.scalars(select(Alarm).order_by(Alarm.type))]


def test_many_readings_at_once_make_exactly_one_alarm_per_type_on_sqlite(tmp_path):
    settings = make_settings(tmp_path)
    st = add_station(settings.database_url, "T-RACE", props=("flame", "smoke_pm25"))
    with session_factory(settings.database_url).begin() as s:
        service.subscribe_point(s, "web:watcher", 18.85, 98.92)
    burst(settings.database_url, st)
    rows = alarm_rows(settings.database_url)
    assert [(t, s) for t, s, _ in rows] == [("flame", "ACTIVE_UNACK"), ("smoke", "ACTIVE_UNACK")]
    assert sum(r for *_x, r in rows) == 2 * 24 - 2  # every other reading updated the alarm
    with session_factory(settings.database_url).begin() as s:
        assert len(notify.pending(s, "web:watcher")) == 2  # told once per alarm


def test_many_readings_at_once_make_exactly_one_alarm_per_type_on_postgresql():
    with postgres_url() as url:
        upgrade(url)
        st = add_station(url, "T-RACE-PG", props=("flame", "smoke_pm25"))
        burst(url, st, n=16)
        assert [(t, s) for t, s, _ in alarm_rows(url)] == [("flame", "ACTIVE_UNACK"),
                                                           ("smoke", "ACTIVE_UNACK")]


def test_subscribers_get_new_and_cleared_alarms_once_each(tmp_path):
    settings = make_settings(tmp_path)
    url = settings.database_url
    st = add_station(url, "T-PUSH", lat=18.85, lon=98.92)
    factory = session_factory(url)
    with factory.begin() as s:
        service.subscribe_point(s, "line:U1", 18.851, 98.921)   # radius around a point
        code = service.district_of(18.85, 98.92)
        service.subscribe_district(s, "web:district", *code)   # the whole district
        service.subscribe_district(s, "line:U1", *code)        # both: still told once
        service.subscribe_point(s, "fb:far", 13.75, 100.5)      # Bangkok: not told
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for minutes, flame in ((3, 1), (2, 1), (1, 0), (0, 0)):
        with factory.begin() as s:
            ingest.ingest(s, [(st.streams["flame"], {"phenomenonTime": iso(now - timedelta(
                minutes=minutes)), "result": flame})])
    with factory.begin() as s:
        by_sender = {who: [n.kind for n in notify.pending(s, who)]
                     for who in ("line:U1", "web:district", "fb:far")}
        texts = [n.text for n in notify.pending(s, "line:U1")]
    assert by_sender == {"line:U1": ["forest.alarm_new", "forest.alarm_cleared"],
                         "web:district": ["forest.alarm_new", "forest.alarm_cleared"],
                         "fb:far": []}
    assert "เปลวไฟ" in texts[0] and "1362" in texts[0] and "ยกเลิกแจ้งเตือน" in texts[1]
    assert alarm_rows(url) == [("flame", "CLEARED_UNACK", 1)]


def test_a_silent_station_raises_an_offline_alarm_that_clears_when_it_reports(tmp_path):
    settings = make_settings(tmp_path)
    url = settings.database_url
    st = add_station(url, "T-QUIET", interval_s=600)
    factory = session_factory(url)
    now = datetime.now(timezone.utc)
    with factory.begin() as s:
        assert alarms.check_offline(s, now) == []  # just registered
    with factory.begin() as s:
        raised = alarms.check_offline(s, now + timedelta(minutes=31))
        assert [a.type for a in raised] == ["offline"]
        assert alarms.check_offline(s, now + timedelta(minutes=40)) == []  # still one
    with factory.begin() as s:
        ingest.ingest(s, [(st.streams["temperature"], {"result": 25})])
    assert alarm_rows(url) == [("offline", "CLEARED_UNACK", 1)]


@pytest_asyncio.fixture
async def staff_server(tmp_path):
    settings = make_settings(tmp_path)
    app = web.Application(middlewares=[errors_and_headers])
    forest_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv, settings
    await srv.close()


@pytest.mark.asyncio
async def test_agency_acknowledges_and_clears_through_the_api_with_its_key(staff_server):
    srv, settings = staff_server
    url = settings.database_url
    st = add_station(url, "T-ACK")  # in the park: DNP's
    add_key(url, "dnp-key", "DNP", ["forest"])
    add_key(url, "rfd-key", "RFD", ["forest", "police"])
    add_key(url, "dlt-key", "DLT", ["forest"])  # not a forest agency
    add_key(url, "dnp-police-key", "DNP", ["police"])
    with session_factory(url).begin() as s:
        ingest.ingest(s, [(st.streams["flame"], {"result": 1})])
        alarm_id = s.scalar(select(Alarm.id))

    async with aiohttp.ClientSession() as http:
        async def call(method, path, key):
            async with http.request(method, srv.make_url(path),
                                    headers={"Authorization": f"Bearer {key}"}) as r:
                return r.status, await r.json()
        assert (await call("GET", "/api/forest/alarms", "wrong"))[0] == 401
        assert (await call("GET", "/api/forest/alarms", "dnp-police-key"))[0] == 403
        status, body = await call("GET", "/api/forest/alarms", "dlt-key")
        assert status == 403 and "DLT" in body["error"]
        status, body = await call("GET", "/api/forest/alarms", "dnp-key")
        assert status == 200 and [a["type"] for a in body["alarms"]] == ["flame"]
        assert (await call("GET", "/api/forest/alarms", "rfd-key"))[1]["alarms"] == []
        assert (await call("POST", f"/api/forest/alarms/{alarm_id}/ack", "rfd-key"))[0] == 404
        status, body = await call("POST", f"/api/forest/alarms/{alarm_id}/ack", "dnp-key")
        assert body["status"] == "ACTIVE_ACK" and body["acknowledged"] and not body["cleared"]
        status, body = await call("POST", f"/api/forest/alarms/{alarm_id}/clear", "dnp-key")
        assert body["status"] == "CLEARED_ACK" and body["clearTs"]
        status, body = await call("POST", f"/api/forest/alarms/{alarm_id}/clear", "dnp-key")
        assert status == 200 and body["status"] == "CLEARED_ACK"  # a repeat is harmless
        assert (await call("POST", "/api/forest/alarms/abc/ack", "dnp-key"))[0] == 400
    # after a clear the same condition makes a new alarm
    with session_factory(url).begin() as s:
        ingest.ingest(s, [(st.streams["flame"], {"result": 1, "phenomenonTime":
                                                 datetime.now(timezone.utc).isoformat()})])
        assert s.scalar(select(func.count(Alarm.id))) == 2

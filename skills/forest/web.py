"""Pages and APIs of the forest skill, mounted by the app (``setup(app, settings)``).

SensorThings ingest (service root ``/api/forest/v1.1``; each device sends
``Authorization: Bearer <device secret>``):

* ``POST /api/forest/v1.1/Datastreams(<id>)/Observations``: one Observation (201, ``Location``
  header; a re-sent one 200 with the stored id; a rejected one 422 with its reason, kept), or a
  JSON array of them (200, one result per item, in order)

Agency APIs (``Authorization: Bearer <agency API key>``, a key of the product's store
``bot.kernel.apikeys`` scoped to ``forest`` and issued to a forest agency of
``data/agencies.yml``, e.g. ``python -m bot.app.console create-key --agency DNP --services
forest``; an agency sees and changes only its own alarms and reports):

* ``GET /api/forest/alarms``; ``POST /api/forest/alarms/<id>/ack`` and ``…/clear``
* ``GET /api/forest/reports``: fire reports routed to the agency
* ``POST /api/forest/hotspots``: a NASA FIRMS CSV (VIIRS or MODIS) to import

Public: ``GET /forest/`` (status page of the pilot area), ``/forest/map.svg``,
``/forest/charts/<datastream>.png``, ``GET /api/forest/stations``, ``/api/forest/map.geojson``.

In one web app of the deployment (``cleanup_ctx``, under the lease ``forest``:
``bot.kernel.lease``): the MQTT subscriber when ``forest_mqtt_url`` is set, the offline check
every minute, and with demo data the synthetic pilot stations and their simulator (over MQTT
when a broker is configured, else over this HTTP API).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.kernel import apikeys, lease
from bot.kernel.db import session_factory, utcnow

from . import alarms, chart, config, firms, ingest, mqtt, page, pilot, simulator
from .config import texts
from .dbutil import in_transaction
from .models import FireReport, Observation, Thing

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
MAX_BATCH = 1000
ROOT = "/api/forest/v1.1"
OFFLINE_CHECK_S = 60.0


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))


def _error(status: int, key: str, **values: Any) -> web.Response:
    return _json({"error": texts(f"reasons.{key}", **values)}, status)


def _bearer(request: web.Request) -> str:
    raw = request.headers.get("Authorization", "")
    return raw[7:].strip() if raw[:7].lower() == "bearer " else ""


def setup(app: web.Application, settings) -> None:
    """Add the skill's routes and background work to the app."""
    factory = session_factory(settings.database_url)
    gate = apikeys.Gate(settings.database_url, "forest")
    # one persistent MQTT session per installation (QoS 1 messages wait while it restarts)
    client_id = "forest-" + hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]

    def run(fn, *args):
        return asyncio.to_thread(in_transaction, factory, fn, *args)

    async def read_body(request: web.Request) -> bytes | web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, "too_large", kb=MAX_BODY // 1024)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _error(413, "too_large", kb=MAX_BODY // 1024)
        return body

    async def post_observations(request: web.Request) -> web.Response:
        ref = request.match_info["ref"]
        secret = _bearer(request) or request.headers.get("X-Device-Key", "")
        body = await read_body(request)
        if isinstance(body, web.Response):
            return body
        try:
            doc = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            doc = None
        batch = isinstance(doc, list)
        if batch and len(doc) > MAX_BATCH:
            return _error(413, "batch_size", max=MAX_BATCH)

        def work(session):
            thing = ingest.thing_by_secret(session, secret)
            if thing is None:
                return None
            items = doc if batch else [doc if doc is not None else body.decode("utf-8",
                                                                                "replace")]
            return ingest.ingest(session, [(ref, item) for item in items], channel="http",
                                 thing=thing)
        outcomes = await run(work)
        if outcomes is None:
            return _error(401, "unauthorized")

        def result(o: ingest.Outcome) -> dict[str, Any]:
            if o.stored:
                return {"@iot.id": o.observation_id,
                        "@iot.selfLink": f"{settings.public_base_url}{ROOT}/Observations"
                                         f"({o.observation_id})",
                        "status": o.status}
            return {"error": texts("reasons.rejected",
                                   reason=texts(f"reject_reasons.{o.reason}")),
                    "reason": o.reason, "status": o.status}
        if batch:
            return _json({"value": [result(o) for o in outcomes]})
        o = outcomes[0]
        if not o.stored:
            return _json(result(o), 404 if o.reason == "unknown_datastream" else 422)
        return _json(result(o), 201 if o.status == "created" else 200,
                     headers={"Location": result(o)["@iot.selfLink"]})

    async def agency_call(request: web.Request, fn) -> web.Response:
        """``fn(session, agency)`` for a forest agency's key, else its refusal."""
        found = await gate.check(request.headers.get("Authorization"))
        if isinstance(found, apikeys.Refusal):
            return _json({"error": found.reason}, found.status)
        if found.agency not in config.agencies():
            return _error(403, "not_forest_agency", agency=found.agency)
        out = await run(fn, found.agency)
        return out if isinstance(out, web.Response) else _json(out)

    async def list_alarms(request: web.Request) -> web.Response:
        return await agency_call(request, lambda s, agency: {
            "alarms": [alarms.as_dict(a) for a in alarms.active(s, agency)]})

    def alarm_change(change):
        async def handler(request: web.Request) -> web.Response:
            raw = request.match_info["id"]
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
                return _error(400, "bad_id")

            def fn(session, agency):
                alarm = change(session, int(raw), agency)
                return _error(404, "not_found") if alarm is None else alarms.as_dict(alarm)
            return await agency_call(request, fn)
        return handler

    async def list_reports(request: web.Request) -> web.Response:
        def fn(session, agency):
            q = select(FireReport).order_by(FireReport.id.desc()).limit(200)
            rows = [r for r in session.scalars(q) if agency in r.agency.split("+")]
            return {"reports": [{"case": r.case_number, "latitude": r.latitude,
                                 "longitude": r.longitude, "place": r.place,
                                 "photo_url": r.photo_url, "agency": r.agency,
                                 "created_at": r.created_at} for r in rows]}
        return await agency_call(request, fn)

    async def import_hotspots(request: web.Request) -> web.Response:
        body = await read_body(request)
        if isinstance(body, web.Response):
            return body

        def fn(session, _agency):
            try:
                res = firms.import_csv(session, body.decode("utf-8", "replace"), "upload")
            except firms.FirmsError as exc:
                return _json({"error": f"ไฟล์ไม่ใช่ CSV ของ NASA FIRMS ({exc})"}, 400)
            return {"read": res.read, "stored": res.stored, "replaced": res.replaced,
                    "duplicates": res.duplicates, "skipped": res.skipped}
        return await agency_call(request, fn)

    async def stations_api(_request: web.Request) -> web.Response:
        return _json({"stations": await run(page.station_rows, utcnow())})

    async def map_geojson(_request: web.Request) -> web.Response:
        from .maps import forest_map
        return _json(await asyncio.to_thread(lambda: forest_map().geojson()))

    async def status_page(_request: web.Request) -> web.Response:
        html = await run(page.status_html, utcnow())
        return web.Response(text=html, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})

    async def css(_request: web.Request) -> web.Response:
        return web.Response(text=page.CSS, content_type="text/css",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def map_svg(_request: web.Request) -> web.Response:
        svg = await run(page.map_svg, utcnow())
        return web.Response(text=svg, content_type="image/svg+xml",
                            headers={"Cache-Control": "no-store"})

    async def chart_png(request: web.Request) -> web.Response:
        raw, end_raw = request.match_info["id"], request.query.get("end", "")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            return _error(400, "bad_id")
        try:
            end = (datetime.fromtimestamp(int(end_raw), timezone.utc) if end_raw
                   else utcnow())
        except (ValueError, OverflowError, OSError):
            return _error(400, "bad_id")
        s = await run(chart.series, int(raw), end)
        if s is None:
            return _error(404, "datastream")
        label = config.properties()[s.key]["name"]
        png = await asyncio.to_thread(chart.png, s, label)
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "public, max-age=300"})

    def loops() -> list:
        found = [offline_loop()]
        if settings.forest_mqtt_url:
            found.append(mqtt.subscribe_forever(settings.forest_mqtt_url, handle_mqtt,
                                                client_id=client_id))
        if settings.demo_data:
            found.append(start_demo())
        return found

    async def background(app: web.Application):
        # once per deployment, not once per web app: the subscriber's client id is the
        # deployment's, and two simulators would send every reading twice
        task = asyncio.create_task(lease.only_one(factory, "forest", loops))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def handle_mqtt(batch: list[tuple[str, Any]]) -> None:
        await run(lambda s: ingest.ingest(s, batch, channel="mqtt"))

    async def offline_loop() -> None:
        while True:
            await asyncio.sleep(OFFLINE_CHECK_S)
            try:
                await run(alarms.check_offline)
            except Exception:  # a missing table or a busy database: try again next minute
                log.exception("forest offline check failed")

    async def start_demo() -> None:
        try:
            await asyncio.sleep(1.0)  # let the server start listening first
            secrets, stations = await run(seed_demo)
            await demo_loop(secrets, stations)
        except asyncio.CancelledError:
            raise
        except IntegrityError:  # another web app seeded the pilot at the same moment: it
            log.info("the forest demo runs in another web app")  # runs the simulator
        except Exception:
            log.exception("forest demo could not start")

    def seed_demo(session):
        secrets = pilot.seed_demo(session)
        streams = pilot.streams_of(session)
        plans = {st.name: st for st in pilot.demo_stations()}
        things = {t.id: t for t in session.scalars(select(Thing).where(
            Thing.source == pilot.SYNTHETIC))}
        sims = [simulator.SimStation(i, plans.get(things[tid].name, plans["DSP-01"]).elevation_m,
                                     streams[tid])
                for i, tid in enumerate(sorted(streams), start=1)]
        start = utcnow()
        scenario = simulator.Scenario(start)
        # a day of history (at 30-minute steps, before the dry spell) so charts have a line
        history = simulator.Scenario(start + timedelta(days=2))
        backfill = ingest.Ingest(session, start)
        fresh = session.scalar(select(Observation.id).limit(1)) is None
        t = start - timedelta(hours=24) if fresh else start  # a restart keeps its history
        while t < start:
            for ds, obs in simulator.observations(sims, t, history):
                backfill.one(ds, obs, channel="demo")
            t += timedelta(minutes=30)
        firms.import_csv(session, firms.demo_csv(start.date()), "synthetic-demo")
        owner = {ds: tid for tid, ks in streams.items() for ds in ks.values()}
        return {ds: secrets.get(tid, "") for ds, tid in owner.items()}, (sims, scenario)

    async def demo_loop(secrets: dict[int, str], plan) -> None:
        """Send the simulator's readings: ``secrets`` maps datastream id → its device secret."""
        sims, scenario = plan
        if settings.forest_mqtt_url:
            async def send(batch):
                await mqtt.publish(settings.forest_mqtt_url, batch)
        else:
            base = f"http://{settings.app_host}:{settings.app_port}{ROOT}"
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))

            async def send(batch):
                by_ds: dict[int, list] = {}
                for ds, obs in batch:
                    by_ds.setdefault(ds, []).append(obs)
                for ds, items in by_ds.items():
                    async with session.post(f"{base}/Datastreams({ds})/Observations", json=items,
                                            headers={"Authorization":
                                                     f"Bearer {secrets[ds]}"}) as r:
                        await r.read()
        sim = simulator.Simulator(sims, send, scenario, interval=60.0)
        try:
            await sim.run()
        finally:
            if not settings.forest_mqtt_url:
                await session.close()

    app.cleanup_ctx.append(background)
    app.router.add_post(ROOT + "/Datastreams({ref})/Observations", post_observations)
    app.router.add_get("/api/forest/alarms", list_alarms)
    app.router.add_post("/api/forest/alarms/{id}/ack", alarm_change(alarms.acknowledge))
    app.router.add_post("/api/forest/alarms/{id}/clear", alarm_change(alarms.staff_clear))
    app.router.add_get("/api/forest/reports", list_reports)
    app.router.add_post("/api/forest/hotspots", import_hotspots)
    app.router.add_get("/api/forest/stations", stations_api)
    app.router.add_get("/api/forest/map.geojson", map_geojson)
    app.router.add_get("/forest/", status_page)
    app.router.add_get("/forest/page.css", css)
    app.router.add_get("/forest/map.svg", map_svg)
    app.router.add_get("/forest/charts/{id}.png", chart_png)

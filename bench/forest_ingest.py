"""Forest figures: sustained ingest rate over HTTP batches and over MQTT (a real Mosquitto),
and the delay from a reading to the subscriber's notification (p50/p95).

    .venv/bin/python bench/forest_ingest.py        (app runtime; about 1 minute)

A temporary SQLite database with the 24 synthetic pilot stations (labelled synthetic), the
forest web routes and MQTT subscriber on loopback (the app's own code, as in production), and
the broker on 127.0.0.1:1883 (or a private Mosquitto when none answers), under a topic prefix
of its own so nobody else's messages mix in.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.kernel import notify  # noqa: E402
from bot.kernel.db import session_factory  # noqa: E402
from skills.forest import mqtt, pilot, service  # noqa: E402
from skills.forest import web as forest_web  # noqa: E402
from skills.forest.models import Observation  # noqa: E402
from tests.app.forest_env import make_settings, mosquitto  # noqa: E402

HTTP_SECONDS = 10
BATCH = 100
CLIENTS = 4
MQTT_MESSAGES = 3000
TRIALS = 20


def stored(factory) -> int:
    with factory.begin() as s:
        return s.scalar(select(func.count(Observation.id)))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def main() -> None:
    with mosquitto() as broker:
        url = f"{broker}/forest-bench-{secrets.token_hex(4)}"
        settings = make_settings(Path(tempfile.mkdtemp()), FOREST_MQTT_URL=url)
        factory = session_factory(settings.database_url)
        with factory.begin() as s:
            regs = [pilot.register(s, st, source=pilot.SYNTHETIC) for st in pilot.demo_stations()]
        app = web.Application()
        forest_web.setup(app, settings)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}/api/forest/v1.1"
        await asyncio.sleep(0.5)
        start = datetime.now(timezone.utc) - timedelta(days=1)
        print("forest ingest (SQLite, 24 synthetic stations, this machine)")

        # --- HTTP batches: CLIENTS concurrent devices posting BATCH observations each time
        counter = iter(range(10**9))

        async def device(http, reg):
            thing, streams, secret = reg
            ds = streams["temperature"]
            end = time.perf_counter() + HTTP_SECONDS
            while time.perf_counter() < end:
                items = [{"phenomenonTime": (start + timedelta(seconds=next(counter))).isoformat(),
                          "result": 25.0} for _ in range(BATCH)]
                async with http.post(f"{base}/Datastreams({ds})/Observations", json=items,
                                     headers={"Authorization": f"Bearer {secret}"}) as r:
                    assert r.status == 200, await r.text()
        before = stored(factory)
        t0 = time.perf_counter()
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(device(http, regs[i]) for i in range(CLIENTS)))
        n = stored(factory) - before
        print(f"  HTTP batch ({CLIENTS} clients x {BATCH}/request): {n / (time.perf_counter() - t0):7.0f} obs/s"
              f"  ({n} stored)")

        # --- MQTT: one publisher, QoS 1, until everything is stored
        thing, streams, _secret = regs[CLIENTS]
        items = [(streams["air_humidity"], {"phenomenonTime": (
            start + timedelta(seconds=i)).isoformat(), "result": 50.0})
            for i in range(MQTT_MESSAGES)]
        before = stored(factory)
        t0 = time.perf_counter()
        await mqtt.publish(url, items)
        while stored(factory) - before < MQTT_MESSAGES and time.perf_counter() - t0 < 120:
            await asyncio.sleep(0.05)
        n = stored(factory) - before
        print(f"  MQTT QoS 1 (1 publisher):               {n / (time.perf_counter() - t0):7.0f} obs/s"
              f"  ({n} of {MQTT_MESSAGES} stored)")

        # --- reading → subscriber notification (a flame alarm raised, then cleared)
        reg = regs[CLIENTS + 1]
        _thing, streams, secret = reg
        with factory.begin() as s:
            loc = pilot.demo_stations()[CLIENTS + 1]
            service.subscribe_point(s, "web:bench", loc.lat, loc.lon)

        async def delay(send) -> float:
            with factory.begin() as s:
                seen = {n.id for n in notify.pending(s, "web:bench", limit=10000)}
            t_send = datetime.now(timezone.utc)
            await send(1)
            while True:
                with factory.begin() as s:
                    new = [n for n in notify.pending(s, "web:bench", limit=10000)
                           if n.id not in seen]
                if new:
                    made = new[0].created_at.replace(tzinfo=timezone.utc)
                    await send(0)  # clear, so the next reading raises a new alarm
                    await asyncio.sleep(0.2)
                    return (made - t_send).total_seconds() * 1000
                await asyncio.sleep(0.002)

        async with aiohttp.ClientSession() as http:
            async def over_http(flame: int) -> None:
                obs = {"phenomenonTime": datetime.now(timezone.utc).isoformat(), "result": flame}
                async with http.post(f"{base}/Datastreams({streams['flame']})/Observations",
                                     data=json.dumps(obs),
                                     headers={"Authorization": f"Bearer {secret}"}) as r:
                    await r.read()

            async def over_mqtt(flame: int) -> None:
                await mqtt.publish(url, [(streams["flame"], {
                    "phenomenonTime": datetime.now(timezone.utc).isoformat(), "result": flame})])

            for name, send in (("HTTP", over_http), ("MQTT", over_mqtt)):
                ms = [await delay(send) for _ in range(TRIALS)]
                print(f"  reading → notification queued, {name}:   p50 {pct(ms, .5):6.1f} ms   "
                      f"p95 {pct(ms, .95):6.1f} ms  ({TRIALS} alarms)")
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

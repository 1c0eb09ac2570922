"""Synthetic readings for the pilot stations: daily cycles, a dry spell and a fire event.

Everything here is SYNTHETIC and labelled so (the stations' source is "synthetic-demo").
``reading(station, key, t, scenario)`` is a pure function of time, so a test can ask what a
station says at any moment; ``Simulator`` sends the current readings every ``interval`` seconds
through a ``send(datastream_id, observation)`` coroutine: MQTT when a broker is configured,
else HTTP to the app's own ingest API (the same paths real devices use).

Scenario (relative to ``start``): normal weather, then a dry spell ramping in over
``dry_after``…``dry_after + dry_ramp``, and a fire next to one station from ``fire_at`` for
``fire_for`` (flame on, smoke up, humidity down), after which it is put out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

log = logging.getLogger(__name__)
BANGKOK = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Scenario:
    start: datetime
    dry_after: timedelta = timedelta(minutes=10)
    dry_ramp: timedelta = timedelta(minutes=20)
    fire_at: timedelta = timedelta(minutes=25)
    fire_for: timedelta = timedelta(minutes=20)
    fire_station: int = 7  # index in the station list (DSP-07)

    def dryness(self, t: datetime) -> float:
        """0 (normal) … 1 (deep dry spell)."""
        x = (t - self.start - self.dry_after) / self.dry_ramp
        return max(0.0, min(1.0, x))

    def burning(self, t: datetime, station_index: int) -> bool:
        return (station_index == self.fire_station
                and self.fire_at <= t - self.start < self.fire_at + self.fire_for)


def reading(index: int, elevation_m: float, key: str, t: datetime, scenario: Scenario) -> float:
    """One station's value of ``key`` at ``t`` (deterministic per station and minute)."""
    local = t.astimezone(BANGKOK)
    hour = local.hour + local.minute / 60
    day = math.sin((hour - 9) / 24 * 2 * math.pi)  # +1 about 15:00, −1 about 03:00
    dry = scenario.dryness(t)
    fire = scenario.burning(t, index)
    rng = random.Random(hash((index, key, int(t.timestamp() // 60))) & 0xFFFFFFFF)
    noise = rng.uniform(-1, 1)
    lapse = (elevation_m - 350) / 1000 * 6.5
    if key == "temperature":
        v = 27 - lapse + 7 * day + 5 * dry + (6 if fire else 0) + 0.4 * noise
    elif key == "air_humidity":
        v = 70 - 22 * day - 35 * dry - (15 if fire else 0) + 2 * noise + lapse
    elif key == "wind_speed":
        v = 1.5 + 1.2 * max(0.0, day) + 2.5 * dry + (3 if fire else 0) + 0.3 * noise
    elif key == "smoke_pm25":
        v = 22 + 10 * (1 - day) + 25 * dry + (380 if fire else 0) + 3 * noise
    elif key == "flame":
        return 1.0 if fire else 0.0
    elif key == "soil_moisture":
        v = 32 - 18 * dry + 0.5 * noise
    elif key == "ndvi":
        v = 0.78 - 0.12 * dry - (0.2 if fire else 0) + 0.01 * noise
    else:
        raise KeyError(key)
    lo, hi = {"air_humidity": (5, 100), "soil_moisture": (2, 100), "ndvi": (-1, 1)}.get(
        key, (0, 1e9))
    return round(max(lo, min(hi, v)), 2)


@dataclass(frozen=True)
class SimStation:
    index: int
    elevation_m: float
    streams: dict[str, int]  # property key → datastream id


def observations(stations: list[SimStation], t: datetime,
                 scenario: Scenario) -> list[tuple[int, dict]]:
    """Every datastream's observation at ``t``: ``(datastream id, SensorThings observation)``."""
    when = t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return [(ds, {"phenomenonTime": when, "result": reading(s.index, s.elevation_m, key, t,
                                                              scenario)})
            for s in stations for key, ds in sorted(s.streams.items())]


Send = Callable[[list[tuple[int, dict]]], Awaitable[None]]


class Simulator:
    """Sends the stations' readings every ``interval`` seconds until cancelled."""

    def __init__(self, stations: list[SimStation], send: Send, scenario: Scenario,
                 interval: float = 60.0):
        self.stations, self.send, self.scenario, self.interval = (stations, send, scenario,
                                                                  interval)
        self.sent = 0

    async def run(self) -> None:
        while True:
            now = datetime.now(timezone.utc).replace(microsecond=0)
            batch = observations(self.stations, now, self.scenario)
            try:
                await self.send(batch)
                self.sent += len(batch)
            except Exception as exc:  # a broker or server hiccup must not stop the demo
                log.warning("simulator send failed: %s", exc)
            await asyncio.sleep(self.interval)

"""The pilot area: registering stations (Thing, Location, Datastreams) and the synthetic demo set.

Pilot forest: Doi Suthep–Pui National Park and the reserved forest around it, west of Chiang Mai
city (why: README). The demo stations are SYNTHETIC (``source = "synthetic-demo"``): placed by a
seeded random draw inside the synthetic agency zones, never real devices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.kernel.geo import admin_at

from . import config
from .ingest import hash_secret, new_secret
from .maps import forest_map
from .models import Datastream, Location, ObservedProperty, Sensor, Thing

SYNTHETIC = "synthetic-demo"
ALL = ("air_humidity", "temperature", "wind_speed", "smoke_pm25", "flame", "soil_moisture", "ndvi")
BASIC = ("air_humidity", "temperature", "smoke_pm25", "flame", "soil_moisture")
SENSORS = {  # generic instrument descriptions (no brand claims)
    "air_humidity": "capacitive humidity sensor", "temperature": "thermistor air temperature",
    "wind_speed": "cup anemometer", "smoke_pm25": "laser-scattering PM2.5 sensor",
    "flame": "infrared flame detector", "soil_moisture": "capacitive soil moisture probe",
    "ndvi": "two-band canopy reflectance (NDVI) sensor"}


@dataclass(frozen=True)
class Station:
    """A station's plan: name, point, elevation (m) and properties measured."""

    name: str
    lat: float
    lon: float
    elevation_m: float
    properties: tuple[str, ...]


def ensure_properties(session: Session) -> dict[str, int]:
    """The ObservedProperty and Sensor rows for every configured property (created once)."""
    ids = {}
    for key, p in config.properties().items():
        prop = session.scalars(select(ObservedProperty).where(ObservedProperty.key == key)).first()
        if prop is None:
            prop = ObservedProperty(key=key, name=p["name"], definition=p["definition"],
                                    description=p["name_th"])
            session.add(prop)
        sensor_name = SENSORS.get(key, key)
        if session.scalars(select(Sensor).where(Sensor.name == sensor_name)).first() is None:
            session.add(Sensor(name=sensor_name, description=sensor_name))
        session.flush()
        ids[key] = prop.id
    return ids


def register(session: Session, station: Station, *, secret: str | None = None,
             interval_s: int = 600, source: str = "") -> tuple[Thing, dict[str, int], str]:
    """Register a station: Thing (secret hashed), Location (placed in district and agency zone),
    one Datastream per property. Returns the thing, property → datastream id, and the secret."""
    props = ensure_properties(session)
    secret = secret or new_secret()
    area = admin_at(station.lat, station.lon)
    managed = forest_map().at(station.lat, station.lon)
    thing = Thing(name=station.name, description=f"forest station {station.name}",
                  properties={"elevation_m": station.elevation_m},
                  secret_hash=hash_secret(secret), expected_interval_s=interval_s,
                  agency=managed.agencies[0] if managed.agencies else "", source=source)
    session.add(thing)
    session.flush()
    session.add(Location(thing_id=thing.id, name=station.name,
                         description=managed.primary.name_th if managed.primary else "",
                         latitude=station.lat, longitude=station.lon,
                         district_code=(area.code or "")[:6] if area else "",
                         district_th=area.district_th if area else "",
                         province_th=area.province_th if area else ""))
    streams = {}
    for key in station.properties:
        p = config.properties()[key]
        sensor_id = session.scalar(select(Sensor.id).where(Sensor.name == SENSORS.get(key, key)))
        ds = Datastream(name=f"{station.name} {p['name']}", description=p["name_th"],
                        thing_id=thing.id, sensor_id=sensor_id, observed_property_id=props[key],
                        unit_name=p["unit"]["name"], unit_symbol=p["unit"]["symbol"],
                        unit_definition=p["unit"]["definition"])
        session.add(ds)
        session.flush()
        streams[key] = ds.id
    return thing, streams, secret


def demo_stations(n: int = 24, seed: int = 2026) -> list[Station]:
    """``n`` synthetic stations spread over the pilot zones (most in the park, some in the
    reserved forest, two on the disputed strip), with elevations from a smooth synthetic relief."""
    rng = random.Random(seed)
    fmap = forest_map()
    park = next(z for z in fmap.zones if z.agency == "DNP").geometry
    rfd = [z.geometry for z in fmap.zones if z.agency == "RFD"]
    plan = [(park, n - 8)] + [(rfd[0], 3), (rfd[1], 3)]
    stations: list[Station] = []
    for area, count in plan:
        minx, miny, maxx, maxy = area.bounds
        placed = 0
        while placed < count:
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if area.contains(Point(lon, lat)):
                stations.append(_station(len(stations) + 1, lat, lon))
                placed += 1
    for lat in (18.80, 18.83):  # on the overlap of the park and plot A
        stations.append(_station(len(stations) + 1, lat, 98.8380))
    return stations


def _station(i: int, lat: float, lon: float) -> Station:
    # relief: highest near Doi Pui (about 18.83 N, 98.89 E), falling off to the plain
    d = ((lat - 18.83) ** 2 + (lon - 98.89) ** 2) ** 0.5
    elevation = max(350.0, 1650.0 - d * 12000)
    props = ALL if i % 3 == 1 else BASIC
    return Station(f"DSP-{i:02d}", round(lat, 5), round(lon, 5), round(elevation), props)


def seed_demo(session: Session, n: int = 24) -> dict[int, str]:
    """Register the synthetic stations if none exist; give every synthetic station a fresh secret
    (secrets are stored hashed, so the simulator gets new ones each start). Thing id → secret."""
    secrets: dict[int, str] = {}
    if not session.scalar(select(func.count(Thing.id)).where(Thing.source == SYNTHETIC)):
        for st in demo_stations(n):
            thing, _streams, secret = register(session, st, interval_s=300, source=SYNTHETIC)
            secrets[thing.id] = secret
        return secrets
    for thing in session.scalars(select(Thing).where(Thing.source == SYNTHETIC)):
        secret = new_secret()
        thing.secret_hash = hash_secret(secret)
        secrets[thing.id] = secret
    return secrets


def streams_of(session: Session, source: str = SYNTHETIC) -> dict[int, dict[str, int]]:
    """Thing id → property key → datastream id, for the things of ``source``."""
    rows = session.execute(
        select(Thing.id, ObservedProperty.key, Datastream.id)
        .join(Datastream, Datastream.thing_id == Thing.id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .where(Thing.source == source))
    out: dict[int, dict[str, int]] = {}
    for thing_id, key, ds_id in rows:
        out.setdefault(thing_id, {})[key] = ds_id
    return out

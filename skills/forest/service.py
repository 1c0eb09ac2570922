"""What the forest skill tells citizens: the state of the forest near a point, subscriptions,
fire reports and sensor charts. Plain functions over a session; answers are typed ``Answer``s.

>>> reading_words("temperature", 31.24)
'อุณหภูมิ 31.2 องศาเซลเซียส'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.kernel.answer import Answer, Call, Image, Link, Target, ask
from bot.kernel.db import utcnow
from bot.kernel.geo import admin_at, haversine_m
from bot.kernel.text import BUBBLE_MAX, visible_length

from . import alarms, chart, config, danger, firms
from .config import texts
from .dbutil import aware, insert_ignore
from .maps import forest_map
from .models import (
    Alarm,
    Datastream,
    FireReport,
    Location,
    ObservedProperty,
    Subscription,
    Thing,
)

PROPERTY_ORDER = ("air_humidity", "temperature", "wind_speed", "smoke_pm25", "flame",
                  "soil_moisture", "ndvi")


def chat_setting(name: str) -> Any:
    return config.load("chat")[name]


def reading_words(key: str, value: float) -> str:
    """One reading in Thai words, e.g. ``ความชื้นอากาศ 35 เปอร์เซ็นต์``."""
    if key == "flame":
        return texts("reading_words.flame_on" if value >= 1 else "reading_words.flame_off")
    shown = f"{value:.2f}" if key == "ndvi" else (f"{value:.0f}" if key in (
        "air_humidity", "soil_moisture", "smoke_pm25") else f"{value:.1f}")
    return texts(f"reading_words.{key}", value=shown)


@dataclass(frozen=True)
class Nearby:
    thing: Thing
    location: Location
    distance_m: float


def stations_near(session: Session, lat: float, lon: float, radius_m: float) -> list[Nearby]:
    """Stations within ``radius_m``, nearest first (bounding box in SQL, exact distance after)."""
    d = radius_m / 111_000 + 0.01
    rows = session.execute(select(Thing, Location).join(Location, Location.thing_id == Thing.id)
                           .where(Location.latitude.between(lat - d, lat + d),
                                  Location.longitude.between(lon - 2 * d, lon + 2 * d)))
    near = [Nearby(t, loc, haversine_m(lat, lon, loc.latitude, loc.longitude)) for t, loc in rows]
    return sorted([n for n in near if n.distance_m <= radius_m], key=lambda n: n.distance_m)


def alarms_near(session: Session, lat: float, lon: float, radius_m: float) -> list[Alarm]:
    found = [a for a in alarms.active(session) if a.latitude is not None
             and haversine_m(lat, lon, a.latitude, a.longitude) <= radius_m]
    return found


def agency_lines(lat: float, lon: float) -> list[str]:
    """Who manages the point, and the dispute if two agencies' maps claim it."""
    managed = forest_map().at(lat, lon)
    if not managed.zones:
        return [texts("status.no_agency")]
    lines = []
    for zone in managed.zones:
        agency = config.agencies()[zone.agency]
        lines.append(texts("status.agency", agency=agency["name_th"], zone=zone.name_th,
                           hotline=agency["hotline"]))
    if managed.disputed:
        lines.append(texts("status.dispute"))
    return lines


def bubbles(lines: list[str]) -> list[Answer]:
    """Lines grouped, in order, into answers of at most ``BUBBLE_MAX`` visible characters."""
    groups: list[list[str]] = []
    for line in lines:
        if groups and visible_length("\n".join([*groups[-1], line])) <= BUBBLE_MAX:
            groups[-1].append(line)
        else:
            groups.append([line])
    return [Answer("\n".join(g)) for g in groups]


def status(session: Session, lat: float, lon: float, place: str,
           base_url: str = "", now: datetime | None = None) -> list[Answer]:
    """The forest near a point: nearest station's danger and readings, alarms, hotspots, agency
    (phone-sized bubbles; the last offers what to do next)."""
    now = now or utcnow()
    radius_km = chat_setting("status_radius_km")
    radius = radius_km * 1000
    lines = [texts("status.head", place=place)]
    synthetic = False
    near = stations_near(session, lat, lon, radius)
    if near:
        st = near[0]
        synthetic = st.thing.source.startswith("synthetic")
        latest = alarms.latest_readings(session, st.thing.id, now)
        when = max((t for _v, t in latest.values()), default=None)
        lines.append(texts("status.nearest", name=st.thing.name,
                           km=f"{st.distance_m / 1000:.1f}",
                           time=aware(when).astimezone(chart.BANGKOK).strftime("%H.%M")
                           if when else "-"))
        values = {k: v for k, (v, _t) in latest.items()}
        assessed = danger.assess(values)
        if assessed:
            lines.append(texts("status.danger", words=assessed["class"]["th"],
                               angstrom=f"{assessed['angstrom']:.1f}"))
            if "fosberg" in assessed:
                lines.append(texts("status.danger_fosberg", fosberg=f"{assessed['fosberg']:.0f}",
                                   words=assessed["fosberg_class"]["th"]))
        else:
            lines.append(texts("status.no_danger"))
        if values:
            words = [reading_words(k, values[k]) for k in PROPERTY_ORDER if k in values]
            lines.append(texts("status.readings", readings=" ".join(words)))
        else:
            lines.append(texts("status.no_readings"))
    else:
        lines.append(texts("status.no_station", km=radius_km))
    found = alarms_near(session, lat, lon, radius)
    if found:
        lines.append(texts("status.alarms", count=len(found)))
        described = [alarms.describe(session, a) for a in found[:3]]
        lines += described
    else:
        lines.append(texts("status.no_alarms", km=radius_km))
    days = chat_setting("hotspot_days")
    since = (now.astimezone(chart.BANGKOK) - timedelta(days=days - 1)).date()
    spots = firms.near(session, lat, lon, radius, since)
    if spots:
        lines.append(texts("status.hotspots", km=radius_km, count=len(spots),
                           nearest=f"{spots[0][1] / 1000:.1f}"))
    else:
        lines.append(texts("status.no_hotspots", km=radius_km))
    lines += agency_lines(lat, lon)
    if synthetic:
        lines.append(texts("synthetic_note"))
    choices = [(texts("status.menu_subscribe"), Target("forest_subscribe")),
               (texts("status.menu_report"), Target("forest_report_fire"))]
    if near:
        choices.insert(0, (texts("status.menu_chart"), Target("forest_chart")))
    links = (Link(texts("status.page_link"), f"{base_url}/forest/"),)
    out = bubbles(lines)
    if found:  # the most severe alarm as a card, on the bubble that describes it
        at = next(i for i, a in enumerate(out) if described[0] in a.text)
        out[at] = replace(out[at], card=alarms.card(session, found[0]))
    return [*out, ask(texts("status.next"), choices, links=links)]


def subscribe_point(session: Session, sender: str, lat: float, lon: float) -> Answer:
    """Subscribe a conversation to alarms within the configured radius of a point."""
    km = chat_setting("subscribe_radius_km")
    key = f"point:{lat:.4f},{lon:.4f},{km}"
    new = insert_ignore(session, Subscription, {
        "sender_id": sender, "area_key": key, "area_th": f"{lat:.4f}, {lon:.4f}",
        "district_code": "", "latitude": lat, "longitude": lon, "radius_m": km * 1000.0,
        "created_at": utcnow()}, ["sender_id", "area_key"])
    return Answer(texts("subscribe.done_point", km=km) if new else texts("subscribe.already"))


def subscribe_district(session: Session, sender: str, district_code: str, district_th: str,
                       province_th: str) -> Answer:
    """Subscribe a conversation to alarms in one district (อำเภอ)."""
    new = insert_ignore(session, Subscription, {
        "sender_id": sender, "area_key": f"district:{district_code}",
        "area_th": f"อ.{district_th} จ.{province_th}", "district_code": district_code,
        "created_at": utcnow()}, ["sender_id", "area_key"])
    if not new:
        return Answer(texts("subscribe.already"))
    return Answer(texts("subscribe.done_district", district=district_th, province=province_th))


def unsubscribe(session: Session, sender: str) -> Answer:
    """Remove every area subscription of the conversation."""
    gone = session.execute(delete(Subscription).where(Subscription.sender_id == sender)).rowcount
    return Answer(texts("subscribe.removed", count=gone) if gone else texts("subscribe.none"))


def district_of(lat: float, lon: float) -> tuple[str, str, str] | None:
    """``(code, district, province)`` of a point, ``None`` outside Thailand."""
    area = admin_at(lat, lon)
    if area is None:
        return None
    return (area.code or "")[:6], area.district_th, area.province_th


def emergency_first() -> Answer:
    """The first thing a fire report gets: whom to call now (199, then 1362)."""
    return Answer(texts("report.first"), call=Call("199", "ดับเพลิง"))


def report_fire(session: Session, sender: str, lat: float | None, lon: float | None,
                place: str, photo_url: str = "", request_key: str | None = None
                ) -> tuple[FireReport, Answer]:
    """File a fire report (idempotent per ``request_key``), routed to the managing agency."""
    if request_key:
        old = session.scalars(select(FireReport).where(
            FireReport.request_key == request_key)).first()
        if old is not None:
            return old, _filed(old)
    managed = forest_map().at(lat, lon) if lat is not None and lon is not None else None
    report = FireReport(sender_id=sender, latitude=lat, longitude=lon, place=place[:300],
                        photo_url=photo_url[:500],
                        agency="+".join(managed.agencies) if managed else "",
                        request_key=request_key)
    session.add(report)
    session.flush()
    return report, _filed(report)


def _filed(report: FireReport) -> Answer:
    where = report.place or texts("report.point_words", lat=f"{report.latitude:.5f}",
                                  lon=f"{report.longitude:.5f}")
    codes = [a for a in report.agency.split("+") if a]
    if not codes:
        return Answer(texts("report.filed_outside", case=report.case_number, place=where),
                      call=Call("199", "ดับเพลิง"))
    agencies = config.agencies()
    names = " และ".join(agencies[c]["name_th"] for c in codes)
    hotlines = " หรือ ".join(agencies[c]["hotline"] for c in codes)
    return Answer(texts("report.filed", case=report.case_number, place=where, agency=names,
                        hotline=hotlines),
                  call=Call(agencies[codes[0]]["hotline"], agencies[codes[0]]["name_th"]))


def attach_photo(session: Session, sender: str, url: str) -> Answer | None:
    """Attach a photo to the conversation's latest fire report (within an hour)."""
    report = session.scalars(select(FireReport).where(FireReport.sender_id == sender)
                             .order_by(FireReport.id.desc())).first()
    if report is None or utcnow() - aware(report.created_at) > timedelta(hours=1):
        return None
    report.photo_url = url[:500]
    return Answer(texts("report.photo_added", case=report.case_number))


def chart_answer(session: Session, lat: float, lon: float, key: str, base_url: str,
                 now: datetime | None = None) -> Answer:
    """A 24-hour chart of the nearest station's ``key`` datastream, with its numbers in words."""
    now = (now or utcnow()).replace(microsecond=0)
    near = stations_near(session, lat, lon, chat_setting("status_radius_km") * 1000)
    if not near:
        return Answer(texts("status.no_station", km=chat_setting("status_radius_km")))
    st = near[0]
    streams = dict(session.execute(
        select(ObservedProperty.key, Datastream.id)
        .join(Datastream, Datastream.observed_property_id == ObservedProperty.id)
        .where(Datastream.thing_id == st.thing.id)).all())
    key = key if key in streams else next(k for k in PROPERTY_ORDER if k in streams)
    prop = config.properties()[key]["name_th"]
    s = chart.series(session, streams[key], now, chat_setting("chart_hours"))
    numbers = s.summary() if s else None
    if numbers is None:
        return Answer(texts("chart.none", station=st.thing.name, prop=prop))
    note = (" " + texts("synthetic_note")) if st.thing.source.startswith("synthetic") else ""
    url = f"{base_url}/forest/charts/{streams[key]}.png?end={int(now.timestamp())}"
    return Answer(texts("chart.text", prop=prop, station=st.thing.name, **numbers) + note,
                  image=Image(url, texts("chart.alt", prop=prop, station=st.thing.name,
                                         **numbers)))

"""Alarms, ThingsBoard-style, and pushing them to the people who subscribed to an area.

Lifecycle: ACTIVE_UNACK → (staff acknowledge) ACTIVE_ACK → (condition gone, or staff clear)
CLEARED_ACK; or ACTIVE_UNACK → CLEARED_UNACK → (acknowledge) CLEARED_ACK. Only one alarm per
(originator, type) is active: the row's ``active_key`` is unique, so the insert of a second one
conflicts and becomes an update of the first (end time, details, repeat count). A new alarm of
the same type starts only after a clear. New and cleared alarms are pushed once to each
subscriber whose area (a district, or a radius around a point) contains the station.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.kernel import notify
from bot.kernel.answer import Answer, Call, Card
from bot.kernel.db import utcnow
from bot.kernel.geo import haversine_m

from . import config, danger
from .config import texts
from .dbutil import aware, insert_ignore
from .models import (
    ACTIVE_ACK,
    ACTIVE_UNACK,
    CLEARED_ACK,
    CLEARED_UNACK,
    SEVERITIES,
    Alarm,
    Datastream,
    Location,
    Observation,
    ObservedProperty,
    Subscription,
    Thing,
)

WINDOW = timedelta(hours=3)  # readings older than this do not describe the present
TYPES = ("fire_danger", "smoke", "flame", "offline")


def originator(thing_id: int) -> str:
    return f"thing:{thing_id}"


def latest_readings(session: Session, thing_id: int, now: datetime,
                    window: timedelta = WINDOW) -> dict[str, tuple[float, datetime]]:
    """Property key → (latest value, its time) for one station, within ``window`` of ``now``."""
    newest = (select(Observation.datastream_id, func.max(Observation.phenomenon_time).label("t"))
              .join(Datastream, Datastream.id == Observation.datastream_id)
              .where(Datastream.thing_id == thing_id,
                     Observation.phenomenon_time >= now - window)
              .group_by(Observation.datastream_id).subquery())
    rows = session.execute(
        select(ObservedProperty.key, Observation.result, Observation.phenomenon_time)
        .join(newest, (newest.c.datastream_id == Observation.datastream_id)
              & (newest.c.t == Observation.phenomenon_time))
        .join(Datastream, Datastream.id == Observation.datastream_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id))
    return {key: (value, when) for key, value, when in rows}


def evaluate(session: Session, thing_id: int, now: datetime | None = None) -> list[Alarm]:
    """Apply the alert rules to a station's latest readings: raise, update or clear its alarms.

    Returns the alarms newly raised or cleared by this call."""
    now = now or utcnow()
    rules = config.rules()
    latest = {k: v for k, (v, _t) in latest_readings(session, thing_id, now).items()}
    changed: list[Alarm] = []

    def keep(found: Alarm | None) -> None:
        if found is not None:
            changed.append(found)

    assessed = danger.assess(latest)
    if assessed is not None:
        rule = rules["fire_danger"]
        level = assessed["class"]["level"]
        severity = rule["severity_by_level"].get(level)
        fos = assessed.get("fosberg_class")
        if fos and fos["key"] == "significant":
            severity = _worse(severity, rule["fosberg_severity"])
        details = {k: v for k, v in assessed.items() if k in ("angstrom", "fosberg")}
        details["class"] = assessed["class"]["key"]
        if severity:
            keep(raise_alarm(session, thing_id, "fire_danger", severity, details, now))
        elif level < rule["clear_below_level"]:
            keep(clear_alarm(session, originator(thing_id), "fire_danger", now, details))
    if "smoke_pm25" in latest:
        rule, pm = rules["smoke"], latest["smoke_pm25"]
        if pm > rule["raise_above"]:
            keep(raise_alarm(session, thing_id, "smoke", rule["severity"], {"pm25": pm}, now))
        elif pm <= rule["clear_at_or_below"]:
            keep(clear_alarm(session, originator(thing_id), "smoke", now, {"pm25": pm}))
    if "flame" in latest:
        if latest["flame"] >= 1:
            keep(raise_alarm(session, thing_id, "flame", rules["flame"]["severity"],
                             {"flame": 1}, now))
        else:
            keep(clear_alarm(session, originator(thing_id), "flame", now, {"flame": 0}))
    keep(clear_alarm(session, originator(thing_id), "offline", now, {}))
    return changed


def _worse(a: str | None, b: str) -> str:
    if a is None:
        return b
    return min(a, b, key=SEVERITIES.index)


def raise_alarm(session: Session, thing_id: int, kind: str, severity: str,
                details: dict[str, Any], now: datetime) -> Alarm | None:
    """Create the active alarm, or update the one already active; the new one, else ``None``."""
    orig = originator(thing_id)
    key = f"{orig}|{kind}"
    loc = session.scalars(select(Location).where(Location.thing_id == thing_id)).first()
    thing = session.get(Thing, thing_id)
    new_id = insert_ignore(session, Alarm, {
        "originator": orig, "type": kind, "severity": severity, "status": ACTIVE_UNACK,
        "active_key": key, "thing_id": thing_id,
        "latitude": loc.latitude if loc else None, "longitude": loc.longitude if loc else None,
        "district_code": loc.district_code if loc else "", "agency": thing.agency if thing else "",
        "details": details, "start_ts": now, "end_ts": now, "repeats": 0}, ["active_key"])
    if new_id is None:
        session.execute(update(Alarm).where(Alarm.active_key == key).values(
            end_ts=now, details=details, severity=severity, repeats=Alarm.repeats + 1))
        return None
    alarm = session.get(Alarm, new_id)
    push(session, alarm, "new")
    return alarm


def clear_alarm(session: Session, orig: str, kind: str, now: datetime,
                details: dict[str, Any] | None = None) -> Alarm | None:
    """Clear the active alarm of this originator and type (if any); the cleared one, else ``None``.

    The update is conditional on the alarm still being active, so a clear happens once."""
    key = f"{orig}|{kind}"
    alarm = session.scalars(select(Alarm).where(Alarm.active_key == key)).first()
    if alarm is None:
        return None
    status = CLEARED_ACK if alarm.status == ACTIVE_ACK else CLEARED_UNACK
    values: dict[str, Any] = {"status": status, "active_key": None, "clear_ts": now, "end_ts": now}
    if details is not None:
        values["details"] = {**(alarm.details or {}), "at_clear": details}
    done = session.execute(update(Alarm).where(Alarm.id == alarm.id, Alarm.active_key == key)
                           .values(**values))
    if done.rowcount != 1:
        return None
    session.refresh(alarm)
    push(session, alarm, "cleared")
    return alarm


def acknowledge(session: Session, alarm_id: int, agency: str | None) -> Alarm | None:
    """Staff acknowledge: ACTIVE_UNACK → ACTIVE_ACK, CLEARED_UNACK → CLEARED_ACK (idempotent).

    ``agency`` limits the key to its own alarms (``None``: any)."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or (agency is not None and alarm.agency != agency):
        return None
    if alarm.status in (ACTIVE_UNACK, CLEARED_UNACK):
        alarm.status = ACTIVE_ACK if alarm.status == ACTIVE_UNACK else CLEARED_ACK
        alarm.ack_ts = utcnow()
    return alarm


def staff_clear(session: Session, alarm_id: int, agency: str | None) -> Alarm | None:
    """Staff clear an active alarm (idempotent: a cleared one is returned as it is)."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or (agency is not None and alarm.agency != agency):
        return None
    if alarm.active:
        clear_alarm(session, alarm.originator, alarm.type, utcnow(), {"by": "staff"})
        session.refresh(alarm)
    return alarm


def check_offline(session: Session, now: datetime | None = None) -> list[Alarm]:
    """Raise an "offline" alarm for each station silent past its expected interval."""
    now = now or utcnow()
    missed = config.rules()["offline"]["missed_intervals"]
    raised = []
    for thing in session.scalars(select(Thing)):
        last = aware(thing.last_seen_at or thing.created_at)
        if last is not None and now - last > timedelta(seconds=missed * thing.expected_interval_s):
            silent_min = int((now - last).total_seconds() // 60)
            alarm = raise_alarm(session, thing.id, "offline", config.rules()["offline"]["severity"],
                                {"silent_minutes": silent_min}, now)
            if alarm is not None:
                raised.append(alarm)
    return raised


def subscribers(session: Session, lat: float | None, lon: float | None,
                district_code: str) -> list[str]:
    """Sender ids whose area contains the point (district, or radius), each once."""
    found: list[str] = []
    if district_code:
        found += session.scalars(select(Subscription.sender_id)
                                 .where(Subscription.district_code == district_code))
    if lat is not None and lon is not None:
        # bounding box first (50 km covers any radius we accept), exact distance after
        dlat = 0.5
        dlon = 0.5 / max(0.1, math.cos(math.radians(lat)))
        rows = session.execute(select(Subscription.sender_id, Subscription.latitude,
                                      Subscription.longitude, Subscription.radius_m)
                               .where(Subscription.radius_m.is_not(None),
                                      Subscription.latitude.between(lat - dlat, lat + dlat),
                                      Subscription.longitude.between(lon - dlon, lon + dlon)))
        found += [s for s, a, b, r in rows if haversine_m(lat, lon, a, b) <= r]
    return list(dict.fromkeys(found))


def _where(session: Session, alarm: Alarm) -> tuple[str, str]:
    """The alarm's station (or originator) and its district and province, in Thai."""
    thing = session.get(Thing, alarm.thing_id) if alarm.thing_id else None
    loc = session.scalars(select(Location).where(Location.thing_id == alarm.thing_id)).first()
    where = loc.name if loc else (thing.name if thing else alarm.originator)
    return where, f"อ.{loc.district_th} จ.{loc.province_th}" if loc and loc.district_th else ""


def describe(session: Session, alarm: Alarm) -> str:
    """The alarm in Thai words: what, where, how severe, when (Thai time)."""
    where, area = _where(session, alarm)
    return texts("alarm_line", what=texts(f"alarm_types.{alarm.type}"),
                 severity=texts(f"severity.{alarm.severity}"), where=where, area=area,
                 detail=detail_words(alarm)).strip()


def hotline(alarm: Alarm) -> Call:
    """Whom to call about the alarm: the managing agency's fire line, else the DNP's 1362."""
    agency = config.agencies().get(alarm.agency) or config.agencies()["DNP"]
    return Call(agency["hotline"], agency["name_th"])


def card(session: Session, alarm: Alarm, event: str = "new") -> Card:
    """The alarm as a card: what, the severity in words on red (critical, major) or amber, or
    "cleared" on green; the station, its area and the figures (what its text says); buttons to
    call the managing agency and the fire brigade (199)."""
    where, area = _where(session, alarm)
    call = hotline(alarm)
    fields = [(texts("card.station"), where), (texts("card.area"), area),
              (texts("card.detail"), detail_words(alarm).strip())]
    if event == "cleared":
        status, tone = texts("card.cleared"), "ok"
    else:
        status = texts("card.severity", severity=texts(f"severity.{alarm.severity}"))
        tone = "danger" if alarm.severity in ("CRITICAL", "MAJOR") else "warn"
    return Card(texts(f"alarm_types.{alarm.type}"), texts("card.subtitle"),
                tuple(f for f in fields if f[1]), status, tone,
                (call, Call("199", "ดับเพลิง")))


def detail_words(alarm: Alarm) -> str:
    d = alarm.details or {}
    if alarm.type == "fire_danger" and "angstrom" in d:
        words = texts("detail.angstrom", value=f"{d['angstrom']:.1f}")
        if "fosberg" in d:
            words += texts("detail.fosberg", value=f"{d['fosberg']:.0f}")
        return words
    if alarm.type == "smoke" and "pm25" in d:
        return texts("detail.pm25", value=f"{d['pm25']:.0f}")
    if alarm.type == "offline" and "silent_minutes" in d:
        return texts("detail.offline", minutes=d["silent_minutes"])
    return ""


def push(session: Session, alarm: Alarm, event: str) -> int:
    """Enqueue the new or cleared alarm for each subscriber of its area, once each."""
    people = subscribers(session, alarm.latitude, alarm.longitude, alarm.district_code)
    if not people:
        return 0
    thing = session.get(Thing, alarm.thing_id) if alarm.thing_id else None
    synthetic = texts("synthetic_note") if thing is not None and thing.source.startswith(
        "synthetic") else ""
    text = texts(f"push_{event}", line=describe(session, alarm), hotline=hotline(alarm).number,
                 synthetic=synthetic).strip()
    answer = Answer(text, card=card(session, alarm, event))
    for sender in people:
        notify.enqueue(session, sender, answer, kind=f"forest.alarm_{event}",
                       dedupe_key=f"forest:alarm:{alarm.id}:{event}:{sender}")
    return len(people)


def active(session: Session, agency: str | None = None) -> list[Alarm]:
    """Active alarms, most severe first, then newest."""
    q = select(Alarm).where(Alarm.active_key.is_not(None))
    if agency:
        q = q.where(Alarm.agency == agency)
    return sorted(session.scalars(q), key=lambda a: (SEVERITIES.index(a.severity),
                                                     -aware(a.start_ts).timestamp()))


def as_dict(alarm: Alarm) -> dict[str, Any]:
    """The alarm as the staff API shows it (ThingsBoard's field names)."""
    def ms(t: datetime | None) -> int | None:
        return int(aware(t).timestamp() * 1000) if t else None
    return {"id": alarm.id, "type": alarm.type, "originator": alarm.originator,
            "severity": alarm.severity, "status": alarm.status,
            "acknowledged": alarm.status in (ACTIVE_ACK, CLEARED_ACK),
            "cleared": alarm.status in (CLEARED_UNACK, CLEARED_ACK),
            "startTs": ms(alarm.start_ts), "endTs": ms(alarm.end_ts), "ackTs": ms(alarm.ack_ts),
            "clearTs": ms(alarm.clear_ts), "details": alarm.details, "agency": alarm.agency,
            "repeats": alarm.repeats}

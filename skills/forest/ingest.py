"""Observation ingest: validate each reading, store the good ones once, keep the bad ones.

Both channels (HTTP ``POST …/v1.1/Datastreams(id)/Observations`` and MQTT topic
``v1.1/Datastreams(id)/Observations``) end here. A reading is a SensorThings Observation::

    {"phenomenonTime": "2026-03-10T06:00:00Z", "result": 27.5,
     "parameters": {"unit": "°C"}}          # the unit is optional; when given it must match

Nothing is lost: every reading that is not stored as an observation is stored as a
``RejectedReading`` with its reason (``REASONS``) and counted on its device. A reading re-sent
with the same datastream and phenomenon time is stored once (the unique constraint decides)
and the repeat is kept as ``duplicate``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.kernel.db import utcnow

from . import config
from .dbutil import insert_ignore
from .models import (
    Datastream,
    FeatureOfInterest,
    Location,
    Observation,
    ObservedProperty,
    RejectedReading,
    Thing,
)

REASONS = ("malformed", "unknown_datastream", "bad_time", "future", "too_old", "wrong_unit",
           "out_of_range", "duplicate")
TOPIC = re.compile(r"^v1\.1/Datastreams\((\d{1,12})\)/Observations$")
MAX_PAYLOAD = 4000  # characters of a rejected payload kept


@dataclass(frozen=True)
class Outcome:
    """What became of one reading: ``created``, ``duplicate`` or ``rejected`` (with ``reason``)."""

    status: str
    reason: str = ""
    detail: str = ""
    observation_id: int | None = None
    datastream_id: int | None = None
    thing_id: int | None = None

    @property
    def stored(self) -> bool:
        """The reading is in the observations table (now or from before)."""
        return self.observation_id is not None


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a device secret (secrets are random, so no salt or stretching is needed)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def thing_by_secret(session: Session, secret: str) -> Thing | None:
    """The device whose secret this is, or ``None``."""
    if not secret:
        return None
    return session.scalars(select(Thing).where(Thing.secret_hash == hash_secret(secret))).first()


def parse_time(value: Any) -> datetime:
    """An ISO 8601 instant (``Z`` or an offset), or the end of an interval ``a/b``; UTC.

    >>> parse_time("2026-03-10T13:00:00+07:00").isoformat()
    '2026-03-10T06:00:00+00:00'
    """
    if not isinstance(value, str) or len(value) > 80:
        raise ValueError("not a time")
    text = value.split("/")[-1].strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a time needs its offset")
    return moment.astimezone(timezone.utc)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # a JSON integer too large for a float
            return None
        return number if math.isfinite(number) else None
    return None


class Ingest:
    """Validates and stores readings in the caller's transaction; ``now`` is injectable for tests."""

    def __init__(self, session: Session, now: datetime | None = None):
        self.session = session
        self.now = now or utcnow()
        props = config.load("properties")
        self.future = timedelta(seconds=props["future_skew_s"])
        self.max_age = timedelta(days=props["max_age_days"])
        self._streams: dict[int, tuple[Datastream, dict[str, Any], int | None] | None] = {}
        self.touched: set[int] = set()  # things with a new observation

    def _stream(self, ds_id: int) -> tuple[Datastream, dict[str, Any], int | None] | None:
        if ds_id not in self._streams:
            row = self.session.execute(
                select(Datastream, ObservedProperty.key)
                .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
                .where(Datastream.id == ds_id)).first()
            if row is None:
                self._streams[ds_id] = None
            else:
                ds, key = row
                self._streams[ds_id] = (ds, config.properties()[key], self._feature(ds.thing_id))
        return self._streams[ds_id]

    def _feature(self, thing_id: int) -> int | None:
        """The FeatureOfInterest made from the Thing's Location (created once)."""
        loc = self.session.scalars(select(Location).where(Location.thing_id == thing_id)).first()
        if loc is None:
            return None
        found = self.session.scalar(select(FeatureOfInterest.id)
                                    .where(FeatureOfInterest.location_id == loc.id))
        if found is not None:
            return found
        insert_ignore(self.session, FeatureOfInterest,
                      {"name": loc.name, "description": loc.description,
                       "encoding_type": "application/geo+json", "latitude": loc.latitude,
                       "longitude": loc.longitude, "location_id": loc.id}, ["location_id"])
        return self.session.scalar(select(FeatureOfInterest.id)
                                   .where(FeatureOfInterest.location_id == loc.id))

    def reject(self, reason: str, payload: Any, *, thing_id: int | None, ds_ref: str,
               channel: str, detail: str = "") -> Outcome:
        raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False,
                                                                  default=str)
        self.session.add(RejectedReading(thing_id=thing_id, datastream_ref=ds_ref[:64],
                                         channel=channel, reason=reason, detail=detail[:300],
                                         payload=raw[:MAX_PAYLOAD], received_at=self.now))
        if thing_id is not None:
            self.session.execute(update(Thing).where(Thing.id == thing_id)
                                 .values(rejected_count=Thing.rejected_count + 1)
                                 .execution_options(synchronize_session=False))
        return Outcome("rejected", reason, detail, thing_id=thing_id)

    def one(self, ds_ref: str | int, payload: Any, *, channel: str = "http",
            thing: Thing | None = None) -> Outcome:
        """Validate and store one reading for datastream ``ds_ref``; ``thing`` is the
        authenticated device (HTTP), ``None`` for MQTT (the broker authenticates)."""
        ref = str(ds_ref)
        owner = thing.id if thing is not None else None
        ok = ref.isascii() and ref.isdigit() and len(ref) < 13
        found = self._stream(int(ref)) if ok else None
        if found is None or (thing is not None and found[0].thing_id != thing.id):
            return self.reject("unknown_datastream", payload, thing_id=owner, ds_ref=ref,
                               channel=channel)
        ds, prop, foi = found

        def bad(reason: str, detail: str = "") -> Outcome:
            return self.reject(reason, payload, thing_id=ds.thing_id, ds_ref=ref,
                               channel=channel, detail=detail)

        if not isinstance(payload, dict):
            return bad("malformed", "an observation is a JSON object")
        value = _number(payload.get("result"))
        if value is None:
            return bad("malformed", "result must be a number")
        when_raw = payload.get("phenomenonTime")
        try:
            when = parse_time(when_raw) if when_raw is not None else self.now
            result_time = (parse_time(payload["resultTime"]) if payload.get("resultTime")
                           else self.now)
        except (ValueError, TypeError, OverflowError):
            return bad("bad_time", str(when_raw)[:80])
        if when > self.now + self.future:
            return bad("future", when.isoformat())
        if when < self.now - self.max_age:
            return bad("too_old", when.isoformat())
        params = payload.get("parameters")
        unit = params.get("unit") if isinstance(params, dict) else None
        if unit is not None and unit not in (ds.unit_symbol, ds.unit_name):
            return bad("wrong_unit", f"{unit} != {ds.unit_symbol}")
        if not prop["min"] <= value <= prop["max"] or (prop.get("flag") and value not in (0, 1)):
            return bad("out_of_range", f"{value} not in [{prop['min']}, {prop['max']}]")
        new_id = insert_ignore(self.session, Observation, {
            "datastream_id": ds.id, "phenomenon_time": when, "result_time": result_time,
            "result": value, "feature_of_interest_id": foi, "received_at": self.now},
            ["datastream_id", "phenomenon_time"])
        if new_id is None:
            existing = self.session.scalar(select(Observation.id).where(
                Observation.datastream_id == ds.id, Observation.phenomenon_time == when))
            out = bad("duplicate", when.isoformat())
            return Outcome("duplicate", "duplicate", out.detail, existing, ds.id, ds.thing_id)
        self.touched.add(ds.thing_id)
        return Outcome("created", observation_id=new_id, datastream_id=ds.id,
                       thing_id=ds.thing_id)


def ingest(session: Session, items: list[tuple[str | int, Any]], *, channel: str = "http",
           thing: Thing | None = None, now: datetime | None = None,
           evaluate: bool = True) -> list[Outcome]:
    """Ingest ``(datastream id, observation)`` pairs in one transaction, then evaluate the alert
    rules once for each station that got a new reading."""
    from . import alarms  # alarms use the readings this module stores

    run = Ingest(session, now)
    outcomes = [run.one(ref, payload, channel=channel, thing=thing) for ref, payload in items]
    if run.touched:  # the stations that reported are no longer silent
        session.execute(update(Thing).where(Thing.id.in_(sorted(run.touched))).where(
            (Thing.last_seen_at.is_(None)) | (Thing.last_seen_at < run.now))
            .values(last_seen_at=run.now).execution_options(synchronize_session=False))
    if evaluate:
        for thing_id in sorted(run.touched):
            alarms.evaluate(session, thing_id, run.now)
    return outcomes


def topic_datastream(topic: str) -> str | None:
    """The datastream id in an MQTT topic ``v1.1/Datastreams(42)/Observations``, else ``None``."""
    m = TOPIC.match(topic)
    return m.group(1) if m else None

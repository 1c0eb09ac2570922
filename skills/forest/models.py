"""Tables of the forest skill, shaped like the OGC SensorThings API v1.1 data model.

Thing (a sensor station) has a Location; each Datastream belongs to one Thing, one Sensor and
one ObservedProperty and carries the unit of measurement; Observations hang off a Datastream and
a FeatureOfInterest (made from the Thing's Location when a reading names none, as v1.1 does).
Around them: rejected readings (nothing is lost), alarms (ThingsBoard's lifecycle, one active
alarm per originator and type enforced by a unique ``active_key``), area subscriptions, satellite
hotspots and fire reports (agencies' API keys are the product's, ``bot.kernel.apikeys``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.cases import CaseNumbered
from bot.kernel.db import Base, utcnow

# Alarm lifecycle (ThingsBoard): ACTIVE_UNACK → ACTIVE_ACK → CLEARED_UNACK → CLEARED_ACK.
ACTIVE_UNACK, ACTIVE_ACK = "ACTIVE_UNACK", "ACTIVE_ACK"
CLEARED_UNACK, CLEARED_ACK = "CLEARED_UNACK", "CLEARED_ACK"
ALARM_STATUSES = (ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK, CLEARED_ACK)
SEVERITIES = ("CRITICAL", "MAJOR", "MINOR", "WARNING", "INDETERMINATE")  # most severe first


class Thing(Base):
    """A sensor station in the forest; its secret is stored only as a SHA-256 hash."""

    __tablename__ = "forest_things"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret_hash: Mapped[str] = mapped_column(String(64), default="")
    expected_interval_s: Mapped[int] = mapped_column(Integer, default=600)
    agency: Mapped[str] = mapped_column(String(16), default="")
    # "synthetic-demo" for the simulator's stations (pages and replies say so)
    source: Mapped[str] = mapped_column(String(120), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Location(Base):
    """Where a Thing is (GeoJSON point, ``application/geo+json``)."""

    __tablename__ = "forest_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(ForeignKey("forest_things.id", ondelete="CASCADE"),
                                          unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    encoding_type: Mapped[str] = mapped_column(String(64), default="application/geo+json")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str] = mapped_column(String(16), default="")
    district_th: Mapped[str] = mapped_column(String(80), default="")
    province_th: Mapped[str] = mapped_column(String(80), default="")


class Sensor(Base):
    """The instrument model a Datastream comes from."""

    __tablename__ = "forest_sensors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    encoding_type: Mapped[str] = mapped_column(String(64), default="application/pdf")
    metadata_url: Mapped[str] = mapped_column(String(300), default="")


class ObservedProperty(Base):
    """A phenomenon (air humidity, temperature…); ``key`` names it in code and data."""

    __tablename__ = "forest_observed_properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(String(500), default="")


class Datastream(Base):
    """One Thing's series of one property, with its unit of measurement."""

    __tablename__ = "forest_datastreams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(String(500), default="")
    thing_id: Mapped[int] = mapped_column(ForeignKey("forest_things.id", ondelete="CASCADE"),
                                          index=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("forest_sensors.id"))
    observed_property_id: Mapped[int] = mapped_column(ForeignKey("forest_observed_properties.id"))
    unit_name: Mapped[str] = mapped_column(String(64))
    unit_symbol: Mapped[str] = mapped_column(String(16))
    unit_definition: Mapped[str] = mapped_column(String(300), default="")
    observation_type: Mapped[str] = mapped_column(
        String(200),
        default="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement")


class FeatureOfInterest(Base):
    """What an observation is about; made from the Thing's Location when a reading names none."""

    __tablename__ = "forest_features_of_interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    encoding_type: Mapped[str] = mapped_column(String(64), default="application/geo+json")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("forest_locations.id", ondelete="SET NULL"), nullable=True, unique=True)


class Observation(Base):
    """One accepted reading; (datastream, phenomenon time) is unique, so a re-sent one is kept once."""

    __tablename__ = "forest_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    datastream_id: Mapped[int] = mapped_column(
        ForeignKey("forest_datastreams.id", ondelete="CASCADE"))
    phenomenon_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[float] = mapped_column(Float)
    feature_of_interest_id: Mapped[int | None] = mapped_column(
        ForeignKey("forest_features_of_interest.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("datastream_id", "phenomenon_time", name="uq_forest_observation"),
        Index("ix_forest_observations_time", "phenomenon_time"),
    )


class RejectedReading(Base):
    """A reading that was not accepted, kept whole with the reason (nothing is lost)."""

    __tablename__ = "forest_rejected_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("forest_things.id", ondelete="SET NULL"), nullable=True, index=True)
    datastream_ref: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(8), default="http")
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alarm(Base):
    """An alarm on an originator (``thing:<id>``) of one type, ThingsBoard-style.

    ``active_key`` is ``"<originator>|<type>"`` while the alarm is active and NULL once cleared;
    its unique constraint is what makes two readings arriving together yield one alarm.
    """

    __tablename__ = "forest_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    originator: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE_UNACK)
    active_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    thing_id: Mapped[int | None] = mapped_column(
        ForeignKey("forest_things.id", ondelete="SET NULL"), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    district_code: Mapped[str] = mapped_column(String(16), default="")
    agency: Mapped[str] = mapped_column(String(16), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    start_ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    end_ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ack_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    clear_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    repeats: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_forest_alarms_status", "status"),)

    @property
    def active(self) -> bool:
        return self.status in (ACTIVE_UNACK, ACTIVE_ACK)


class Subscription(Base):
    """A conversation that wants this area's alarms: a district, or a radius around a point."""

    __tablename__ = "forest_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    area_key: Mapped[str] = mapped_column(String(64))  # "district:TH5001" or "point:18.80,98.92,5000"
    area_th: Mapped[str] = mapped_column(String(200), default="")
    district_code: Mapped[str] = mapped_column(String(16), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    radius_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("sender_id", "area_key", name="uq_forest_subscription"),)


class Hotspot(Base):
    """A satellite active-fire detection (NASA FIRMS), deduplicated, placed in area and agency."""

    __tablename__ = "forest_hotspots"

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(8))  # "VIIRS" | "MODIS"
    satellite: Mapped[str] = mapped_column(String(8))
    instrument: Mapped[str] = mapped_column(String(8), default="")
    acq_date: Mapped[date] = mapped_column(Date)  # UTC, as FIRMS gives it
    acq_time: Mapped[str] = mapped_column(String(4))  # UTC HHMM
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    local_date: Mapped[date] = mapped_column(Date, index=True)  # Asia/Bangkok
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    confidence_raw: Mapped[str] = mapped_column(String(8))
    confidence_class: Mapped[str] = mapped_column(String(8))  # low | nominal | high
    brightness_k: Mapped[float | None] = mapped_column(Float, nullable=True)
    frp_mw: Mapped[float | None] = mapped_column(Float, nullable=True)
    daynight: Mapped[str] = mapped_column(String(1), default="")
    version: Mapped[str] = mapped_column(String(16), default="")
    province_th: Mapped[str] = mapped_column(String(80), default="")
    district_th: Mapped[str] = mapped_column(String(80), default="")
    district_code: Mapped[str] = mapped_column(String(16), default="")
    agency: Mapped[str] = mapped_column(String(16), default="")
    zone_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (
        UniqueConstraint("satellite", "acq_date", "acq_time", "latitude", "longitude",
                         name="uq_forest_hotspot"),
    )


class FireReport(CaseNumbered, Base):
    """A citizen's fire report: where, an optional photo, and the agency it went to."""

    CASE_PREFIX = "FF"

    __tablename__ = "forest_fire_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    photo_url: Mapped[str] = mapped_column(String(500), default="")
    agency: Mapped[str] = mapped_column(String(16), default="")
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

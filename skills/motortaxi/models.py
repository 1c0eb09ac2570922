"""Tables of the motortaxi skill: riders, complaints, shared trips, reported positions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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

# Registry statuses; "revoked" also invalidates the vest QR.
ACTIVE, SUSPENDED, EXPIRED, REVOKED = "active", "suspended", "expired", "revoked"
RIDER_STATUSES = (ACTIVE, SUSPENDED, EXPIRED, REVOKED)
# Complaint case statuses, in the order a case normally moves.
CASE_STATUSES = ("received", "investigating", "action_taken", "closed", "rejected")
CATEGORIES = ("overcharge", "dangerous_driving", "harassment", "refused_ride", "no_vest", "other")


class Rider(Base):
    """A registered motorcycle-taxi rider (personal data: names and licence are never logged)."""

    __tablename__ = "motortaxi_riders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # digits with Damm check, no dash
    licence_no: Mapped[str] = mapped_column(String(32), unique=True)  # natural key of imports
    licence_expiry: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    plate: Mapped[str] = mapped_column(String(32))  # yellow public plate, e.g. "1กข 234"
    plate_province: Mapped[str] = mapped_column(String(64), default="")
    win_name: Mapped[str] = mapped_column(String(160), default="")  # the stand (วิน)
    district: Mapped[str] = mapped_column(String(80), default="")
    province: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Random, unguessable part of the vest QR URL; a new one invalidates printed vests.
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Where the record came from: "import:<file>" or "synthetic-demo" (shown as such).
    source: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    @property
    def synthetic(self) -> bool:
        return self.source.startswith("synthetic")


class Complaint(CaseNumbered, Base):
    """A citizen's complaint about a ride; the sender id lets status changes reach them."""

    CASE_PREFIX = "MT"

    __tablename__ = "motortaxi_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    rider_id: Mapped[int | None] = mapped_column(ForeignKey("motortaxi_riders.id"), nullable=True)
    rider_code: Mapped[str] = mapped_column(String(16), default="")  # as given, may be unknown
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    # Plate or stand when the citizen does not know the code ("ทะเบียน 1กข 234", "วินหน้าตลาด").
    rider_hint: Mapped[str] = mapped_column(String(160), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    occurred_at: Mapped[str] = mapped_column(String(64), default="")  # as read back to the citizen
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the day, when known
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    distance_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    paid_baht: Mapped[int | None] = mapped_column(Integer, nullable=True)
    legal_fare_baht: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    staff_note: Mapped[str] = mapped_column(String(500), default="")
    # A retried chat turn with the same key files nothing twice.
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class Trip(Base):
    """A trip a passenger shared with a trusted person through an unguessable link."""

    __tablename__ = "motortaxi_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("motortaxi_riders.id"))
    start_place: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Position(Base):
    """A rider's reported position; purged after the retention period (data minimisation)."""


    __tablename__ = "motortaxi_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("motortaxi_riders.id", ondelete="CASCADE"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("rider_id", "recorded_at", name="uq_motortaxi_position"),
        Index("ix_motortaxi_positions_recorded", "recorded_at"),
    )

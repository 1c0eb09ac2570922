"""Tables of the police skill: area crime warnings posted by staff, and district subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.db import Base, utcnow

DRAFT, PUBLISHED = "draft", "published"


class CrimeWarning(Base):
    """A warning for one district (เขต/อำเภอ), posted by police staff through the API."""

    __tablename__ = "police_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_code: Mapped[str] = mapped_column(String(16), index=True)  # HDX P-code, e.g. TH1007
    district_th: Mapped[str] = mapped_column(String(80))
    province_th: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(160))
    # The client's idempotency key: the same request twice stores and sends one warning.
    request_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    # "published" (sent to subscribers, in chat answers) or "draft" (written in the operator
    # console, published there by police staff later).
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED, server_default=PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Subscription(Base):
    """A conversation that wants the warnings of one district."""

    __tablename__ = "police_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128))
    district_code: Mapped[str] = mapped_column(String(16))
    district_th: Mapped[str] = mapped_column(String(80))
    province_th: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("sender_id", "district_code", name="uq_police_subscription"),
        Index("ix_police_subscriptions_district", "district_code"),
    )

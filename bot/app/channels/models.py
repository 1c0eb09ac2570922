"""Tables of the channels layer: processed platform events and what each contact was offered.

``channel_events`` makes a redelivered webhook event (LINE ``webhookEventId``, Messenger
``mid``) harmless, also across restarts. ``channel_contacts`` remembers, per sender id, the
numbered choices last shown (so typing "1" works on every channel), when the user last wrote
(Messenger's 24-hour window) and whether the user blocked the account (LINE unfollow).
``notification_claims`` marks an outbox notification being sent (or waiting to be retried) so
two app processes, or a push and a user's next message, never deliver it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.db import Base, utcnow


class ChannelEvent(Base):
    """One platform event already taken in (key: ``line:<webhookEventId>``, ``fb:<mid>``)."""

    __tablename__ = "channel_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                  index=True)


class ChannelContact(Base):
    """What the channels layer knows about one conversation (no personal data beyond the id)."""

    __tablename__ = "channel_contacts"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationClaim(Base):
    """A notification one process is delivering, or whose failed push waits until ``retry_after``."""

    __tablename__ = "notification_claims"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retry_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

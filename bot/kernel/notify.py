"""Proactive messages: the outbox that skills write to and the channel notifier delivers.

A skill never talks to a channel. To tell a citizen something later (a forest alert, a
complaint's new status, a tax reminder) it adds a ``Notification`` for the conversation's
sender id (``line:<userId>``, ``fb:<psid>``, ``web:<session>``) inside its own transaction::

    from bot.kernel import notify
    with factory.begin() as session:
        case.status = "investigating"
        notify.enqueue(session, case.sender_id, text, kind="motortaxi.case_status",
                       dedupe_key=f"case:{case.id}:status:{case.status}")

The channels layer pushes pending notifications within each platform's rules and marks them
delivered; what cannot be pushed stays ``pending`` and is shown at the user's next message,
so nothing is lost. ``dedupe_key`` makes a repeated enqueue (a retried request) harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.kernel.db import Base, utcnow

PENDING, DELIVERED = "pending", "delivered"
MAX_TEXT = 5000


class Notification(Base):
    """One proactive message for one conversation."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The complete plain-text form; ``buttons`` are optional numbered choices beside it.
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_notifications_status_sender", "status", "sender_id"),)

    def as_message(self) -> dict[str, Any]:
        """The notification in the shape of an engine reply (text, buttons, image)."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = self.buttons
        if self.image_url:
            message["image"] = self.image_url
        return message


def enqueue(session: Session, sender_id: str, text: str, *, kind: str,
            buttons: list[dict[str, Any]] | None = None, image_url: str | None = None,
            dedupe_key: str | None = None) -> Notification:
    """Add a pending notification in the caller's transaction; an existing ``dedupe_key`` wins."""
    if not sender_id or not text.strip():
        raise ValueError("a notification needs a sender id and a text")
    if len(text) > MAX_TEXT:
        raise ValueError(f"a notification text is at most {MAX_TEXT} characters")
    if dedupe_key is not None:
        existing = session.scalars(select(Notification).where(
            Notification.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return existing
    note = Notification(sender_id=sender_id, kind=kind, text=text, buttons=buttons or [],
                        image_url=image_url, dedupe_key=dedupe_key)
    session.add(note)
    session.flush()
    return note


def pending(session: Session, sender_id: str | None = None, limit: int = 100) -> list[Notification]:
    """Pending notifications, oldest first; for one sender or for all."""
    query = select(Notification).where(Notification.status == PENDING)
    if sender_id is not None:
        query = query.where(Notification.sender_id == sender_id)
    return list(session.scalars(query.order_by(Notification.id).limit(limit)))


def mark_delivered(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(update(Notification).where(Notification.id.in_(ids))
                        .values(status=DELIVERED, delivered_at=utcnow()))


def mark_failed(session: Session, note_id: int, error: str) -> None:
    """Record a failed push; the notification stays pending for the user's next contact."""
    session.execute(update(Notification).where(Notification.id == note_id)
                    .values(attempts=Notification.attempts + 1, last_error=error[:500]))

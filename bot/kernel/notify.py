"""Proactive messages: the outbox that skills write to and the channel notifier delivers.

A skill never talks to a channel. To tell a citizen something later (a forest alert, a
complaint's new status, a tax reminder) it adds a ``Notification`` for the conversation's
sender id (``line:<userId>``, ``fb:<psid>``, ``web:<session>``) inside its own transaction,
as a plain text or as a typed answer (``bot.kernel.answer``: choices, a phone to call, an
image, links)::

    from bot.kernel import notify
    from bot.kernel.answer import Target, ask
    with factory.begin() as session:
        case.status = "investigating"
        notify.enqueue(session, case.sender_id, text, kind="motortaxi.case_status",
                       dedupe_key=f"case:{case.id}:status:{case.status}")
        notify.enqueue(session, sender, ask(text, [(title, Target("signtax_calculate"))]),
                       kind="signtax.reminder")

The channels layer pushes pending notifications within each platform's rules and marks them
delivered; what cannot be pushed stays ``pending`` and is shown at the user's next message,
so nothing is lost. ``dedupe_key`` makes a repeated enqueue (a retried request) harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.kernel.answer import Answer, AnswerError, numbered_text
from bot.kernel.db import Base, utcnow

PENDING, DELIVERED = "pending", "delivered"
MAX_TEXT = 5000


class Notification(Base):
    """One proactive message for one conversation."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The complete plain-text form (numbered choices written in), for people reading the table.
    text: Mapped[str] = mapped_column(Text)
    # The whole typed answer (``Answer.to_dict()``): what the channels render.
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_notifications_status_sender", "status", "sender_id"),)

    def as_answer(self) -> Answer:
        """The notification as a typed answer (its text alone when none was stored)."""
        if self.answer:
            try:
                return Answer.from_dict(self.answer)
            except AnswerError:
                pass  # unreadable: its complete text still says everything
        return Answer(self.text)


def enqueue(session: Session, sender_id: str, text: str | Answer, *, kind: str,
            dedupe_key: str | None = None) -> Notification:
    """Add a pending notification in the caller's transaction; an existing ``dedupe_key`` wins.

    ``text`` is a plain text, or a typed ``Answer`` (choices, a phone, an image, links).
    """
    if not sender_id:
        raise ValueError("a notification needs a sender id")
    # an empty text is refused here (AnswerError is a ValueError)
    answer = text if isinstance(text, Answer) else Answer(text)
    whole = numbered_text(answer.text, answer.choices)
    if len(whole) > MAX_TEXT:
        raise ValueError(f"a notification text is at most {MAX_TEXT} characters")
    if dedupe_key is not None:
        existing = session.scalars(select(Notification).where(
            Notification.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return existing
    note = Notification(sender_id=sender_id, kind=kind, text=whole, answer=answer.to_dict(),
                        dedupe_key=dedupe_key)
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

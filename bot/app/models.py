"""Core tables of the app (skills keep their own tables in their packages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.db import Base, utcnow


class HandoffRequest(Base):
    """A citizen asked for a human; the operator console serves these.

    At most one open request per conversation: asking again returns the same case.
    """

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The citizen's recent messages, for the operator's context. Personal data: never logged.
    context: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    __table_args__ = (
        Index("uq_handoff_open_sender", "sender_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    @property
    def case_number(self) -> str:
        """The number told to the citizen, e.g. ``H-000042``."""
        return f"H-{self.id:06d}"

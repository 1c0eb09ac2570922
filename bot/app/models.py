"""Core tables of the app (skills keep their own tables in their packages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.cases import CaseNumbered
from bot.kernel.db import Base, utcnow


class HandoffRequest(CaseNumbered, Base):
    """A citizen asked for a human; the operator console serves these.

    At most one open request per conversation: asking again returns the same case.
    """

    CASE_PREFIX = "H"

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
    # The operator console (bot.app.console): an open request is a paused conversation;
    # ``claimed_by`` the staff user holding it; emergencies first (priority 1); the SLA clock.
    claimed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    service: Mapped[str] = mapped_column(String(32), default="", server_default="")
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    timeout_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Transferred to an agency (migration 0008_console_more): the service whose agency staff
    # now hold the conversation ("" while the hotline operators hold it).
    agency: Mapped[str] = mapped_column(String(32), default="", server_default="")

    __table_args__ = (
        Index("uq_handoff_open_sender", "sender_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )



class Upload(Base):
    """A photo a citizen sent (``bot.app.uploads``), kept briefly in the app database so that
    any web app can store it and any action server, on any machine, can read it."""

    __tablename__ = "uploads"

    ref: Mapped[str] = mapped_column(String(33), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)

"""The access skill's table: answers of the guided "what can I get" flow, kept only when the
user agreed, deleted when the user says "ลบข้อมูลของฉัน"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.db import Base, utcnow


class AccessProfile(Base):
    """One user's saved answers (card, age band, student or working, province)."""

    __tablename__ = "access_profiles"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

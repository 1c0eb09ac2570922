"""Tables of the operator console (migration ``0006_console``); the handoff requests
themselves are ``bot.app.models.HandoffRequest``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.db import Base, utcnow

OPERATOR, SUPERVISOR, AGENCY, ADMIN = "operator", "supervisor", "agency", "admin"
ROLES = (OPERATOR, SUPERVISOR, AGENCY, ADMIN)
ROLE_NAMES = {OPERATOR: "เจ้าหน้าที่รับสาย", SUPERVISOR: "หัวหน้าเวร",
              AGENCY: "เจ้าหน้าที่หน่วยงาน", ADMIN: "ผู้ดูแลระบบ"}


class StaffUser(Base):
    """A named staff member; ``services``: the skills an agency user works for."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffAudit(Base):
    """One staff action (or a refused login): who, what, on which record, from where."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """A wrong password, keyed ``user:<name>`` and ``addr:<address>`` (throttling)."""

    __tablename__ = "staff_login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffMessage(Base):
    """One line of a paused conversation: ``kind`` citizen, bot, operator, note (internal),
    system."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

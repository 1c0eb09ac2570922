"""Tables of the signtax skill: business, filing (ภ.ป.1), signs, assessment (bill), payments.

Money is kept in satang (integers) so SQLite and PostgreSQL agree to the last satang.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.kernel.db import Base, utcnow


class Business(Base):
    """The owner of signs as known to this chat: one per conversation, name and district."""

    __tablename__ = "signtax_businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    # Personal data when the business is a person's name: never logged.
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(8))
    district_th: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    filings: Mapped[list[Filing]] = relationship(back_populates="business",
                                                 order_by="Filing.id")

    __table_args__ = (UniqueConstraint("sender_id", "name", "district_code",
                                       name="uq_signtax_business"),)


class Filing(Base):
    """A signboard tax return (form ภ.ป.1) for one tax year."""

    __tablename__ = "signtax_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("signtax_businesses.id"), index=True)
    tax_year: Mapped[int] = mapped_column(Integer)  # Gregorian
    filed_on: Mapped[date] = mapped_column(Date)
    filing_deadline: Mapped[date] = mapped_column(Date)
    schedule_id: Mapped[str] = mapped_column(String(32))
    tax_satang: Mapped[int] = mapped_column(Integer)
    late_filing_satang: Mapped[int] = mapped_column(Integer, default=0)
    late_filing_rule: Mapped[str] = mapped_column(String(32), default="on_time")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    business: Mapped[Business] = relationship(back_populates="filings")
    signs: Mapped[list[SignRecord]] = relationship(back_populates="filing",
                                                   order_by="SignRecord.position")
    assessment: Mapped[Assessment | None] = relationship(back_populates="filing")


class SignRecord(Base):
    """One sign of a filing, with its computed tax and working."""

    __tablename__ = "signtax_signs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("signtax_filings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    width_mm: Mapped[int] = mapped_column(Integer)
    length_mm: Mapped[int] = mapped_column(Integer)
    sign_type: Mapped[str] = mapped_column(String(1))
    moving: Mapped[bool] = mapped_column(Boolean)
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    exemption: Mapped[str | None] = mapped_column(String(40), nullable=True)
    units: Mapped[int] = mapped_column(Integer)
    rate: Mapped[int] = mapped_column(Integer)
    tax_satang: Mapped[int] = mapped_column(Integer)
    working: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    filing: Mapped[Filing] = relationship(back_populates="signs")


class Assessment(Base):
    """The assessment notice (ภ.ป.3) with its bill number (PromptPay Ref1)."""

    __tablename__ = "signtax_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("signtax_filings.id"), unique=True)
    bill_number: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    ref2: Mapped[str] = mapped_column(String(20))
    amount_satang: Mapped[int] = mapped_column(Integer)  # tax + late filing surcharge
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="unpaid")  # unpaid | paid
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="assessment")
    payment: Mapped[Payment | None] = relationship(back_populates="assessment")


class Payment(Base):
    """An accepted payment and its receipt (number, date, items)."""

    __tablename__ = "signtax_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("signtax_assessments.id"),
                                               unique=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount_satang: Mapped[int] = mapped_column(Integer)
    late_payment_satang: Mapped[int] = mapped_column(Integer, default=0)
    late_payment_months: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    receipt_number: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="payment")


class HeldPayment(Base):
    """A bank confirmation that could not be accepted as it stands (e.g. wrong amount)."""

    __tablename__ = "signtax_held_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("signtax_assessments.id"),
                                               index=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount_satang: Mapped[int] = mapped_column(Integer)
    expected_satang: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="held")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Tables of the disaster skill: one registry of resources and expertise from many agencies.

Every registry record (organisation, site, stock line, asset, person) carries where it came
from: ``source_agency`` (the agency's code), ``source_id`` (its id there) and
``last_verified_at`` (when that agency last said it is true). ``(source_agency, source_id)``
is unique, so a re-import updates instead of duplicating. Quantities are always in the
item's base unit (``Item.base_unit``); packs only exist on the way in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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

SITE_KINDS = ("warehouse", "office", "shelter", "hospital")
ASSET_TYPES = ("boat", "pump", "generator", "truck", "drone")
# Sahana Eden's asset condition scale: 1 good … 4 unrepairable, 5 needs maintenance.
CONDITIONS = {1: "good", 2: "minor_damage", 3: "major_damage", 4: "unrepairable",
              5: "needs_maintenance"}
ASSET_STATUSES = ("available", "deployed", "maintenance", "retired")
PERSON_KINDS = ("staff", "volunteer")
# Request and pledge states, in the order they normally move.
REQUEST_STATUSES = ("submitted", "partially_pledged", "pledged", "partially_dispatched",
                    "dispatched", "partially_received", "received", "cancelled")
PLEDGE_STATUSES = ("pledged", "dispatched", "received", "cancelled")
PRIORITIES = (1, 2, 3)  # 1 most urgent (Sahana Eden: 3 high … 1 low; ours reads top-down)
CASE_STATUSES = ("received", "assigned", "on_the_way", "helped", "closed")
MERGE_STATUSES = ("proposed", "confirmed", "rejected")


class Provenance:
    """Columns every registry record has: who said it, their id for it, when last verified."""

    source_agency: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(120))
    last_verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    @property
    def synthetic(self) -> bool:
        return self.source_agency.startswith("DEMO")


class Organisation(Provenance, Base):
    """An agency or unit (a provincial DDPM office under DDPM, an OTOS team, a hospital)."""

    __tablename__ = "disaster_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the agency code imports use
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    acronym: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(32), default="government")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_organisations.id"),
                                                  nullable=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    province_code: Mapped[str] = mapped_column(String(8), default="")

    __table_args__ = (UniqueConstraint("source_agency", "source_id", name="uq_disaster_org_src"),)


class Site(Provenance, Base):
    """A place that holds resources or people: warehouse, office, shelter, hospital.

    Shelters use ``capacity`` and ``occupancy`` (people) and ``is_open``.
    """

    __tablename__ = "disaster_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("disaster_organisations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name_th: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), default="")  # normalised, for dedupe
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    province_code: Mapped[str] = mapped_column(String(8), default="")  # P-code, e.g. TH34
    district_code: Mapped[str] = mapped_column(String(8), default="")  # e.g. TH3401
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occupancy: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("source_agency", "source_id", name="uq_disaster_site_src"),
        Index("ix_disaster_sites_lat_lon", "latitude", "longitude"),
        Index("ix_disaster_sites_province", "province_code", "district_code"),
    )


class Item(Base):
    """A catalogue item with its required base unit (``data/catalogue.yml`` is the source)."""

    __tablename__ = "disaster_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(128))
    base_unit: Mapped[str] = mapped_column(String(32))
    expires: Mapped[bool] = mapped_column(Boolean, default=False)


class ItemPack(Base):
    """A named pack of an item and how many base units it holds (a "มัด" of 50 sandbags)."""

    __tablename__ = "disaster_item_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("disaster_items.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("item_id", "name", name="uq_disaster_pack"),)


class Stock(Provenance, Base):
    """Stock of one item at one site, in base units; ``reserved`` is what pledges hold."""

    __tablename__ = "disaster_stock"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("disaster_sites.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("disaster_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (
        UniqueConstraint("source_agency", "source_id", name="uq_disaster_stock_src"),
        CheckConstraint("quantity >= 0", name="ck_disaster_stock_quantity"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity", name="ck_disaster_stock_reserved"),
        Index("ix_disaster_stock_item_site", "item_id", "site_id"),
    )

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class Asset(Provenance, Base):
    """A boat, pump, generator, truck or drone: its condition, status and where it is."""

    __tablename__ = "disaster_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("disaster_organisations.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("disaster_sites.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    name_th: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(64), default="")  # registration / serial
    condition: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="available")

    __table_args__ = (
        UniqueConstraint("source_agency", "source_id", name="uq_disaster_asset_src"),
        Index("ix_disaster_assets_type_site", "type", "site_id"),
    )


class Person(Provenance, Base):
    """Staff or a volunteer (personal data: shown to staff only, never logged).

    A volunteer who registered in chat has ``sender_id`` and ``consent_at``; withdrawing
    deletes the row (and their competencies and certificates with it).
    """

    __tablename__ = "disaster_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_organisations.id"),
                                               nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_sites.id",
                                                           ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="staff")
    name_th: Mapped[str] = mapped_column(String(200), default="")
    name_key: Mapped[str] = mapped_column(String(200), default="")
    # sha256 of the 13-digit national id: matches across agencies without storing it
    national_id_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    province_code: Mapped[str] = mapped_column(String(8), default="")
    sender_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("source_agency", "source_id", name="uq_disaster_person_src"),)


class Competency(Base):
    """A person's skill at a level (1 basic … 4 expert), confirmed by an organisation."""

    __tablename__ = "disaster_competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("disaster_people.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=1)
    confirmed_by: Mapped[str] = mapped_column(String(32), default="")

    __table_args__ = (UniqueConstraint("person_id", "skill", name="uq_disaster_competency"),
                      Index("ix_disaster_competencies_skill", "skill", "level"))


class Certificate(Base):
    """A certificate a person holds for a skill, with its expiry."""

    __tablename__ = "disaster_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("disaster_people.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64), default="")
    issuer: Mapped[str] = mapped_column(String(120), default="")
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (UniqueConstraint("person_id", "name", name="uq_disaster_certificate"),)


class Request(CaseNumbered, Base):
    """A request for items (in base units) from an agency or a community, with its state."""

    CASE_PREFIX = "DR"

    __tablename__ = "disaster_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_org_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_organisations.id"),
                                                         nullable=True)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    # The conversation told of every change (``line:…``, ``web:…``); empty: audit only.
    notify_to: Mapped[str] = mapped_column(String(128), default="")
    priority: Mapped[int] = mapped_column(Integer, default=2)
    place_th: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    needed_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    purpose: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(24), default="submitted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    @property
    def ref(self) -> str:
        """The request's number, e.g. ``DR-000042``."""
        return self.case_number


class RequestItem(Base):
    """One item line of a request; quantities in base units."""

    __tablename__ = "disaster_request_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disaster_requests.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("disaster_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    pledged: Mapped[int] = mapped_column(Integer, default=0)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_disaster_req_item_qty"),
        CheckConstraint("pledged >= 0 AND pledged <= quantity", name="ck_disaster_req_item_pledged"),
    )


class Pledge(Base):
    """An agency's pledge of stock to a request line: reserved, then dispatched, received."""

    __tablename__ = "disaster_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_item_id: Mapped[int] = mapped_column(ForeignKey("disaster_request_items.id",
                                                            ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("disaster_organisations.id"))
    stock_id: Mapped[int] = mapped_column(ForeignKey("disaster_stock.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pledged")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    __table_args__ = (CheckConstraint("quantity > 0", name="ck_disaster_pledge_qty"),)


class AuditEntry(Base):
    """One change to a request, pledge, case or the registry: who, what, when."""

    __tablename__ = "disaster_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_disaster_audit_entity", "entity", "entity_id"),)


class MergeProposal(Base):
    """Two records from different agencies that look like one: a person decides."""

    __tablename__ = "disaster_merge_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))  # site | person | organisation
    left_id: Mapped[int] = mapped_column(Integer)
    right_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("entity", "left_id", "right_id", name="uq_disaster_merge"),)


class HelpCase(CaseNumbered, Base):
    """A citizen's help request from chat: a case number and a status they can ask about."""

    CASE_PREFIX = "DS"

    __tablename__ = "disaster_help_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    place_th: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    province_code: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(16), default="received")
    staff_note: Mapped[str] = mapped_column(String(500), default="")
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

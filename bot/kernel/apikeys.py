"""Per-agency API keys for machine clients of the staff APIs: the one key store of the product.

A key belongs to one agency (a code such as ``DNP`` and its Thai name) and is scoped to one or
more services (skill ids). The key itself is shown once when it is issued; only its SHA-256
is stored (a key is 256 random bits, so no salt or stretching is needed), found by that hash
and compared in constant time. A revoked key stays listed but is refused. The operator
console issues, lists and revokes keys and writes each change to its audit log; skills' web
modules only ask "which agency calls, and is it allowed to use my service?"::

    gate = apikeys.Gate(settings.database_url, "police")
    found = await gate.check(request.headers.get("Authorization"))
    if isinstance(found, apikeys.Refusal):
        return json_error(found.status, found.reason)   # 503 / 401 / 403, reason in Thai
    found.agency                                        # "RPT", the calling agency's code

>>> key = new_key()
>>> key.startswith(PREFIX) and len(key) == len(PREFIX) + 43 and digest(key) != key
True
>>> bearer("Bearer ak_x"), bearer("ak_x"), bearer(None)
('ak_x', '', '')
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.kernel import registry
from bot.kernel.db import Base, session_factory, utcnow
from bot.kernel.texts import Texts

PREFIX = "ak_"
AGENCY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,31}$")
MAX_NAME, MAX_LABEL = 200, 120
# last_used_at is written at most this often per key, so busy clients do not write on every call
USED_EVERY = timedelta(minutes=1)
NOT_CONFIGURED, UNAUTHORIZED, FORBIDDEN = "not_configured", "unauthorized", "forbidden"
STATUS = {NOT_CONFIGURED: 503, UNAUTHORIZED: 401, FORBIDDEN: 403}
_TEXTS = Path(__file__).resolve().parent / "data" / "apikeys.yml"


def texts(key: str, **values: object) -> str:
    """A Thai text of the key store (reasons of refusals, form errors)."""
    return Texts.load(_TEXTS)(key, **values)


class ApiKey(Base):
    """One agency's key for some services (migration ``0009_api_keys``): only its hash."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    agency_name: Mapped[str] = mapped_column(String(MAX_NAME))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    label: Mapped[str] = mapped_column(String(MAX_LABEL), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)


@dataclass(frozen=True)
class Caller:
    """Who presented an accepted key."""

    key_id: int
    agency: str
    agency_name: str


@dataclass(frozen=True)
class Refusal:
    """Why a key was refused: ``why`` (``not_configured``, ``unauthorized``, ``forbidden``)
    with its HTTP status and Thai reason."""

    why: str

    @property
    def status(self) -> int:
        return STATUS[self.why]

    @property
    def reason(self) -> str:
        return texts(f"reasons.{self.why}")


class IssueError(ValueError):
    """A key cannot be issued as asked; ``key`` names the Thai reason in ``form.*``."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values

    @property
    def reason(self) -> str:
        return texts(f"form.{self.key}", **self.values)


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, else ``""``."""
    raw = authorization or ""
    return raw[7:].strip() if raw[:7].lower() == "bearer " else ""


def service_ids() -> list[str]:
    """The services a key may be scoped to: the skills of this installation."""
    return [m.id for m in registry.discover()]


def clean_services(services: list[str] | str) -> list[str]:
    """Known skill ids, in order, without repeats (``"police, motortaxi"`` works too)."""
    if isinstance(services, str):
        services = services.replace(",", " ").split()
    wanted = list(dict.fromkeys(s.strip().lower() for s in services if s.strip()))
    if not wanted:
        raise IssueError("no_services")
    unknown = [s for s in wanted if s not in service_ids()]
    if unknown:
        raise IssueError("unknown_service", services=", ".join(unknown)[:200])
    return wanted


def issue(session: Session, agency_code: str, agency_name: str,
          services: list[str] | str, label: str = "", created_by: str = "") -> tuple[ApiKey, str]:
    """A new key for an agency, and the key itself (to show once; only its hash is kept)."""
    code = agency_code.strip().upper()
    if not AGENCY_CODE.match(code):
        raise IssueError("agency_code")
    name = " ".join(agency_name.split())
    if not name or len(name) > MAX_NAME:
        raise IssueError("agency_name", limit=MAX_NAME)
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise IssueError("label", limit=MAX_LABEL)
    key = new_key()
    row = ApiKey(key_hash=digest(key), agency_code=code, agency_name=name,
                 services=clean_services(services), label=label, created_by=created_by[:64])
    session.add(row)
    session.flush()
    return row, key


def revoke(session: Session, key_id: int) -> ApiKey | None:
    """Revoke a key by its id (a second revoke keeps the first time); ``None`` if unknown."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def listing(session: Session) -> list[ApiKey]:
    """Every key, newest first (revoked ones too: who had access, until when)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def check(session: Session, authorization: str | None, service: str) -> Caller | Refusal:
    """The agency behind ``Authorization: Bearer <key>`` if the key is in force and scoped
    to ``service``; else why not: 401 for a revoked or unknown key, 403 for a key of other
    services, 503 for an unknown key while no key is in force at all (the APIs are off)."""
    token = bearer(authorization)
    found = None
    if token and len(token) <= 200:
        hashed = digest(token)
        row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hashed)).first()
        if row is not None and hmac.compare_digest(row.key_hash, hashed):
            found = row
    if found is not None and found.revoked_at is not None:
        return Refusal(UNAUTHORIZED)
    if found is None:
        in_force = session.scalars(select(ApiKey.id).where(ApiKey.revoked_at.is_(None))
                                   .limit(1)).first()
        return Refusal(UNAUTHORIZED if in_force is not None else NOT_CONFIGURED)
    if service not in found.services:
        return Refusal(FORBIDDEN)
    now = utcnow()
    last = found.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo)) \
            >= USED_EVERY:
        found.last_used_at = now
    return Caller(found.id, found.agency_code, found.agency_name)


class Gate:
    """The check for one service's staff API, run off the event loop."""

    def __init__(self, database_url: str, service: str) -> None:
        self.factory = session_factory(database_url)
        self.service = service

    def check_now(self, authorization: str | None) -> Caller | Refusal:
        with self.factory.begin() as session:
            return check(session, authorization, self.service)

    async def check(self, authorization: str | None) -> Caller | Refusal:
        return await asyncio.to_thread(self.check_now, authorization)

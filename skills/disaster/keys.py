"""Per-agency staff API keys: each organisation's own key, stored only as its sha256.

A key says who is calling, so a pledge can only come from the stock of the key's own
organisation. The host's ``STAFF_TOKEN`` (settings) acts for DDPM as host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kernel.db import utcnow

from .models import AgencyKey, Organisation

PREFIX = "dk_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def issue(session: Session, org_code: str, label: str = "") -> str:
    """A new key for ``org_code`` (shown once; only its hash is kept)."""
    org = session.scalars(select(Organisation).where(Organisation.code == org_code)).first()
    if org is None:
        raise LookupError(org_code)
    key = PREFIX + secrets.token_urlsafe(24)
    session.add(AgencyKey(org_id=org.id, key_hash=_hash(key), label=label[:120]))
    session.flush()
    return key


def organisation_for(session: Session, key: str) -> Organisation | None:
    """The organisation a presented key belongs to, or ``None`` (unknown or revoked)."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    digest = _hash(key)
    found = session.scalars(select(AgencyKey).where(AgencyKey.key_hash == digest,
                                                    AgencyKey.revoked_at.is_(None))).first()
    if found is None or not hmac.compare_digest(found.key_hash, digest):
        return None
    return session.get(Organisation, found.org_id)


def any_issued(session: Session) -> bool:
    """Whether any agency key is in force (without one and without a staff token, the
    staff APIs are off)."""
    return session.scalars(select(AgencyKey.id).where(AgencyKey.revoked_at.is_(None))
                           .limit(1)).first() is not None


def revoke(session: Session, key: str) -> bool:
    found = session.scalars(select(AgencyKey).where(AgencyKey.key_hash == _hash(key))).first()
    if found is None:
        return False
    found.revoked_at = utcnow()
    return True

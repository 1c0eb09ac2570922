"""Who is calling the disaster staff APIs: the organisation of the caller's agency API key.

Keys are the product's (``bot.kernel.apikeys``), scoped to the ``disaster`` service. The
key's agency code is an organisation's code in the registry, so a pledge can only come from
the stock of the caller's own organisation. A key of the host agency (DDPM, the department
that keeps the registry) acts as the host and may do everything, like deciding merges.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Organisation

HOST = "host"
HOST_AGENCY = "DDPM"  # data/organisations.yml: กรมป้องกันและบรรเทาสาธารณภัย


def organisation_for(session: Session, agency_code: str) -> Organisation | str | None:
    """``HOST`` for the host agency, the organisation with that code, or ``None``."""
    if agency_code == HOST_AGENCY:
        return HOST
    return session.scalars(select(Organisation).where(Organisation.code == agency_code)).first()

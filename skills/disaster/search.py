"""Search the registry: the nearest N resources of a kind, by area, and experts by skill.

Nearest-N uses the sites' (latitude, longitude) index as a spatial prefilter: a bounding box
around the point, widened step by step (``RADII_KM``) until N sites with the resource fall
inside the circle; only those few are measured exactly (haversine). It reads the database
each time, so an answer is never staler than the registry itself, on SQLite and PostgreSQL.
Each hit says how much is available, how far it is and how fresh the information is.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .catalogue import CATALOGUE
from .models import Asset, Certificate, Competency, Item, Organisation, Person, Site, Stock

RADII_KM = (5, 20, 80, 320, 2500)
EARTH_KM = 6371.0088
USABLE_CONDITIONS = (1, 2)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def age_days(verified: datetime, now: datetime | None = None) -> int:
    """Whole days since ``verified``."""
    now = now or datetime.now(timezone.utc)
    return max(0, (now - _aware(verified)).days)


def freshness_th(verified: datetime, now: datetime | None = None) -> str:
    """How fresh a record is, in Thai: "ตรวจสอบวันนี้", "ตรวจสอบเมื่อ 3 วันก่อน"."""
    days = age_days(verified, now)
    if days == 0:
        return "ข้อมูลตรวจสอบวันนี้"
    word = f"ข้อมูลตรวจสอบเมื่อ {days} วันก่อน"
    return word + " (อาจไม่เป็นปัจจุบัน)" if days > 30 else word


@dataclass
class Hit:
    """One site that holds the resource asked for."""

    kind: str           # item | asset | shelter
    code: str           # item code, asset type or "shelter"
    resource_th: str
    site_id: int
    site_th: str
    site_kind: str
    org_code: str
    org_th: str
    latitude: float
    longitude: float
    province_code: str
    district_code: str
    phone: str
    available: int      # base units, usable assets, or free shelter places
    unit: str
    last_verified_at: datetime
    source_agency: str
    distance_km: float | None = None

    @property
    def synthetic(self) -> bool:
        return self.source_agency.startswith("DEMO")

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        out = asdict(self)
        out["distance_km"] = None if self.distance_km is None else round(self.distance_km, 2)
        out["last_verified_at"] = _aware(self.last_verified_at).isoformat()
        out["age_days"] = age_days(self.last_verified_at, now)
        out["freshness_th"] = freshness_th(self.last_verified_at, now)
        out["synthetic"] = self.synthetic
        return out


def resolve_kind(word: str) -> tuple[str, str] | None:
    """``("item", code)``, ``("asset", type)`` or ``("shelter", "shelter")`` for a word."""
    if not word:
        return None
    if word in CATALOGUE.items:
        return "item", word
    if word in CATALOGUE.raw["asset_types"]:
        return "asset", word
    if word in ("shelter", "ศูนย์พักพิง", "ศูนย์อพยพ"):
        return "shelter", "shelter"
    if (code := CATALOGUE.item_code(word)) is not None:
        return "item", code
    if (kind := CATALOGUE.asset_type(word)) is not None:
        return "asset", kind
    return None


def _query(kind: str, code: str):
    """Rows (site, org, available, last verified, source) for the resource, one per site."""
    base = select(Site, Organisation)
    if kind == "item":
        avail = func.sum(Stock.quantity - Stock.reserved)
        return (base.add_columns(avail, func.min(Stock.last_verified_at), func.min(Stock.source_agency))
                .join(Stock, Stock.site_id == Site.id).join(Item, Item.id == Stock.item_id)
                .join(Organisation, Organisation.id == Site.org_id)
                .where(Item.code == code, Stock.quantity > Stock.reserved)
                .group_by(Site.id, Organisation.id))
    if kind == "asset":
        return (base.add_columns(func.count(Asset.id), func.min(Asset.last_verified_at),
                                 func.min(Asset.source_agency))
                .join(Asset, Asset.site_id == Site.id)
                .join(Organisation, Organisation.id == Site.org_id)
                .where(Asset.type == code, Asset.status == "available",
                       Asset.condition.in_(USABLE_CONDITIONS))
                .group_by(Site.id, Organisation.id))
    space = func.coalesce(Site.capacity, 0) - func.coalesce(Site.occupancy, 0)
    return (base.add_columns(space, Site.last_verified_at, Site.source_agency)
            .join(Organisation, Organisation.id == Site.org_id)
            .where(Site.kind == "shelter", Site.is_open.is_(True), space > 0))


def _hit(kind: str, code: str, row) -> Hit:
    site, org, available, verified, source = row
    if kind == "item":
        entry = CATALOGUE.items[code]
        name, unit = entry.name_th, entry.base_unit
    elif kind == "asset":
        name, unit = CATALOGUE.asset_name(code), "รายการ"
    else:
        name, unit = "ศูนย์พักพิง", "ที่"
    return Hit(kind, code, name, site.id, site.name_th, site.kind, org.code, org.name_th,
               site.latitude, site.longitude, site.province_code, site.district_code,
               site.phone or org.phone, int(available or 0), unit, verified, source)


def nearest(session: Session, kind: str, code: str, lat: float, lon: float, n: int = 5,
            max_km: float | None = None) -> list[Hit]:
    """The ``n`` nearest sites holding ``code`` (an item code, asset type or "shelter")."""
    query = _query(kind, code)
    found: dict[int, Hit] = {}
    for radius in RADII_KM:
        dlat = radius / 111.0
        dlon = radius / (111.320 * max(0.05, math.cos(math.radians(lat))))
        rows = session.execute(query.where(
            Site.latitude.between(lat - dlat, lat + dlat),
            Site.longitude.between(lon - dlon, lon + dlon))).all()
        found = {}
        for row in rows:
            hit = _hit(kind, code, row)
            hit.distance_km = km(lat, lon, hit.latitude, hit.longitude)
            if hit.distance_km <= radius:
                found[hit.site_id] = hit
        if len(found) >= n or (max_km is not None and radius >= max_km):
            break
    hits = sorted(found.values(), key=lambda h: (h.distance_km, h.site_id))
    if max_km is not None:
        hits = [h for h in hits if h.distance_km <= max_km]
    return hits[:n]


def in_area(session: Session, kind: str, code: str, province_code: str = "",
            district_code: str = "", limit: int = 50) -> list[Hit]:
    """Sites holding ``code`` in a province or district (P-codes), most available first."""
    query = _query(kind, code)
    if district_code:
        query = query.where(Site.district_code == district_code)
    elif province_code:
        query = query.where(Site.province_code == province_code)
    hits = [_hit(kind, code, row) for row in session.execute(query).all()]
    return sorted(hits, key=lambda h: (-h.available, h.site_th))[:limit]


def experts(session: Session, skill: str, min_level: int = 1, on: date | None = None,
            province_code: str = "", certified: bool = True, limit: int = 50) -> list[dict[str, Any]]:
    """People with ``skill`` at ``min_level`` or above; with ``certified``, only those holding a
    certificate for it that is valid on ``on`` (today). Staff-only: names and phones."""
    on = on or date.today()
    query = (select(Person, Competency, Organisation)
             .join(Competency, Competency.person_id == Person.id)
             .outerjoin(Organisation, Organisation.id == Person.org_id)
             .where(Competency.skill == skill, Competency.level >= min_level,
                    Person.active.is_(True)))
    if province_code:
        query = query.where(Person.province_code == province_code)
    out = []
    for person, comp, org in session.execute(query.order_by(Competency.level.desc(), Person.id)):
        certs = list(session.scalars(select(Certificate).where(
            Certificate.person_id == person.id, Certificate.skill == skill)))
        valid = [c for c in certs if c.expires_on is None or c.expires_on >= on]
        if certified and not valid:
            continue
        out.append({
            "person_id": person.id, "name_th": person.name_th, "kind": person.kind,
            "org_code": org.code if org else "", "org_th": org.name_th if org else "",
            "phone": person.phone, "province_code": person.province_code,
            "skill": skill, "skill_th": CATALOGUE.skill_name(skill), "level": comp.level,
            "level_th": CATALOGUE.level_name(comp.level),
            "certificates": [{"name": c.name, "number": c.number, "issuer": c.issuer,
                              "expires_on": c.expires_on.isoformat() if c.expires_on else None}
                             for c in valid],
            "source_agency": person.source_agency,
            "last_verified_at": _aware(person.last_verified_at).isoformat(),
            "freshness_th": freshness_th(person.last_verified_at)})
        if len(out) >= limit:
            break
    return out

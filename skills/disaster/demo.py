"""Synthetic demo registry for three provinces (``data/demo.yml``, labelled synthetic).

Loaded through the importer, like an agency's file, so the demo exercises the same path
as real data. Agency codes start with ``DEMO-`` and every answer built from them says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .importer import Mapping, import_rows
from .models import (
    Asset,
    MergeProposal,
    Organisation,
    Person,
    Site,
    Stock,
)

DATA = Path(__file__).resolve().parent / "data" / "demo.yml"
PREFIX = "DEMO-"
_SITE_COLUMNS = ("site_id", "site_kind", "site_name", "lat", "lon", "district_code",
                 "capacity", "occupancy", "is_open", "phone")
SHELTER_PHONE = "1784"  # the real DDPM hotline (data/demo.yml), never an invented number


def _demo() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def _mapping(agency: dict[str, Any], record: str, fields: tuple[str, ...]) -> Mapping:
    return Mapping(agency=agency, record=record, columns={f: f for f in fields})


def _site_row(site: list) -> dict[str, str]:
    row = {k: "" if v is None else str(v) for k, v in zip(_SITE_COLUMNS, site[1:], strict=False)}
    row["phone"] = SHELTER_PHONE if row["site_kind"] == "shelter" else ""
    return row


def seed_demo(session: Session) -> dict[str, int]:
    """Add (or refresh) the demo registry; counts of created records by kind."""
    data = _demo()
    agencies = {a["code"]: a for a in data["agencies"]}
    sites = {(s[0], s[1]): s for s in data["sites"]}
    created: dict[str, int] = {}

    def run(code: str, record: str, fields: tuple[str, ...], rows: list[dict[str, str]]) -> None:
        report = import_rows(session, rows, _mapping(agencies[code], record, fields))
        if report.rejected:  # the demo file is ours: a rejection is a bug in it
            raise ValueError(f"demo data rejected: {code} {report.rejected}")
        for kind, n in report.created.items():
            created[kind] = created.get(kind, 0) + n

    for code in agencies:
        rows = [_site_row(s) for s in data["sites"] if s[0] == code]
        if rows:
            run(code, "site", _SITE_COLUMNS, rows)
    stock_fields = (*_SITE_COLUMNS, "item", "quantity", "unit", "expiry")
    asset_fields = (*_SITE_COLUMNS, "asset_id", "asset_type", "asset_name", "condition", "status")
    person_fields = (*_SITE_COLUMNS, "person_id", "name", "person_kind", "skill", "level",
                     "certificate", "cert_expiry", "province_code")
    for code in agencies:
        stock = [{**_site_row(sites[(code, s[1])]), "item": s[2], "quantity": str(s[3]),
                  "unit": s[4], "expiry": s[5]} for s in data["stock"] if s[0] == code]
        if stock:
            run(code, "stock", stock_fields, stock)
        assets = [{**_site_row(sites[(code, a[1])]), "asset_id": a[2], "asset_type": a[3],
                   "asset_name": a[4], "condition": str(a[5]), "status": a[6]}
                  for a in data["assets"] if a[0] == code]
        if assets:
            run(code, "asset", asset_fields, assets)
        people = [{**_site_row(sites[(code, p[1])]), "person_id": p[2], "name": p[3],
                   "person_kind": p[4], "skill": p[5], "level": str(p[6]), "certificate": p[7],
                   "cert_expiry": p[8], "province_code": p[9]}
                  for p in data["people"] if p[0] == code]
        if people:
            run(code, "person", person_fields, people)
    return created


def seed_demo_if_empty(session: Session) -> dict[str, int]:
    """Seed only into an empty registry (a fresh installation)."""
    if session.scalar(select(func.count(Site.id))):
        return {}
    return seed_demo(session)


def remove_demo(session: Session) -> int:
    """Delete every synthetic record (before loading official data); how many went."""
    gone = 0
    demo_sites = select(Site.id).where(Site.source_agency.startswith(PREFIX))
    session.execute(delete(MergeProposal).where(
        MergeProposal.entity == "site",
        MergeProposal.left_id.in_(demo_sites) | MergeProposal.right_id.in_(demo_sites)))
    for model in (Person, Asset, Stock, Site):
        gone += session.execute(delete(model).where(
            model.source_agency.startswith(PREFIX))).rowcount
    gone += session.execute(delete(Organisation).where(Organisation.code.startswith(PREFIX))).rowcount
    return gone

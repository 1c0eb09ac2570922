"""Exports of the registry for partners: HXL-tagged CSV and a 3W (who, what, where, when).

HXL has no standard unit attribute, so the unit travels in its own ``#item+unit`` column and
quantities are always in the catalogue's base unit. Synthetic demo records are marked in
``#meta+source`` (their agency code starts with ``DEMO``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalogue import CATALOGUE
from .models import Asset, Item, Organisation, Site, Stock

HXL_COLUMNS = (
    ("Organisation code", "#org+code"), ("Organisation", "#org+name"),
    ("Site code", "#loc+code"), ("Site", "#loc+name"), ("Site type", "#loc+type"),
    ("Latitude", "#geo+lat"), ("Longitude", "#geo+lon"), ("Province P-code", "#adm1+code"),
    ("District P-code", "#adm2+code"), ("Item code", "#item+code"), ("Item", "#item+name"),
    ("Quantity", "#item+provided"), ("Reserved", "#item+reserved"), ("Unit", "#item+unit"),
    ("Expiry", "#date+expiry"), ("Last verified", "#date+reported"), ("Source", "#meta+source"),
    ("Source id", "#meta+id"))


def _rows(session: Session):
    """(org, site, item code, item name, quantity, reserved, unit, expiry, verified, source id)."""
    for stock, site, org, item in session.execute(
            select(Stock, Site, Organisation, Item).join(Site, Site.id == Stock.site_id)
            .join(Organisation, Organisation.id == Site.org_id)
            .join(Item, Item.id == Stock.item_id).order_by(Organisation.code, Site.id, Item.code)):
        yield (org, site, item.code, item.name_th, stock.quantity, stock.reserved, item.base_unit,
               stock.expires_on, stock.last_verified_at, stock.source_agency, stock.source_id)
    for asset, site, org in session.execute(
            select(Asset, Site, Organisation).join(Site, Site.id == Asset.site_id)
            .join(Organisation, Organisation.id == Asset.org_id)
            .order_by(Organisation.code, Site.id, Asset.type)):
        yield (org, site, f"asset:{asset.type}", asset.name_th or CATALOGUE.asset_name(asset.type),
               1, 0 if asset.status == "available" else 1, "รายการ", None,
               asset.last_verified_at, asset.source_agency, asset.source_id)


def hxl_csv(session: Session) -> str:
    """Every stock line and asset as an HXL CSV (a human header row, then the hashtag row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([h for h, _ in HXL_COLUMNS])
    writer.writerow([t for _, t in HXL_COLUMNS])
    for (org, site, code, name, qty, reserved, unit, expiry, verified, source,
         source_id) in _rows(session):
        writer.writerow([org.code, org.name_th, site.source_id, site.name_th, site.kind,
                         f"{site.latitude:.6f}", f"{site.longitude:.6f}", site.province_code,
                         site.district_code, code, name, qty, reserved, unit,
                         expiry.isoformat() if expiry else "", verified.date().isoformat(),
                         source, source_id])
    return out.getvalue()


def three_w(session: Session) -> str:
    """Who holds what where, as of when: one row per organisation, resource and district."""
    totals: dict[tuple, list] = defaultdict(lambda: [0, None])
    for org, site, code, name, qty, _reserved, unit, _exp, verified, _src, _sid in _rows(session):
        what = CATALOGUE.asset_name(code[6:]) if code.startswith("asset:") else name
        key = (org.code, what, site.province_code, site.district_code, unit)
        totals[key][0] += qty
        day = verified.date()
        totals[key][1] = day if totals[key][1] is None else max(totals[key][1], day)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["who", "what", "where", "district", "when", "quantity", "unit"])
    for (who, what, province, district, unit), (qty, when) in sorted(totals.items()):
        writer.writerow([who, what, province, district, when.isoformat(), qty, unit])
    return out.getvalue()

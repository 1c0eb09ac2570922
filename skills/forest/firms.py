"""NASA FIRMS active-fire CSV import (VIIRS 375 m and MODIS), deduplicated and placed.

Columns as FIRMS writes them: MODIS ``latitude, longitude, brightness, scan, track, acq_date,
acq_time, satellite, instrument, confidence (0–100), version, bright_t31, frp, daynight``;
VIIRS ``latitude, longitude, bright_ti4, scan, track, acq_date, acq_time, satellite,
instrument, confidence (l/n/h), version, bright_ti5, frp, daynight`` (and ``type`` in
archives). The two confidences are different things and are never compared as numbers: each is
mapped to its own product's class (MODIS: low < 30 ≤ nominal < 80 ≤ high).

Dedupe on (satellite, acq_date, acq_time, latitude, longitude), keeping the preferred version
(NRT first, then the higher version number). ``acq_time`` is UTC HHMM; the local day is
Asia/Bangkok's (+7), so an 18:30 UTC pass belongs to the next day in Thailand.

Each hotspot is placed in its province and district (``bot.kernel.geo.admin_at``) and in the
managing agency's zone (``maps.forest_map``).

Area API (optional, with a MAP_KEY): ``area_url(key, source, bbox, days)``; the fetched CSV goes
through ``import_csv`` like a file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kernel.geo import admin_at

from .dbutil import insert_ignore
from .models import Hotspot

BANGKOK = ZoneInfo("Asia/Bangkok")
API = "https://firms.modaps.eosdis.nasa.gov/api/area/csv/{key}/{source}/{w},{s},{e},{n}/{days}"
SOURCES = ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT")
VIIRS_CLASSES = {"l": "low", "n": "nominal", "h": "high",
                 "low": "low", "nominal": "nominal", "high": "high"}
REQUIRED = ("latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence")


class FirmsError(ValueError):
    """The file is not a FIRMS CSV (a required column is missing)."""


@dataclass
class ImportResult:
    read: int = 0
    stored: int = 0
    replaced: int = 0  # a better version of a stored detection
    duplicates: int = 0
    skipped: list[str] | None = None  # "line N: why"


def modis_class(confidence: int) -> str:
    """MODIS confidence 0–100 → its class (Giglio 2015: low < 30, nominal < 80, high).

    >>> modis_class(29), modis_class(30), modis_class(80)
    ('low', 'nominal', 'high')
    """
    if confidence < 30:
        return "low"
    return "nominal" if confidence < 80 else "high"


def utc_moment(acq_date: str, acq_time: str) -> datetime:
    """FIRMS's UTC date and HHMM time (``"630"`` or ``"0630"`` or ``"06:30"``) as a UTC instant."""
    digits = re.sub(r"\D", "", acq_time).zfill(4)
    if len(digits) != 4:
        raise ValueError(f"acq_time {acq_time!r}")
    day = date.fromisoformat(acq_date.strip())
    return datetime(day.year, day.month, day.day, int(digits[:2]), int(digits[2:]),
                    tzinfo=timezone.utc)


def local_day(moment: datetime) -> date:
    """The day in Thailand: ``local_day(utc_moment("2026-03-10", "1830"))`` is 11 March."""
    return moment.astimezone(BANGKOK).date()


def version_rank(version: str) -> tuple[int, float]:
    """Sort key of a version: NRT first, then the higher number ("2.0NRT" > "1.0NRT" > "2.0")."""
    v = (version or "").strip().upper()
    number = re.match(r"\d+(\.\d+)?", v)
    return (1 if "NRT" in v else 0, float(number.group(0)) if number else 0.0)


def parse_rows(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The CSV's detections as dicts ready to store, and the lines skipped with why."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    cols = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise FirmsError(f"not a FIRMS CSV: missing {missing}")
    viirs = "bright_ti4" in cols
    out, skipped = [], []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError("coordinates out of range")
            moment = utc_moment(row["acq_date"], row["acq_time"])
            conf = row["confidence"]
            if viirs:
                cls = VIIRS_CLASSES[conf.lower()]
            else:
                value = int(float(conf))
                if not 0 <= value <= 100:
                    raise ValueError("MODIS confidence outside 0-100")
                cls = modis_class(value)
            bright = row.get("bright_ti4" if viirs else "brightness") or None
            out.append({
                "product": "VIIRS" if viirs else "MODIS", "satellite": row["satellite"][:8],
                "instrument": (row.get("instrument") or ("VIIRS" if viirs else "MODIS"))[:8],
                "acq_date": moment.date(), "acq_time": moment.strftime("%H%M"),
                "acquired_at": moment, "local_date": local_day(moment),
                "latitude": round(lat, 5), "longitude": round(lon, 5),
                "confidence_raw": conf[:8], "confidence_class": cls,
                "brightness_k": float(bright) if bright else None,
                "frp_mw": float(row["frp"]) if row.get("frp") else None,
                "daynight": (row.get("daynight") or "")[:1], "version": row.get("version", "")[:16],
            })
        except (KeyError, ValueError) as exc:
            skipped.append(f"line {n}: {exc}")
    return out, skipped


def place(row: dict[str, Any]) -> dict[str, Any]:
    """Add province, district and managing agency to a detection."""
    from .maps import forest_map

    area = admin_at(row["latitude"], row["longitude"])
    managed = forest_map().at(row["latitude"], row["longitude"])
    zone = managed.primary
    return {**row, "province_th": area.province_th if area else "",
            "district_th": area.district_th if area else "",
            "district_code": (area.code or "")[:6] if area else "",
            "agency": "+".join(managed.agencies), "zone_name": zone.name_th if zone else ""}


def import_csv(session: Session, text: str, source: str) -> ImportResult:
    """Store the CSV's detections: new ones added, a better version replaces a stored one."""
    try:
        rows, skipped = parse_rows(text)
    except csv.Error as exc:  # a NUL byte, a broken quote
        raise FirmsError(f"unreadable CSV: {exc}") from None
    result = ImportResult(read=len(rows) + len(skipped), skipped=skipped)
    best: dict[tuple, dict[str, Any]] = {}
    for row in rows:  # dedupe within the file first
        key = (row["satellite"], row["acq_date"], row["acq_time"], row["latitude"],
               row["longitude"])
        if key in best:
            result.duplicates += 1
            if version_rank(row["version"]) <= version_rank(best[key]["version"]):
                continue
        best[key] = row
    for key, row in best.items():
        row = place({**row, "source": source[:120]})
        if insert_ignore(session, Hotspot, row, ["satellite", "acq_date", "acq_time",
                                                   "latitude", "longitude"]) is not None:
            result.stored += 1
            continue
        stored = session.scalars(select(Hotspot).where(
            Hotspot.satellite == key[0], Hotspot.acq_date == key[1], Hotspot.acq_time == key[2],
            Hotspot.latitude == key[3], Hotspot.longitude == key[4])).one()
        if version_rank(row["version"]) > version_rank(stored.version):
            for name, value in row.items():
                setattr(stored, name, value)
            result.replaced += 1
        else:
            result.duplicates += 1
    return result


def import_file(session: Session, path: str | Path) -> ImportResult:
    path = Path(path)
    return import_csv(session, path.read_text(encoding="utf-8"), f"file:{path.name}")


def area_url(map_key: str, source: str, bbox: tuple[float, float, float, float],
             days: int = 1) -> str:
    """The FIRMS area API URL (1–5 days; west, south, east, north)."""
    if source not in SOURCES:
        raise ValueError(f"unknown FIRMS source {source}")
    if not 1 <= days <= 5:
        raise ValueError("FIRMS serves 1 to 5 days per request")
    w, s, e, n = bbox
    return API.format(key=map_key, source=source, w=w, s=s, e=e, n=n, days=days)


def fetch_area(map_key: str, source: str, bbox: tuple[float, float, float, float],
               days: int = 1, timeout: float = 60.0) -> str:
    """The area API's CSV (blocking; run it off the event loop). Raises ``FirmsError`` when
    FIRMS answers with something that is not a CSV (an invalid key, a limit reached)."""
    import urllib.request

    with urllib.request.urlopen(area_url(map_key, source, bbox, days), timeout=timeout) as r:
        text = r.read().decode("utf-8", "replace")
    if not text.startswith("latitude"):
        raise FirmsError(f"FIRMS answered: {text[:200]!r}")
    return text


PILOT_BBOX = (98.7, 18.65, 99.05, 19.0)  # west, south, east, north around Doi Suthep–Pui


def near(session: Session, lat: float, lon: float, radius_m: float, since: date) -> list[tuple[Hotspot, float]]:
    """Hotspots within ``radius_m`` of the point since local day ``since``, nearest first."""
    from bot.kernel.geo import haversine_m

    d = radius_m / 111_000 + 0.01
    rows = session.scalars(select(Hotspot).where(
        Hotspot.local_date >= since, Hotspot.latitude.between(lat - d, lat + d),
        Hotspot.longitude.between(lon - 2 * d, lon + 2 * d)))
    found = [(h, haversine_m(lat, lon, h.latitude, h.longitude)) for h in rows]
    return sorted([f for f in found if f[1] <= radius_m], key=lambda f: f[1])


def demo_csv(today_utc: date) -> str:
    """A small SYNTHETIC VIIRS file around the pilot area (labelled by its source on import)."""
    d = today_utc.isoformat()
    prev = (today_utc - timedelta(days=1)).isoformat()
    return ("latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,"
            "confidence,version,bright_ti5,frp,daynight\n"
            f"18.79210,98.86120,338.1,0.39,0.36,{d},0618,N,VIIRS,n,2.0NRT,295.2,4.1,D\n"
            f"18.90480,98.81350,352.7,0.41,0.37,{d},0618,N20,VIIRS,h,2.0NRT,298.0,9.8,D\n"
            f"18.75500,98.79900,331.0,0.40,0.37,{prev},1836,N,VIIRS,l,2.0NRT,291.4,2.2,N\n")

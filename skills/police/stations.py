"""Police station areas: which station covers a point, the nearest stations, a station by name.

Two layers make one national index (both approximate, and the answers say so):

- Bangkok: the 88 metropolitan stations (สน.), ``data/police_bangkok.geojson``, built by
  ``data/build_police_areas.py`` from แขวง polygons and a hand-reviewed assignment table.
- Elsewhere: one provincial station (สภ.) per อำเภอ, named after the district, derived on load
  from the 928-district boundary layer that ``bot.kernel.geo`` already holds.

An official layer in the same schema (GeoJSON features whose properties are ``SCHEMA``) can
replace both: ``StationIndex.load(official=path)``.

>>> idx = StationIndex.load()
>>> idx.at(13.7316, 100.5417).station.name_th     # Lumphini Park
'สน.ลุมพินี'
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rtree import index

from bot.kernel.geo import PolygonLayer, check_point, haversine_m, read_geojson
from bot.kernel.geo.admin import BANGKOK
from bot.kernel.geo.admin import layers as admin_layers
from bot.kernel.text import fold

DATA = Path(__file__).resolve().parent / "data"
BANGKOK_LAYER = DATA / "police_bangkok.geojson"
# An official jurisdiction layer dropped here (same schema) replaces both approximate layers.
OFFICIAL_LAYER = DATA / "police_official.geojson"
SCHEMA = ("station_id", "name_th", "name_en", "division", "phone", "phone_verified",
          "province_th", "district_th", "area_th", "lat", "lon", "approximate", "source")
PROVINCIAL_SOURCE = ("HDX COD-AB อำเภอ boundary; one สภ. per อำเภอ named after the district. "
                     "Approximate: several districts have more than one station. No phone: "
                     "no public, licensed list of สภ. phones was found (searched 2026-12-02); "
                     "answers point to the police call centre 1599.")


@dataclass(frozen=True)
class Station:
    """One station and its (approximate) position; ``phone`` may be empty."""

    station_id: str
    name_th: str
    name_en: str
    division: str
    phone: str
    phone_verified: bool
    province_th: str
    district_th: str
    area_th: str
    lat: float
    lon: float
    approximate: bool
    metro: bool

    @classmethod
    def from_props(cls, p: dict[str, Any]) -> Station:
        return cls(
            station_id=str(p["station_id"]), name_th=p["name_th"], name_en=p.get("name_en") or "",
            division=p.get("division") or "", phone=p.get("phone") or "",
            phone_verified=str(p.get("phone_verified")).lower() in ("yes", "true", "1"),
            province_th=p.get("province_th") or "", district_th=p.get("district_th") or "",
            area_th=p.get("area_th") or "", lat=float(p["lat"]), lon=float(p["lon"]),
            approximate=bool(p.get("approximate", True)),
            metro=str(p.get("name_th", "")).startswith("สน."))


@dataclass(frozen=True)
class Coverage:
    """The answer for a point: the covering station, or the nearest one when outside all areas."""

    station: Station
    inside: bool              # False: the point is outside every known area (sea, abroad)
    distance_m: float         # from the point to the station's approximate position
    edge_distance_m: float    # from the point to the station's area (0 inside)


def provincial_features() -> list[tuple[dict[str, Any], Any]]:
    """One สภ. area per อำเภอ outside Bangkok, from the shared district layer."""
    districts = admin_layers().districts
    out = []
    for props, geom in zip(districts.props, districts.geoms, strict=True):
        if props["ADM1_TH"] == BANGKOK:
            continue
        point = geom.representative_point()
        name = props["ADM2_TH"]
        out.append(({
            "station_id": f"PS-{props['ADM2_PCODE']}", "name_th": f"สภ.{name}",
            "name_en": (f"{props['ADM2_EN']} Police Station, {props['ADM1_EN']}"
                        if props.get("ADM2_EN") and props.get("ADM1_EN") else ""),
            "division": f"ตำรวจภูธรจังหวัด{props['ADM1_TH']}", "phone": "", "phone_verified": "",
            "province_th": props["ADM1_TH"], "district_th": name,
            "area_th": f"อำเภอ{name} จังหวัด{props['ADM1_TH']}", "lat": round(point.y, 5),
            "lon": round(point.x, 5), "approximate": True, "source": PROVINCIAL_SOURCE,
        }, geom))
    return out


class StationIndex:
    """Point → station over all areas (R-tree + prepared geometries) and station points."""

    def __init__(self, features: list[tuple[dict[str, Any], Any]]):
        missing = {k for props, _ in features for k in ("station_id", "name_th", "lat", "lon")
                   if k not in props}
        if missing:
            raise ValueError(f"police layer lacks properties {sorted(missing)}")
        self.areas = PolygonLayer(features, key="station_id")
        self.stations = [Station.from_props(p) for p in self.areas.props]
        self.by_id = {s.station_id: s for s in self.stations}
        self.points = index.Index(
            ((i, (s.lon, s.lat, s.lon, s.lat), None) for i, s in enumerate(self.stations)))

    @classmethod
    def load(cls, official: str | Path | None = None) -> StationIndex:
        """The shipped approximate layers, or an official layer in the same schema."""
        if official is not None:
            return cls(read_geojson(official))
        return cls(read_geojson(BANGKOK_LAYER) + provincial_features())

    def at(self, lat: float, lon: float) -> Coverage:
        """The station covering the point; outside every area, the nearest area's station.

        Raises ``bot.kernel.geo.InvalidCoordinates`` (Thai reason) for impossible coordinates.
        """
        lat, lon = check_point(lat, lon)
        i = self.areas.lookup_index(lon, lat)
        if i is not None:
            st = self.stations[i]
            return Coverage(st, True, haversine_m(lat, lon, st.lat, st.lon), 0.0)
        near = self.areas.nearest(lon, lat, k=1)[0]
        st = self.by_id[str(near.props["station_id"])]
        return Coverage(st, False, haversine_m(lat, lon, st.lat, st.lon), near.distance_m)

    def nearest(self, lat: float, lon: float, k: int = 3) -> list[tuple[Station, float]]:
        """The ``k`` stations whose positions are nearest, with distances in metres."""
        lat, lon = check_point(lat, lon)
        ids = list(self.points.nearest((lon, lat, lon, lat), num_results=max(k * 4, 12)))
        scored = sorted((haversine_m(lat, lon, self.stations[i].lat, self.stations[i].lon),
                         self.stations[i].station_id, i) for i in ids)
        return [(self.stations[i], d) for d, _, i in scored[:k]]

    def find(self, text: str, limit: int = 5) -> list[Station]:
        """Stations named in ``text`` ("เบอร์ สน.ลุมพินี", "สภ.เมืองขอนแก่น", "โรงพักบางรัก")."""
        key = fold(text)
        found: list[tuple[int, Station]] = []
        for st in self.stations:
            bare = fold(st.name_th.split(".", 1)[-1])
            stem = bare.rstrip("0123456789")  # "พลับพลาไชย" names both พลับพลาไชย 1 and 2
            if bare in key and len(bare) >= 3:
                found.append((len(bare), st))
            elif stem != bare and stem in key and not key.split(stem, 1)[1][:1].isdigit():
                found.append((len(stem), st))
        if not found:
            return []
        longest = max(n for n, _ in found)
        # "สน.บางซื่อ" should not also offer every station whose name merely contains it
        best = [st for n, st in found if n == longest]
        best.sort(key=lambda s: (not s.metro, s.station_id))
        return best[:limit]


_lock = threading.Lock()


@lru_cache(maxsize=1)
def default_index() -> StationIndex:
    """The index, built once per process: the official layer if one was dropped in, else ours."""
    with _lock:
        return StationIndex.load(OFFICIAL_LAYER if OFFICIAL_LAYER.exists() else None)


def layer_metadata() -> dict[str, Any]:
    """The Bangkok layer's own note and attribution (it says it is approximate)."""
    raw = json.loads(Path(BANGKOK_LAYER).read_text(encoding="utf-8"))
    return {"note": raw.get("note"), "attribution": raw.get("attribution")}

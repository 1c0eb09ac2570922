"""Two agencies' forest maps at one scale: datum first, EPSG:4326 stored, metres measured.

The pipeline, as surveyors do it (see README):

1. read each agency's layer in its own CRS; every polygon carries its source, scale and
   legal instrument;
2. transform the **datum first**: Indian 1975 (EPSG:24047, Everest 1830) goes to WGS 84 with the
   Royal Thai Survey Department's shift (dX 206, dY 837, dZ 295 m, the inverse of its published
   WGS84→Indian 1975 parameters). pyproj's default operation for EPSG:24047 lands 185 m away from
   a published control point; the RTSD shift is within 5 cm of it (tests/app/test_forest_maps.py);
3. store lon/lat (EPSG:4326), measure in UTM 47N metres (EPSG:32647);
4. compare the layers with the coarser source's NMAS tolerance (1:50,000 → 25.4 m,
   1:4,000 → 3.4 m): an overlap between agencies wider than that is a **dispute**, a hole
   between one agency's polygons is a **gap**; neither is resolved here, only reported;
5. answer "which agency manages this point" (both, and the dispute, when they overlap).

The shipped layers in ``data/layers/`` are synthetic approximations built by
``build_layers.py`` around Doi Suthep–Pui; official files in the same format drop in there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from . import config

LAYERS = config.DATA / "layers"
LAYER_FILES = ("dnp_indian1975_utm47n_50000.geojson", "rfd_wgs84_utm47n_4000.geojson")
METRIC_EPSG = 32647
SQM_PER_RAI = 1600
# RTSD 3-parameter shift, Indian 1975 → WGS 84 (docsbay "Thailand National Transformation
# Parameter": WGS84 → Indian 1975 dX −206, dY −837, dZ −295 m; inverted here).
INDIAN1975_UTM47_TO_WGS84 = (
    "+proj=pipeline +step +inv +proj=utm +zone=47 +ellps=evrst30 +step +proj=push +v_3 "
    "+step +proj=cart +ellps=evrst30 +step +proj=helmert +x=206 +y=837 +z=295 "
    "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
INDIAN1975_UTM48_TO_WGS84 = INDIAN1975_UTM47_TO_WGS84.replace("+zone=47", "+zone=48")


def nmas_tolerance_m(scale: int) -> float:
    """NMAS horizontal accuracy (90% of points) for a map at 1:``scale``: 1/30 inch at
    1:20,000 or larger, 1/50 inch smaller. ``nmas_tolerance_m(50000)`` is 25.4 m."""
    inch = 1 / 30 if scale <= 20000 else 1 / 50
    return round(inch * 0.0254 * scale, 1)


@lru_cache(maxsize=8)
def to_wgs84(epsg: int) -> Transformer:
    """The transformer from a layer's CRS to lon/lat WGS 84, datum shift included."""
    if epsg == 24047:
        return Transformer.from_pipeline(INDIAN1975_UTM47_TO_WGS84)
    if epsg == 24048:
        return Transformer.from_pipeline(INDIAN1975_UTM48_TO_WGS84)
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


@lru_cache(maxsize=1)
def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"EPSG:{METRIC_EPSG}", always_xy=True)


def reproject(geom: BaseGeometry, tr: Transformer, direction: str = "FORWARD") -> BaseGeometry:
    """``geom`` with every coordinate passed through ``tr``."""
    return shapely.transform(geom, lambda x, y: tr.transform(x, y, direction=direction),
                             interleaved=False)


def metric(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in UTM 47N metres (for areas, widths and buffers)."""
    return reproject(geom, _to_metric())


@dataclass
class Zone:
    """One polygon of one agency's layer, in lon/lat, with where it comes from."""

    agency: str
    name_th: str
    geometry: BaseGeometry  # EPSG:4326
    source: str
    source_crs: str
    scale: int
    legal_instrument: str
    synthetic: bool
    tolerance_m: float = field(init=False)

    def __post_init__(self) -> None:
        self.tolerance_m = nmas_tolerance_m(self.scale)

    def properties(self) -> dict[str, Any]:
        return {"agency": self.agency, "name_th": self.name_th, "source": self.source,
                "source_crs": self.source_crs, "scale": f"1:{self.scale}",
                "legal_instrument": self.legal_instrument, "synthetic": self.synthetic,
                "tolerance_m": self.tolerance_m}


def layer_epsg(doc: dict[str, Any]) -> int:
    """The EPSG code of a GeoJSON layer's ``crs`` member (old-style named CRS), 4326 without."""
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name", "EPSG:4326")
    return int(str(name).replace("::", ":").rsplit(":", 1)[-1])


def read_layer(path: Path) -> list[Zone]:
    """An agency layer file → zones in lon/lat (datum transformed first)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    epsg = layer_epsg(doc)
    tr = to_wgs84(epsg)
    zones = []
    for feat in doc["features"]:
        p = feat["properties"]
        missing = [k for k in ("agency", "name_th", "source", "scale", "legal_instrument")
                   if not p.get(k)]
        if missing:
            raise ValueError(f"{path.name}: a polygon lacks {missing}")
        geom = reproject(shape(feat["geometry"]), tr)
        zones.append(Zone(p["agency"], p["name_th"], geom, p["source"], f"EPSG:{epsg}",
                          int(str(p["scale"]).replace("1:", "").replace(",", "")),
                          p["legal_instrument"], bool(p.get("synthetic"))))
    return zones


@dataclass(frozen=True)
class Finding:
    """A dispute (overlap between agencies) or a gap (hole within one agency's layer)."""

    kind: str  # "dispute" | "gap"
    agencies: tuple[str, ...]
    zones: tuple[str, ...]
    area_sqm: float
    width_m: float
    tolerance_m: float
    geometry: BaseGeometry  # EPSG:4326

    @property
    def rai(self) -> float:
        return self.area_sqm / SQM_PER_RAI


def _width(geom_m: BaseGeometry) -> float:
    """An overlap's width in metres: twice the largest inscribed radius (approximately)."""
    from shapely import maximum_inscribed_circle  # shapely ≥ 2.1

    if geom_m.is_empty:
        return 0.0
    parts = getattr(geom_m, "geoms", [geom_m])
    return max(2 * maximum_inscribed_circle(g, tolerance=1.0).length for g in parts
               if g.area > 0) if any(g.area > 0 for g in parts) else 0.0


def compare(zones: list[Zone], gap_close_m: float = 300.0) -> list[Finding]:
    """Disputes between agencies and gaps within each agency's layer, beyond tolerance.

    An overlap narrower than the coarser source's tolerance is positional noise, not a
    dispute; a wider one is reported with both zones' names and its area. Gaps: holes inside
    one agency's union, and spaces narrower than ``gap_close_m`` between its polygons."""
    found: list[Finding] = []
    for i, a in enumerate(zones):
        for b in zones[i + 1:]:
            if a.agency == b.agency or not a.geometry.intersects(b.geometry):
                continue
            tol = max(a.tolerance_m, b.tolerance_m)
            over = a.geometry.intersection(b.geometry)
            over_m = metric(over)
            width = _width(over_m)
            if width > tol:
                found.append(Finding("dispute", (a.agency, b.agency), (a.name_th, b.name_th),
                                     over_m.area, width, tol, over))
    for agency in sorted({z.agency for z in zones}):
        own = [z for z in zones if z.agency == agency]
        tol = max(z.tolerance_m for z in own)
        union_m = unary_union([metric(z.geometry) for z in own])
        closed = union_m.buffer(gap_close_m, join_style="mitre").buffer(-gap_close_m,
                                                                      join_style="mitre")
        holes = closed.difference(union_m)
        for part in getattr(holes, "geoms", [holes]):
            if part.is_empty or part.area <= 0:
                continue
            width = _width(part)
            if width > tol:
                back = reproject(part, _to_metric(), "INVERSE")
                found.append(Finding("gap", (agency,), tuple(z.name_th for z in own),
                                     part.area, width, tol, back))
    return found


@dataclass(frozen=True)
class Management:
    """Who manages a point: the zones containing it (two in a dispute), and where reports go."""

    zones: tuple[Zone, ...]
    disputed: bool

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(z.agency for z in self.zones))

    @property
    def primary(self) -> Zone | None:
        return self.zones[0] if self.zones else None

    @property
    def hotlines(self) -> tuple[str, ...]:
        """Where a fire report goes: each managing agency's contact, or 199 outside them."""
        if not self.zones:
            return (config.load("agencies")["outside"]["hotline"],)
        return tuple(config.agencies()[a]["hotline"] for a in self.agencies)


class ForestMap:
    """Both agencies' zones in lon/lat, indexed (STRtree) for point lookups, with findings."""

    def __init__(self, zones: list[Zone]):
        self.zones = zones
        self.tree = STRtree([z.geometry for z in zones])
        self.findings = compare(zones)

    def at(self, lat: float, lon: float) -> Management:
        """The zones that contain the point (DNP before RFD: conservation forest first)."""
        pt = Point(lon, lat)
        hits = [self.zones[i] for i in self.tree.query(pt, predicate="intersects")]
        hits.sort(key=lambda z: (list(config.agencies()).index(z.agency), z.name_th))
        return Management(tuple(hits), len({z.agency for z in hits}) > 1)

    def geojson(self) -> dict[str, Any]:
        """The unified layer (EPSG:4326) with the disputes and gaps as features of their own."""
        feats = [{"type": "Feature", "properties": z.properties(), "geometry": mapping(z.geometry)}
                 for z in self.zones]
        feats += [{"type": "Feature", "properties": {
            "finding": f.kind, "agencies": list(f.agencies), "zones": list(f.zones),
            "area_sqm": round(f.area_sqm), "rai": round(f.rai, 1), "width_m": round(f.width_m, 1),
            "tolerance_m": f.tolerance_m}, "geometry": mapping(f.geometry)} for f in self.findings]
        return {"type": "FeatureCollection", "features": feats}


def load_zones(folder: Path = LAYERS) -> list[Zone]:
    zones: list[Zone] = []
    for name in LAYER_FILES:
        zones += read_layer(folder / name)
    return zones


@lru_cache(maxsize=1)
def forest_map() -> ForestMap:
    """The shipped (or dropped-in official) layers, built once per process."""
    return ForestMap(load_zones())

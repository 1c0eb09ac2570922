"""A polygon layer with an R-tree over bounds and exact tests on prepared geometries.

Shared by every skill that asks "which area is this point in?" (police stations, districts,
forest zones). Coordinates are WGS84 ``lon, lat`` inside shapely; the public helpers take
``lat, lon`` in that order because that is how people and platforms give them.

>>> layer = PolygonLayer([({"id": "a"}, box(0, 0, 1, 1)), ({"id": "b"}, box(1, 0, 2, 1))], key="id")
>>> layer.lookup(0.5, 0.5)["id"], layer.lookup(1.0, 0.5)["id"]   # on the shared edge: always "a"
('a', 'a')
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rtree import index
from shapely.geometry import Point, box, shape  # noqa: F401  (box is used by the doctest)
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from bot.kernel.point import InvalidCoordinates, check_point  # noqa: F401  (re-exported)

# The C function behind shapely.intersects_xy, without the Python wrapper that handles
# arrays and keyword arguments: on one point it is about 40% of the cost of a lookup.
_intersects_xy = getattr(shapely.lib, "intersects_xy", shapely.intersects_xy)

EARTH_RADIUS_M = 6_371_008.8
NEAREST_CANDIDATES = 16
# Cell size of the lookup grid built at load time (degrees, about 5.5 km).
GRID_CELL = 0.05
GRID_MAX_CELLS = 400_000


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def read_geojson(path: str | Path) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """Features of a GeoJSON file as ``(properties, geometry)``; invalid rings are repaired.

    ``path`` may also be kept gzip-compressed beside its name, as ``<name>.gz``.
    """
    path = Path(path)
    gz = path.with_name(path.name + ".gz")
    if not path.exists() and gz.exists():
        data = json.loads(gzip.decompress(gz.read_bytes()).decode("utf-8"))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            # make_valid may return a collection with stray lines; keep the areas only
            if geom.geom_type == "GeometryCollection":
                geom = shapely.union_all([g for g in geom.geoms if g.area > 0])
        out.append((dict(feature.get("properties") or {}), geom))
    return out


@dataclass(frozen=True)
class Nearest:
    """A feature near a point: its properties and the distance to its edge in metres."""

    props: dict[str, Any]
    distance_m: float


class PolygonLayer:
    """Polygons with properties; point lookup through an R-tree, never a scan of all polygons.

    ``key`` names the property that orders ties: a point on a shared boundary or in a sliver
    where two simplified polygons overlap goes to the polygon whose edge is farther from the
    point, and when that is equal (exactly on the boundary) to the smallest key.
    """

    def __init__(self, features: Iterable[tuple[dict[str, Any], BaseGeometry]], key: str):
        self.key = key
        self.props: list[dict[str, Any]] = []
        self.geoms: list[BaseGeometry] = []
        for props, geom in features:
            if geom.is_empty:
                continue
            self.props.append(props)
            self.geoms.append(geom)
        for geom in self.geoms:
            shapely.prepare(geom)
        self._boundaries: dict[int, BaseGeometry] = {}
        self.index = index.Index(
            ((i, g.bounds, None) for i, g in enumerate(self.geoms)), interleaved=True)
        self._build_grid()

    def _build_grid(self) -> None:
        """Candidate lists per grid cell, checked exactly against each cell, built at load time.

        A single-point R-tree query costs tens of microseconds in the Python binding; looking
        a cell up costs well under one. Each cell keeps the polygons that really intersect it,
        and a cell wholly inside one polygon answers without any point test. The R-tree stays
        the index for points outside the grid, for ``nearest`` and for ``rtree_only``.
        """
        self._cells: list[tuple[int, ...]] = []
        self._whole: dict[int, int] = {}
        if not self.geoms:
            return
        minx, miny, maxx, maxy = self.index.bounds
        nx = max(1, math.ceil((maxx - minx) / GRID_CELL))
        ny = max(1, math.ceil((maxy - miny) / GRID_CELL))
        if nx * ny > GRID_MAX_CELLS:  # a world-sized layer: query the R-tree per point
            return
        xs = minx + np.arange(nx) * GRID_CELL
        ys = miny + np.arange(ny) * GRID_CELL
        gx, gy = np.meshgrid(xs, ys)  # row-major: cell (iy, ix) at iy * nx + ix
        mins = np.column_stack([gx.ravel(), gy.ravel()])
        # cells each polygon's bounds overlap (padded by one cell against rounding); the
        # exact intersection test below removes the extras
        pairs_c, pairs_i = [], []
        for i, (x0, y0, x1, y1) in enumerate(shapely.bounds(np.array(self.geoms, dtype=object))):
            ix0, iy0 = max(0, math.floor((x0 - minx) / GRID_CELL) - 1), max(0, math.floor((y0 - miny) / GRID_CELL) - 1)
            ix1, iy1 = min(nx - 1, math.floor((x1 - minx) / GRID_CELL) + 1), min(ny - 1, math.floor((y1 - miny) / GRID_CELL) + 1)
            for iy in range(iy0, iy1 + 1):
                row = iy * nx
                pairs_c.extend(range(row + ix0, row + ix1 + 1))
                pairs_i.extend([i] * (ix1 - ix0 + 1))
        cell_of, ids = np.array(pairs_c, dtype=np.int64), np.array(pairs_i, dtype=np.int64)
        counts = nx * ny
        # keep only polygons that really touch the cell, and note cells wholly inside one
        boxes = shapely.box(mins[cell_of, 0], mins[cell_of, 1],
                            mins[cell_of, 0] + GRID_CELL, mins[cell_of, 1] + GRID_CELL)
        geoms = np.array(self.geoms, dtype=object)[ids]
        touches = shapely.intersects(geoms, boxes)
        covers = shapely.contains_properly(geoms, boxes)
        cells: list[list[int]] = [[] for _ in range(counts)]
        inside: dict[int, int] = {}
        for c, i, t, whole in zip(cell_of.tolist(), ids.tolist(), touches.tolist(),
                                  covers.tolist(), strict=True):
            if t:
                cells[c].append(i)
                if whole:
                    inside[c] = i
        self._cells = [tuple(c) for c in cells]
        # a cell inside one polygon and touched by no other needs no exact test
        self._whole = {c: i for c, i in inside.items() if len(cells[c]) == 1}
        self._grid = (minx, miny, nx, ny, 1.0 / GRID_CELL)

    def __len__(self) -> int:
        return len(self.geoms)

    def candidates(self, lon: float, lat: float) -> list[int] | tuple[int, ...]:
        """Polygons whose bounds may hold the point: a grid cell's list, else the R-tree."""
        if self._cells:
            minx, miny, nx, ny, inv = self._grid
            ix, iy = math.floor((lon - minx) * inv), math.floor((lat - miny) * inv)
            if 0 <= ix < nx and 0 <= iy < ny:
                return self._cells[iy * nx + ix]
            if not (minx <= lon and miny <= lat):
                return ()
        return list(self.index.intersection((lon, lat, lon, lat)))

    def lookup_index(self, lon: float, lat: float, *, rtree_only: bool = False) -> int | None:
        """Index of the one polygon that covers the point (deterministic), or ``None``.

        ``rtree_only`` skips the grid and queries the R-tree directly (for benchmarks).
        """
        if rtree_only:
            cands = self.index.intersection((lon, lat, lon, lat))
        else:
            if self._whole:
                minx, miny, nx, ny, inv = self._grid
                ix, iy = math.floor((lon - minx) * inv), math.floor((lat - miny) * inv)
                if 0 <= ix < nx and 0 <= iy < ny:
                    whole = self._whole.get(iy * nx + ix)
                    if whole is not None:
                        return whole
            cands = self.candidates(lon, lat)
        geoms = self.geoms
        hits = [i for i in cands if _intersects_xy(geoms[i], lon, lat)]
        if not hits:
            return None
        if len(hits) == 1:
            return hits[0]
        point = Point(lon, lat)
        return min(hits, key=lambda i: (-round(self._boundary(i).distance(point), 12),
                                        str(self.props[i].get(self.key))))

    def _boundary(self, i: int) -> BaseGeometry:
        """The polygon's outline, computed once (only points in overlaps need it)."""
        found = self._boundaries.get(i)
        if found is None:
            found = self._boundaries[i] = self.geoms[i].boundary
        return found

    def lookup(self, lon: float, lat: float) -> dict[str, Any] | None:
        i = self.lookup_index(lon, lat)
        return None if i is None else self.props[i]

    def nearest(self, lon: float, lat: float, k: int = 1) -> list[Nearest]:
        """The ``k`` polygons nearest to the point (distance to their edge, 0 inside)."""
        point = Point(lon, lat)
        want = max(k, NEAREST_CANDIDATES)
        scored = []
        for i in self.index.nearest((lon, lat, lon, lat), num_results=want):
            geom = self.geoms[i]
            if shapely.intersects_xy(geom, lon, lat):
                scored.append((0.0, str(self.props[i].get(self.key)), i))
                continue
            on_edge = nearest_points(geom, point)[0]
            metres = haversine_m(lat, lon, on_edge.y, on_edge.x)
            scored.append((metres, str(self.props[i].get(self.key)), i))
        scored.sort()
        return [Nearest(self.props[i], d) for d, _, i in scored[:k]]

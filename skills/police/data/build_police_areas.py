"""Build the approximate Bangkok police jurisdiction layer from the shared sources.

Real jurisdiction maps of the 88 metropolitan police stations (สน.) are not public, so the
areas are assembled from Bangkok's แขวง polygons (HDX COD-AB) following a hand-reviewed
assignment table (paths relative to ``skills/police/data``)::

    police_station_seeds.csv        one point per station (where it competes for area)
    police_khwaeng_assignment.csv   แขวง → station(s), with `reviewed` and `note`

A แขวง assigned to one station goes to it whole; one shared by several is split between
them by the Voronoi cells of their seed points, clipped to the แขวง. Pieces are made
disjoint (earlier P-code wins a sliver) and slivers between แขวง inside Bangkok's outline go
to the neighbouring station, so Bangkok is covered without gaps or overlaps. Outputs::

    police_bangkok.geojson   88 station areas, properties as in SCHEMA (approximate)
    police_stations.csv      station facts + seed points
    places.csv               the stations' names and points for the kernel's place resolver
                             and the tokenizer (``bot.kernel.gazetteer``'s skill hook)

Inputs: the station list ``sources/bangkok_metro_police_stations.csv`` (a copy of
``../shared/reference``, with its SOURCES file) and the แขวง and เขต boundary layers the
kernel ships in ``geodata/sources``. Run
``.venv/bin/python skills/police/data/build_police_areas.py`` after editing a table. ``--draft`` writes the
two tables from the rules below when they are missing (a starting point to review, not an
answer): a แขวง named like a station listing that district goes to it; the other แขวง of a
district are shared by every station listing the district; a district no station lists is
shared by the nearest seeds.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
GEODATA = HERE.parents[2] / "geodata"
HDX = "geodata-sources/thailand-admin-boundaries-hdx-codab"
STATIONS_SRC = "reference/bangkok_metro_police_stations.csv"  # in a copy of ../shared
STATIONS = HERE / "sources" / "bangkok_metro_police_stations.csv"
SEEDS = HERE / "police_station_seeds.csv"
ASSIGN = HERE / "police_khwaeng_assignment.csv"
LAYER = HERE / "police_bangkok.geojson"
FACTS = HERE / "police_stations.csv"
PLACES = HERE / "places.csv"
BANGKOK = "กรุงเทพมหานคร"
PRECISION = 6  # decimal degrees kept in the output (about 0.1 m)
NOTE_APPROX = ("Approximate: built from แขวง polygons and a reviewed assignment table, "
               "not from the police's own jurisdiction maps.")
# Properties every police layer carries; an official layer in this schema is a drop-in.
SCHEMA = ["station_id", "name_th", "name_en", "division", "phone", "phone_verified",
          "province_th", "district_th", "area_th", "lat", "lon", "approximate", "source"]
FACT_FIELDS = ["station_id", "name_th", "name_en", "division", "phone", "phone_verified",
               "province_th", "district_th", "lat", "lon", "seed_basis", "approximate",
               "confidence", "source"]
# The kernel's schema for a skill's place names (bot.kernel.gazetteer.PLACE_FIELDS).
PLACE_FIELDS = ["name_th", "kind", "code", "parent_th", "province_th", "lat", "lon", "aliases",
                "source"]


def _corrections() -> dict[str, str]:
    with open(GEODATA / "name_corrections.csv", encoding="utf-8") as fh:
        return {row["pcode"]: row["name_th"] for row in csv.DictReader(fh)}


def read_source(path: Path) -> str:
    """A source file's text; GeoJSON is kept gzip-compressed as ``<name>.gz`` in geodata/sources."""
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        return gzip.decompress(path.with_name(path.name + ".gz").read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def load_sources(shared: Path | None):
    """Stations (with ids ``BKK-PS-nn`` in list order), khwaeng and khet features.

    ``shared`` is a copy of ``../shared``; ``None`` reads the copies kept in the repository.
    """
    fixed = _corrections()
    boundaries = (shared or GEODATA / "sources") / HDX
    with open(shared / STATIONS_SRC if shared else STATIONS, encoding="utf-8") as fh:
        stations = []
        for i, row in enumerate(csv.DictReader(fh), start=1):
            row = dict(row)
            row["station_id"] = f"BKK-PS-{i:02d}"
            row["khets"] = [k for k in row["khet_th"].split(";") if k]
            stations.append(row)

    def feats(name):
        data = json.loads(read_source(boundaries / name))
        out = []
        for f in data["features"]:
            p = dict(f["properties"])
            p["ADM2_TH"] = fixed.get(p["ADM2_PCODE"], p["ADM2_TH"])
            geom = shape(f["geometry"])
            out.append((p, geom if geom.is_valid else shapely.make_valid(geom)))
        return out

    return stations, feats("bangkok_khwaeng_169.geojson"), feats("bangkok_khet_50.geojson")


def draft(stations, khwaeng) -> None:
    """Write first versions of the seed and assignment tables from the rules in the docstring."""
    by_name = {s["name_th"].removeprefix("สน.").strip(): s for s in stations}
    named: dict[str, dict] = {}  # khwaeng pcode → station named like it
    for p, _ in khwaeng:
        st = by_name.get(p["ADM3_TH"])
        if st and (p["ADM2_TH"] in st["khets"] or not st["khets"]):
            named[p["ADM3_PCODE"]] = st
    listing = defaultdict(list)  # khet → stations listing it or named in it
    for s in stations:
        for k in s["khets"]:
            listing[k].append(s["name_th"])
    for p, _ in khwaeng:
        if p["ADM3_PCODE"] in named and named[p["ADM3_PCODE"]]["name_th"] not in listing[p["ADM2_TH"]]:
            listing[p["ADM2_TH"]].append(named[p["ADM3_PCODE"]]["name_th"])
    # seeds: the named แขวง's inner point, else an unused free แขวง of the station's main district
    seeds, used, shared_with = {}, set(), defaultdict(list)
    for pcode, st in named.items():
        geom = next(g for p, g in khwaeng if p["ADM3_PCODE"] == pcode)
        if st["name_th"] not in seeds:
            seeds[st["name_th"]] = (geom.representative_point(), f"inner point of แขวง{st['name_th'][3:]}")
            used.add(pcode)
    for st in stations:
        if st["name_th"] in seeds:
            continue
        for khet in st["khets"]:
            free = [(p, g) for p, g in khwaeng if p["ADM2_TH"] == khet and p["ADM3_PCODE"] not in named]
            pick = next(((p, g) for p, g in free if p["ADM3_PCODE"] not in used), free[0] if free else None)
            if pick:
                used.add(pick[0]["ADM3_PCODE"])
                pt = pick[1].representative_point()
                if any(pt.equals(s) for s, _ in seeds.values()):  # two stations, one แขวง
                    pt = pick[1].intersection(pt.buffer(0.004)).representative_point()
                    pt = Point(pt.x + 0.0015, pt.y) if pick[1].contains(Point(pt.x + 0.0015, pt.y)) else pt
                seeds[st["name_th"]] = (pt, f"placeholder: inner point of แขวง{pick[0]['ADM3_TH']} "
                                            f"in its main district {khet}; no published coordinate used")
                break
        else:  # every แขวง of its districts is named after another station: share the largest
            options = [(pc, g) for p, g in khwaeng for pc in [p["ADM3_PCODE"]]
                       if p["ADM2_TH"] in st["khets"][:1] and pc in named]
            if options:
                pcode, geom = max(options, key=lambda o: o[1].area)
                other = seeds[named[pcode]["name_th"]][0]
                pt = geom.difference(other.buffer(0.01)).representative_point()
                shared_with[pcode].append(st["name_th"])
                seeds[st["name_th"]] = (pt, f"placeholder: a point of แขวง{st['khets'][0]} area "
                                            "shared with the station named after it")
    with open(SEEDS, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name_th", "lat", "lon", "basis", "reviewed", "note"])
        for st in stations:
            pt, basis = seeds[st["name_th"]]
            w.writerow([st["name_th"], f"{pt.y:.5f}", f"{pt.x:.5f}", basis, "no", ""])
    with open(ASSIGN, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["khwaeng_pcode", "khwaeng_th", "khet_th", "stations", "rule", "reviewed", "note"])
        for p, _ in sorted(khwaeng, key=lambda f: f[0]["ADM3_PCODE"]):
            if p["ADM3_PCODE"] in named:
                sts = [named[p["ADM3_PCODE"]]["name_th"], *shared_with[p["ADM3_PCODE"]]]
                rule = "named+shared" if len(sts) > 1 else "named"
            elif listing[p["ADM2_TH"]]:
                sts, rule = listing[p["ADM2_TH"]], "district-listed"
            else:
                sts, rule = [], "nearest-seeds"
            w.writerow([p["ADM3_PCODE"], p["ADM3_TH"], p["ADM2_TH"], ";".join(sts), rule, "no", ""])


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _voronoi_split(area, names: list[str], seeds: dict[str, Point]) -> dict[str, object]:
    if len(names) == 1:
        return {names[0]: area}
    pts = MultiPoint([seeds[n] for n in names])
    cells = shapely.voronoi_polygons(pts, extend_to=area.envelope.union(pts.envelope).buffer(1))
    out = {}
    for cell in cells.geoms:
        owner = next(n for n in names if cell.covers(seeds[n]))
        piece = cell.intersection(area)
        if not piece.is_empty and piece.area > 0:
            out[owner] = piece
    return out


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    return unary_union([g for g in getattr(geom, "geoms", []) if g.area > 0])


def build(shared: Path | None) -> tuple[list[dict], list[dict]]:
    """The Bangkok station features and station facts rows."""
    stations, khwaeng, khet = load_sources(shared)
    seeds_rows = {r["name_th"]: r for r in _read(SEEDS)}
    seeds = {n: Point(float(r["lon"]), float(r["lat"])) for n, r in seeds_rows.items()}
    missing = [s["name_th"] for s in stations if s["name_th"] not in seeds]
    if missing:
        sys.exit(f"stations without a seed point: {missing}")
    rows = {r["khwaeng_pcode"]: r for r in _read(ASSIGN)}
    pieces: dict[str, list] = defaultdict(list)
    taken = None
    for p, geom in sorted(khwaeng, key=lambda f: f[0]["ADM3_PCODE"]):
        row = rows.get(p["ADM3_PCODE"])
        if row is None:
            sys.exit(f"แขวง {p['ADM3_PCODE']} {p['ADM3_TH']} is missing from {ASSIGN.name}")
        names = [n for n in row["stations"].split(";") if n] or list(seeds)
        unknown = [n for n in names if n not in seeds]
        if unknown:
            sys.exit(f"{p['ADM3_PCODE']}: unknown stations {unknown}")
        area = geom if taken is None else geom.difference(taken)
        taken = geom if taken is None else taken.union(geom)
        split = _voronoi_split(area, names, seeds)
        if not row["stations"]:  # nearest seeds: keep only the stations that won a piece
            pass
        for name, piece in split.items():
            pieces[name].append(piece)
    areas = {n: _polygonal(unary_union(ps)) for n, ps in pieces.items()}
    # slivers between แขวง inside Bangkok's outline join the station they touch most
    outline = unary_union([g for _, g in khet] + [g for _, g in khwaeng])
    gaps = outline.difference(unary_union(list(areas.values())))
    for gap in getattr(gaps, "geoms", [gaps]):
        if gap.is_empty or gap.area <= 0:
            continue
        best = max(areas, key=lambda n: (areas[n].boundary.intersection(gap.buffer(1e-9)).length,
                                         -areas[n].distance(gap), n))
        areas[best] = _polygonal(areas[best].union(gap))
    empty = [s["name_th"] for s in stations if s["name_th"] not in areas or areas[s["name_th"]].is_empty]
    if empty:
        sys.exit(f"stations without an area: {empty}")
    khwaeng_names = defaultdict(list)
    for p, geom in khwaeng:
        for name, area in areas.items():
            if area.intersection(geom).area > 0.02 * geom.area:
                khwaeng_names[name].append(f"แขวง{p['ADM3_TH']} เขต{p['ADM2_TH']}")
    features, facts = [], []
    for st in stations:
        name, seed = st["name_th"], seeds[st["name_th"]]
        verified = "yes" if st["phone"] and "agree" in st["notes"] else ("no" if st["phone"] else "")
        district = st["khets"][0] if st["khets"] else ""
        props = {
            "station_id": st["station_id"], "name_th": name, "name_en": st["name_en"],
            "division": st["division"], "phone": st["phone"], "phone_verified": verified,
            "province_th": BANGKOK, "district_th": district,
            "area_th": ", ".join(sorted(khwaeng_names[name])) + " (บางส่วนหรือทั้งหมด)",
            "lat": round(seed.y, 5), "lon": round(seed.x, 5), "approximate": True,
            "source": "police_khwaeng_assignment.csv + HDX COD-AB แขวง; " + NOTE_APPROX,
        }
        geom = shapely.set_precision(areas[name], 10 ** -PRECISION)
        features.append({"type": "Feature", "properties": props,
                         "geometry": mapping(_polygonal(shapely.make_valid(geom)))})
        facts.append({
            "station_id": st["station_id"], "name_th": name, "name_en": st["name_en"],
            "division": st["division"], "phone": st["phone"], "phone_verified": verified,
            "province_th": BANGKOK, "district_th": district, "lat": f"{seed.y:.5f}",
            "lon": f"{seed.x:.5f}", "seed_basis": seeds_rows[name]["basis"],
            "approximate": "yes: position is a seed point, not the station's address",
            "confidence": st["confidence"],
            "source": "Metropolitan Police Bureau public station lists, compiled 2026-11 (ATTRIBUTION.md)",
        })
    return features, facts


def places(facts: list[dict]) -> list[dict]:
    """The stations as the kernel's place resolver reads them: ``สน.ลุมพินี``, also typed
    bare (``ลุมพินี``, the alias the tokenizer keeps whole), at the seed point."""
    return [{"name_th": f["name_th"], "kind": "station", "code": f["station_id"],
             "parent_th": f["district_th"], "province_th": f["province_th"], "lat": f["lat"],
             "lon": f["lon"], "aliases": f["name_th"].removeprefix("สน.").strip(),
             "source": FACTS.name} for f in facts]


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _round(obj):
    if isinstance(obj, float):
        return round(obj, PRECISION)
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None,
                        help="read a copy of ../shared instead of the copies kept in the repository "
                             "(geodata/sources and sources/ here)")
    parser.add_argument("--draft", action="store_true",
                        help="write the seed and assignment tables when they are missing")
    args = parser.parse_args()
    if args.draft:
        stations, khwaeng, _ = load_sources(args.shared)
        if SEEDS.exists() or ASSIGN.exists():
            sys.exit("the tables exist; delete them first to start a new draft")
        draft(stations, khwaeng)
        print(f"wrote drafts {SEEDS.name} and {ASSIGN.name}: review them, then run without --draft")
        return
    features, facts = build(args.shared)
    layer = {"type": "FeatureCollection", "name": "police_bangkok",
             "note": NOTE_APPROX, "attribution": (
                 "Administrative boundaries © Royal Thai Survey Department, via OCHA/HDX "
                 "(CC BY-IGO); simplified by thai-geolocate (MIT)."),
             "features": _round(features)}
    LAYER.write_text(json.dumps(layer, ensure_ascii=False, separators=(",", ":")) + "\n",
                     encoding="utf-8")
    _write_csv(FACTS, FACT_FIELDS, facts)
    _write_csv(PLACES, PLACE_FIELDS, places(facts))
    print(f"wrote {len(features)} station areas to {LAYER.name}, facts to {FACTS.name} "
          f"and names to {PLACES.name}")


if __name__ == "__main__":
    main()

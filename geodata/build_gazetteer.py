"""Build ``geodata/gazetteer.csv`` from the licensed sources in ``../shared``.

The gazetteer lists the general Thai place names the assistant must recognise as one word:
77 provinces, 928 districts (อำเภอ/เขต) and Bangkok's 169 sub-districts (แขวง). Names a
skill owns (police stations) are the skill's own ``skills/<id>/data/places.csv``, which
``bot.kernel.gazetteer`` adds to these. Run it again whenever a source changes::

    python geodata/build_gazetteer.py [--shared geodata/sources]

Only the standard library is used. Output rows are sorted so the file is reproducible.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
HDX = "geodata-sources/thailand-admin-boundaries-hdx-codab"
FIELDS = ["name_th", "kind", "code", "parent_th", "province_th", "source"]


def _features(path: Path) -> list[dict]:
    return [f["properties"] for f in json.loads(read_source(path))["features"]]

def read_source(path: Path) -> str:
    """A source file's text; sources are kept gzip-compressed as ``<name>.gz`` in geodata/sources."""
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        return gzip.decompress(path.with_name(path.name + ".gz").read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _corrections() -> dict[str, str]:
    with open(HERE / "name_corrections.csv", encoding="utf-8") as fh:
        return {row["pcode"]: row["name_th"] for row in csv.DictReader(fh)}


def build(shared: Path) -> list[dict]:
    """Return gazetteer rows built from the shared sources."""
    fixed = _corrections()
    rows: list[dict] = []
    for p in _features(shared / HDX / "thailand_provinces_77.geojson"):
        rows.append({"name_th": p["ADM1_TH"], "kind": "province", "code": p["ADM1_PCODE"],
                     "parent_th": "", "province_th": p["ADM1_TH"], "source": "hdx-codab"})
    for p in _features(shared / HDX / "thailand_amphoe_928.geojson"):
        rows.append({"name_th": fixed.get(p["ADM2_PCODE"], p["ADM2_TH"]), "kind": "district",
                     "code": p["ADM2_PCODE"], "parent_th": p["ADM1_TH"],
                     "province_th": p["ADM1_TH"], "source": "hdx-codab"})
    for p in _features(shared / HDX / "bangkok_khwaeng_169.geojson"):
        rows.append({"name_th": p["ADM3_TH"], "kind": "subdistrict", "code": p["ADM3_PCODE"],
                     "parent_th": fixed.get(p["ADM2_PCODE"], p["ADM2_TH"]),
                     "province_th": p["ADM1_TH"], "source": "hdx-codab"})
    rows.sort(key=lambda r: (r["kind"], r["code"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE / "sources",
                        help="a copy of ../shared (default: geodata/sources, see vendor_sources.py)")
    args = parser.parse_args()
    rows = build(args.shared)
    with open(HERE / "gazetteer.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} names to {HERE / 'gazetteer.csv'}")


if __name__ == "__main__":
    main()

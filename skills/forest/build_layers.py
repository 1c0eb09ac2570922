"""Build the two synthetic agency layers shipped in ``data/layers/`` (run: ``python -m
skills.forest.build_layers``).

They are APPROXIMATE and SYNTHETIC: outlines drawn by hand around the real Doi Suthep–Pui
National Park west of Chiang Mai city, not any agency's legal boundary. They exist to exercise
the pipeline the official files will go through (``maps.py``), so they reproduce the real
situation's shape:

* the DNP layer is delivered like an old 1:50,000 sheet: Indian 1975 / UTM 47N (EPSG:24047),
  coordinates rounded to whole metres;
* the RFD layer like a One Map 1:4,000 survey: WGS 84 / UTM 47N (EPSG:32647), to 0.1 m;
* RFD's plot A overlaps the park along its west side by about 400 m (a dispute), and a strip of
  about 150 m separates RFD's plots A and B (a gap within one layer).
"""

from __future__ import annotations

import json
from pathlib import Path

from pyproj import Transformer

from .maps import INDIAN1975_UTM47_TO_WGS84, LAYER_FILES, LAYERS

SOURCE_NOTE = ("synthetic approximation around Doi Suthep-Pui built by "
               "skills/forest/build_layers.py; not a legal boundary")
# lon, lat outlines (WGS 84), drawn around the park's general extent
PARK = [(98.845, 18.735), (98.905, 18.728), (98.945, 18.76), (98.952, 18.82), (98.94, 18.9),
        (98.905, 18.945), (98.86, 18.94), (98.838, 18.88), (98.836, 18.8), (98.845, 18.735)]
# plot A: west of the park, its east edge ~400 m inside the park's west edge
PLOT_A = [(98.78, 18.74), (98.8488, 18.74), (98.8398, 18.80), (98.8398, 18.86), (98.78, 18.86),
          (98.78, 18.74)]
# plot B: north-west, leaving a ~150 m strip (1.35 arc-seconds of latitude ≈ 150 m) below it
PLOT_B = [(98.78, 18.8614), (98.835, 18.8614), (98.85, 18.93), (98.80, 18.95), (98.78, 18.93),
          (98.78, 18.8614)]


def _layer(epsg: int, features: list[dict]) -> dict:
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}},
            "features": features}


def _feature(ring: list[tuple[float, float]], to_xy, digits: int, props: dict) -> dict:
    coords = [[round(c, digits) for c in to_xy(lon, lat)] for lon, lat in ring]
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [coords]}}


def build(folder: Path = LAYERS) -> list[Path]:
    """Write both layers; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    to_indian = Transformer.from_pipeline(INDIAN1975_UTM47_TO_WGS84)

    def indian_xy(lon, lat):
        return to_indian.transform(lon, lat, direction="INVERSE")

    wgs_utm = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
    dnp = _layer(24047, [_feature(PARK, indian_xy, 0, {
        "agency": "DNP", "name_th": "อุทยานแห่งชาติดอยสุเทพ-ปุย (แนวเขตจำลอง)",
        "source": SOURCE_NOTE + "; delivered as DNP 1:50,000 sheet, Indian 1975",
        "scale": "1:50000", "synthetic": True,
        "legal_instrument": "พระราชกฤษฎีกากำหนดบริเวณที่ดินป่าดอยสุเทพ-ปุย ให้เป็นอุทยานแห่งชาติ "
                            "พ.ศ. 2524 (ชื่อตามที่ทราบ ยังไม่ได้ตรวจกับราชกิจจานุเบกษา)"})])
    rfd = _layer(32647, [
        _feature(PLOT_A, wgs_utm.transform, 1, {
            "agency": "RFD", "name_th": "ป่าสงวนแห่งชาติจำลอง แปลง ก", "scale": "1:4000",
            "source": SOURCE_NOTE + "; delivered as RFD One Map 1:4,000, WGS 84",
            "synthetic": True, "legal_instrument": "กฎกระทรวงจำลอง (ตัวอย่าง ไม่มีอยู่จริง) ฉบับ ก"}),
        _feature(PLOT_B, wgs_utm.transform, 1, {
            "agency": "RFD", "name_th": "ป่าสงวนแห่งชาติจำลอง แปลง ข", "scale": "1:4000",
            "source": SOURCE_NOTE + "; delivered as RFD One Map 1:4,000, WGS 84",
            "synthetic": True, "legal_instrument": "กฎกระทรวงจำลอง (ตัวอย่าง ไม่มีอยู่จริง) ฉบับ ข"}),
    ])
    paths = []
    for name, doc in zip(LAYER_FILES, (dnp, rfd), strict=True):
        path = folder / name
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build():
        print(p)

"""Administrative areas: which province, district (อำเภอ/เขต) and Bangkok แขวง a point is in.

Layers come from the HDX COD-AB boundaries (Royal Thai Survey Department, simplified by
thai-geolocate), kept in ``geodata/sources`` (a compressed copy of ``../shared/geodata-sources``);
they are loaded once per process, on first use. Boundaries are simplified, so answers near a border are approximate.

>>> admin_at(13.7316, 100.5417).district_th      # Lumphini Park
'ปทุมวัน'
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.kernel.geo.layer import PolygonLayer, check_point, read_geojson

ROOT = Path(__file__).resolve().parents[3]
GEODATA = ROOT / "geodata"
# A copy of ../shared/geodata-sources kept in the repository (geodata/vendor_sources.py).
DEFAULT_SOURCES = GEODATA / "sources" / "geodata-sources" / "thailand-admin-boundaries-hdx-codab"
DISTRICTS_FILE = "thailand_amphoe_928.geojson"
KHWAENG_FILE = "bangkok_khwaeng_169.geojson"
BANGKOK = "กรุงเทพมหานคร"

_lock = threading.Lock()
_sources_dir: Path = DEFAULT_SOURCES


@dataclass(frozen=True)
class AdminArea:
    """The administrative area of a point; ``code`` is the most specific P-code (TH100701…)."""

    province_th: str
    district_th: str
    subdistrict_th: str | None
    in_bangkok: bool
    code: str | None


def configure(sources_dir: str | Path) -> None:
    """Read boundary layers from another folder (same file names and schema), e.g. official ones."""
    global _sources_dir
    with _lock:
        _sources_dir = Path(sources_dir)
        layers.cache_clear()


@lru_cache(maxsize=1)
def name_corrections() -> dict[str, str]:
    """P-code → corrected Thai name (the source truncates some names)."""
    with open(GEODATA / "name_corrections.csv", encoding="utf-8") as fh:
        return {row["pcode"]: row["name_th"] for row in csv.DictReader(fh)}


@dataclass(frozen=True)
class AdminLayers:
    districts: PolygonLayer   # 928 อำเภอ and เขต: ADM1_TH, ADM2_TH (corrected), ADM2_PCODE
    khwaeng: PolygonLayer     # Bangkok's 169 แขวง: ADM2_TH, ADM3_TH, ADM3_PCODE


@lru_cache(maxsize=1)
def layers() -> AdminLayers:
    """The admin layers, built once per process (thread-safe)."""
    with _lock:
        fixed = name_corrections()

        def tidy(features, code_field):
            for props, geom in features:
                props = dict(props)
                props["ADM2_TH"] = fixed.get(props.get("ADM2_PCODE"), props.get("ADM2_TH"))
                # English names are kept for typed transliterations ("Lat Phrao").
                yield {k: props.get(k) for k in ("ADM1_TH", "ADM2_TH", "ADM2_PCODE", "ADM3_TH",
                                                  "ADM3_PCODE", "ADM1_EN", "ADM2_EN", "ADM3_EN",
                                                  code_field)}, geom

        districts = PolygonLayer(tidy(read_geojson(_sources_dir / DISTRICTS_FILE), "ADM2_PCODE"),
                                 key="ADM2_PCODE")
        khwaeng = PolygonLayer(tidy(read_geojson(_sources_dir / KHWAENG_FILE), "ADM3_PCODE"),
                               key="ADM3_PCODE")
        return AdminLayers(districts, khwaeng)


def admin_at(lat: float, lon: float) -> AdminArea | None:
    """The area containing the point, ``None`` outside Thailand's land boundaries.

    Raises ``InvalidCoordinates`` (a ``ValueError`` with a Thai message) for impossible input.
    """
    lat, lon = check_point(lat, lon)
    lay = layers()
    district = lay.districts.lookup(lon, lat)
    if district is None:
        return None
    in_bangkok = district["ADM1_TH"] == BANGKOK
    khwaeng = lay.khwaeng.lookup(lon, lat) if in_bangkok else None
    if khwaeng is not None and khwaeng["ADM2_PCODE"] != district["ADM2_PCODE"]:
        # the two layers were simplified separately; trust the finer one near a khet border
        district = {"ADM1_TH": BANGKOK, "ADM2_TH": khwaeng["ADM2_TH"],
                    "ADM2_PCODE": khwaeng["ADM2_PCODE"]}
    return AdminArea(
        province_th=district["ADM1_TH"], district_th=district["ADM2_TH"],
        subdistrict_th=khwaeng["ADM3_TH"] if khwaeng else None, in_bangkok=in_bangkok,
        code=(khwaeng or district).get("ADM3_PCODE") or district["ADM2_PCODE"])

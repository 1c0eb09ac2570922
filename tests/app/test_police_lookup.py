"""Which police station covers a point: known places, provinces, sea, abroad, bad input, coverage."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import shapely
from shapely.ops import unary_union

from bot.kernel.geo import InvalidCoordinates
from bot.kernel.geo.admin import layers as admin_layers
from skills.police.stations import BANGKOK_LAYER, StationIndex, default_index

# Well-known Bangkok places and the station the shipped assignment table gives them. Each of
# these rests on a reviewed row of skills/police/data/police_khwaeng_assignment.csv (named แขวง or a
# hand note), so a change to the data that moves them is caught here.
BANGKOK_PLACES = [
    ("Lumphini Park", 13.7314, 100.5414, "สน.ลุมพินี"),
    ("Siam Paragon", 13.7462, 100.5347, "สน.ปทุมวัน"),
    ("National Stadium", 13.7465, 100.5290, "สน.ปทุมวัน"),
    ("Khao San Road", 13.7589, 100.4974, "สน.ชนะสงคราม"),
    ("Grand Palace", 13.7500, 100.4913, "สน.พระราชวัง"),
    ("Wat Arun", 13.7437, 100.4888, "สน.บางกอกใหญ่"),
    ("Victory Monument", 13.7650, 100.5383, "สน.พญาไท"),
    ("Don Mueang airport", 13.9126, 100.6068, "สน.ดอนเมือง"),
    ("Din Daeng", 13.7700, 100.5560, "สน.ดินแดง"),
    ("Huai Khwang", 13.7766, 100.5795, "สน.ห้วยขวาง"),
    ("Lat Krabang (KMITL)", 13.7299, 100.7782, "สน.ลาดกระบัง"),
    ("Bang Rak", 13.7290, 100.5240, "สน.บางรัก"),
    ("Nong Chok", 13.8550, 100.8620, "สน.หนองจอก"),
]

PROVINCES = [
    ("Chiang Mai old city", 18.7877, 98.9933, "สภ.เมืองเชียงใหม่", "เชียงใหม่"),
    ("Hat Yai", 7.0086, 100.4747, "สภ.หาดใหญ่", "สงขลา"),
    ("Khon Kaen", 16.4322, 102.8236, "สภ.เมืองขอนแก่น", "ขอนแก่น"),
    ("Patong beach", 7.8960, 98.2969, "สภ.กะทู้", "ภูเก็ต"),
    ("Nakhon Ratchasima", 14.9799, 102.0978, "สภ.เมืองนครราชสีมา", "นครราชสีมา"),
    ("Udon Thani", 17.4138, 102.7872, "สภ.เมืองอุดรธานี", "อุดรธานี"),
]


@pytest.fixture(scope="module")
def idx() -> StationIndex:
    return default_index()


@pytest.mark.parametrize("label, lat, lon, station", BANGKOK_PLACES, ids=[p[0] for p in BANGKOK_PLACES])
def test_known_bangkok_places_get_their_station(idx, label, lat, lon, station):
    cov = idx.at(lat, lon)
    assert cov.inside and cov.edge_distance_m == 0
    assert cov.station.name_th == station
    assert cov.station.division.startswith("บก.น.")


@pytest.mark.parametrize("label, lat, lon, station, province", PROVINCES, ids=[p[0] for p in PROVINCES])
def test_points_in_provinces_get_the_district_station(idx, label, lat, lon, station, province):
    cov = idx.at(lat, lon)
    assert cov.inside and cov.station.name_th == station
    assert cov.station.province_th == province
    assert cov.station.division == f"ตำรวจภูธรจังหวัด{province}"


def test_sea_point_in_the_gulf_gets_the_nearest_station_and_its_distance(idx):
    cov = idx.at(12.0, 101.0)  # open water south of Sattahip
    assert not cov.inside
    assert 10_000 < cov.edge_distance_m < 300_000
    assert cov.station.province_th in ("ชลบุรี", "ระยอง")


@pytest.mark.parametrize("lat, lon", [(11.5564, 104.9282), (16.8409, 96.1735)],
                         ids=["Phnom Penh", "Yangon"])
def test_point_in_a_neighbouring_country_is_outside_with_nearest_station(idx, lat, lon):
    cov = idx.at(lat, lon)
    assert not cov.inside and cov.edge_distance_m > 5_000
    assert cov.station.name_th.startswith("สภ.")


def test_zero_zero_is_far_outside_thailand(idx):
    cov = idx.at(0, 0)
    assert not cov.inside and cov.edge_distance_m > 5_000_000


@pytest.mark.parametrize("lat, lon", [(91, 200), (-91, 0), (0, 181), (float("inf"), 0), ("abc", 1)])
def test_impossible_coordinates_are_refused_with_a_thai_reason(idx, lat, lon):
    with pytest.raises(InvalidCoordinates) as err:
        idx.at(lat, lon)
    assert "ละติจูด" in str(err.value) or "ลองจิจูด" in str(err.value) or "พิกัด" in str(err.value)


def _shared_boundary_point(idx, a: str, b: str) -> tuple[float, float]:
    ga = idx.areas.geoms[[s.name_th for s in idx.stations].index(a)]
    gb = idx.areas.geoms[[s.name_th for s in idx.stations].index(b)]
    line = shapely.intersection(ga.boundary, gb.boundary)
    assert not line.is_empty, f"{a} and {b} do not touch"
    point = line.interpolate(0.5, normalized=True) if line.length else line.representative_point()
    return point.y, point.x


def test_a_point_exactly_on_a_shared_boundary_gets_one_answer_always_the_same(idx):
    lat, lon = _shared_boundary_point(idx, "สน.ลุมพินี", "สน.ปทุมวัน")
    first = idx.at(lat, lon).station.station_id
    assert all(idx.at(lat, lon).station.station_id == first for _ in range(20))
    rebuilt = StationIndex.load()  # a fresh process-equivalent index answers the same
    assert rebuilt.at(lat, lon).station.station_id == first
    assert first in {s.station_id for s in idx.stations if s.name_th in ("สน.ลุมพินี", "สน.ปทุมวัน")}


def test_all_88_bangkok_stations_have_a_non_empty_area(idx):
    metro = [(s, g) for s, g in zip(idx.stations, idx.areas.geoms, strict=True) if s.metro]
    assert len(metro) == 88
    assert len({s.name_th for s, _ in metro}) == 88
    for station, geom in metro:
        assert geom.area > 1e-7, station.name_th  # about 0.1 ha at least
        assert station.area_th


def test_bangkok_is_covered_without_gaps_or_overlaps(idx):
    geoms = [g for s, g in zip(idx.stations, idx.areas.geoms, strict=True) if s.metro]
    union = unary_union(geoms)
    overlap = sum(g.area for g in geoms) - union.area
    assert overlap < 1e-6 * union.area
    bangkok = unary_union([g for p, g in zip(admin_layers().districts.props,
                                             admin_layers().districts.geoms, strict=True)
                           if p["ADM1_TH"] == "กรุงเทพมหานคร"])
    assert bangkok.difference(union).area < 1e-6 * bangkok.area


def test_every_land_point_of_a_grid_over_thailand_gets_a_station(idx):
    districts = admin_layers().districts
    lons, lats = np.meshgrid(np.arange(97.35, 105.65, 0.05), np.arange(5.62, 20.47, 0.05))
    land = [(lat, lon) for lat, lon in zip(lats.ravel(), lons.ravel(), strict=True)
            if districts.lookup_index(lon, lat) is not None]
    assert len(land) >= 10_000
    missing = [(lat, lon) for lat, lon in land if not idx.at(lat, lon).inside]
    assert missing == []


def test_the_layer_says_it_is_approximate_and_keeps_unverified_phones_marked(idx):
    text = BANGKOK_LAYER.read_text(encoding="utf-8")
    assert '"note":"Approximate' in text.replace(": ", ":")
    assert all(s.approximate for s in idx.stations)
    lumphini = next(s for s in idx.stations if s.name_th == "สน.ลุมพินี")
    assert lumphini.phone == "02-255-5994" and not lumphini.phone_verified  # single source
    chana = next(s for s in idx.stations if s.name_th == "สน.ชนะสงคราม")
    assert chana.phone_verified  # two sources agree


def test_an_official_layer_in_the_same_schema_is_a_drop_in(tmp_path):
    import json

    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
        [100.50, 13.70], [100.60, 13.70], [100.60, 13.80], [100.50, 13.80], [100.50, 13.70]]]},
        "properties": {"station_id": "OFF-1", "name_th": "สน.ทดสอบ", "name_en": "Test",
                       "division": "บก.น.0", "phone": "02-000-0000", "phone_verified": "yes",
                       "province_th": "กรุงเทพมหานคร", "district_th": "ทดสอบ",
                       "area_th": "ทดสอบ", "lat": 13.75, "lon": 100.55, "approximate": False,
                       "source": "official"}}
    path = tmp_path / "official.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    official = StationIndex.load(official=path)
    cov = official.at(13.75, 100.55)
    assert cov.inside and cov.station.name_th == "สน.ทดสอบ" and not cov.station.approximate
    assert not official.at(18.79, 98.99).inside


def test_the_committed_layer_is_what_the_build_script_makes_from_the_tables():
    import importlib.util
    import json

    path = BANGKOK_LAYER.parent / "build_police_areas.py"
    spec = importlib.util.spec_from_file_location("build_police_areas", path)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    features, facts = build.build(None)  # the sources kept in the repository
    committed = json.loads(BANGKOK_LAYER.read_text(encoding="utf-8"))["features"]
    assert build._round(features) == committed
    assert len(facts) == 88
    with open(build.PLACES, encoding="utf-8") as fh:  # the names the place resolver reads
        assert list(csv.DictReader(fh)) == build.places(facts)


def test_a_point_in_a_sliver_where_two_areas_overlap_gets_one_answer(idx):
    geoms = idx.areas.geoms
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    pairs = [(a, b) for a, b in zip(left.tolist(), right.tolist(), strict=True) if a < b]
    assert pairs, "the simplified source layers are known to overlap slightly"
    for a, b in pairs[:25]:
        sliver = geoms[a].intersection(geoms[b])
        if sliver.area == 0:
            continue
        point = sliver.representative_point()
        answer = idx.at(point.y, point.x).station.station_id
        assert answer in (idx.stations[a].station_id, idx.stations[b].station_id)
        assert all(idx.at(point.y, point.x).station.station_id == answer for _ in range(5))

"""Two agencies' maps at one scale: the datum is transformed first (a published control
point), disputes beyond the coarser scale's tolerance are reported and never resolved, and
"which agency manages this point" follows from it."""

from __future__ import annotations

import json

from pyproj import Geod, Transformer
from shapely.geometry import Polygon

from skills.forest import maps

GEOD = Geod(ellps="WGS84")


def test_indian_1975_control_point_lands_within_1_m_of_its_published_wgs84_position():
    # The survey marker between the provincial hall and the court of Surat Thani carries both
    # positions: Indian 1975 UTM 47N E 536,772.956 N 1,009,256.493, and WGS 84
    # 9°07'58.32484"N 99°19'53.90800"E (photographed and transcribed at
    # http://tambon.blogspot.com/2011/01, "GPS and Thai UTM coordinates").
    lon_pub = 99 + 19 / 60 + 53.908 / 3600
    lat_pub = 9 + 7 / 60 + 58.32484 / 3600
    lon, lat = maps.to_wgs84(24047).transform(536772.956, 1009256.493)
    assert GEOD.inv(lon_pub, lat_pub, lon, lat)[2] < 1.0
    # Reading the same numbers as WGS 84 UTM (the datum mix-up) misses by some 450 m.
    lon2, lat2 = Transformer.from_crs("EPSG:32647", "EPSG:4326", always_xy=True).transform(
        536772.956, 1009256.493)
    assert GEOD.inv(lon_pub, lat_pub, lon2, lat2)[2] > 350


def test_nmas_tolerances_of_both_scales():
    assert maps.nmas_tolerance_m(50000) == 25.4
    assert maps.nmas_tolerance_m(4000) == 3.4


def _zone(agency, coords_m, scale, name):
    back = Transformer.from_crs("EPSG:32647", "EPSG:4326", always_xy=True)
    ring = [back.transform(x, y) for x, y in coords_m]
    return maps.Zone(agency, name, Polygon(ring), "test", "EPSG:32647", scale, "test", True)


def test_overlap_beyond_tolerance_is_a_dispute_and_a_sliver_within_it_is_not():
    x0, y0 = 500000, 2080000
    park = _zone("DNP", [(x0, y0), (x0 + 2000, y0), (x0 + 2000, y0 + 2000), (x0, y0 + 2000)],
                 50000, "park")
    # 100 m into the park: wider than 25.4 m → a dispute
    deep = _zone("RFD", [(x0 + 1900, y0), (x0 + 4000, y0), (x0 + 4000, y0 + 2000),
                         (x0 + 1900, y0 + 2000)], 4000, "deep")
    # 10 m into it: within the 1:50,000 tolerance → positional noise, not a dispute
    sliver = _zone("RFD", [(x0 - 2000, y0), (x0 + 10, y0), (x0 + 10, y0 + 2000),
                           (x0 - 2000, y0 + 2000)], 4000, "sliver")
    found = maps.compare([park, deep, sliver])
    disputes = [f for f in found if f.kind == "dispute"]
    assert [(f.zones, f.tolerance_m) for f in disputes] == [(("park", "deep"), 25.4)]
    assert abs(disputes[0].area_sqm - 100 * 2000) < 2000 and 95 < disputes[0].width_m < 105
    # nothing was changed to make it go away
    assert park.geometry.intersects(deep.geometry)


def test_shipped_layers_keep_source_scale_and_instrument_and_report_findings():
    fmap = maps.forest_map()
    for zone in fmap.zones:
        assert zone.source and zone.legal_instrument and zone.synthetic
    assert {(z.agency, z.source_crs, z.scale) for z in fmap.zones} == {
        ("DNP", "EPSG:24047", 50000), ("RFD", "EPSG:32647", 4000)}
    kinds = sorted(f.kind for f in fmap.findings)
    assert kinds.count("dispute") >= 1 and kinds.count("gap") == 1
    doc = fmap.geojson()
    assert json.dumps(doc)  # stored as EPSG:4326 GeoJSON
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 98 < lon < 99.5 and 18 < lat < 19.5


def test_which_agency_manages_a_point_and_where_a_report_goes():
    fmap = maps.forest_map()
    park = fmap.at(18.85, 98.90)
    assert park.agencies == ("DNP",) and park.hotlines == ("1362",) and not park.disputed
    reserve = fmap.at(18.80, 98.79)
    assert reserve.agencies == ("RFD",) and reserve.hotlines == ("1310",)
    both = fmap.at(18.80, 98.838)
    assert both.disputed and both.agencies == ("DNP", "RFD") and both.hotlines == ("1362", "1310")
    town = fmap.at(18.79, 98.99)  # Chiang Mai city
    assert town.agencies == () and town.hotlines == ("199",)

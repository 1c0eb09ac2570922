"""NASA FIRMS import: both products with their real columns, each confidence in its own
classes, dedupe keeping the preferred version, and the UTC → Thai day change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.kernel.db import session_factory
from skills.forest import firms
from skills.forest.models import Hotspot
from tests.app.forest_env import make_settings

VIIRS = """latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight
18.79210,98.86120,338.1,0.39,0.36,2026-03-10,0618,N,VIIRS,n,2.0NRT,295.2,4.1,D
18.90480,98.81350,352.7,0.41,0.37,2026-03-10,618,N20,VIIRS,h,2.0NRT,298.0,9.8,D
18.75500,98.79900,331.0,0.40,0.37,2026-03-10,1836,N,VIIRS,l,2.0NRT,291.4,2.2,N
18.79210,98.86120,338.1,0.39,0.36,2026-03-10,0618,N,VIIRS,n,2.0NRT,295.2,4.1,D
"""
MODIS = """latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_t31,frp,daynight
18.8001,98.8702,321.5,1.0,1.0,2026-03-10,0345,T,MODIS,29,6.1NRT,298.1,12.3,D
18.8101,98.8802,330.2,1.1,1.0,2026-03-10,0345,T,MODIS,30,6.1NRT,299.0,15.0,D
16.4400,99.5100,345.0,1.2,1.1,2026-03-10,0650,A,MODIS,80,6.1NRT,300.2,30.1,D
16.4400,99.5100,345.0,1.2,1.1,2026-03-10,0650,A,MODIS,85,6.1,300.2,30.1,D
"""


@pytest.fixture
def factory(tmp_path):
    return session_factory(make_settings(tmp_path).database_url)


def rows(factory) -> list[Hotspot]:
    with factory.begin() as s:
        return list(s.scalars(select(Hotspot).order_by(Hotspot.product, Hotspot.acq_time,
                                                       Hotspot.latitude)))


def test_viirs_confidence_classes_dedupe_and_the_day_change(factory):
    with factory.begin() as s:
        res = firms.import_csv(s, VIIRS, "file:viirs.csv")
    assert (res.read, res.stored, res.duplicates) == (4, 3, 1)
    spots = {(h.satellite, h.acq_time): h for h in rows(factory)}
    assert {k: h.confidence_class for k, h in spots.items()} == {
        ("N", "0618"): "nominal", ("N20", "0618"): "high", ("N", "1836"): "low"}
    evening = spots[("N", "1836")]
    assert evening.acq_date == date(2026, 3, 10) and evening.local_date == date(2026, 3, 11)
    assert spots[("N", "0618")].local_date == date(2026, 3, 10)
    # placed in its province and district, and in the managing agency's zone
    park = spots[("N", "0618")]
    assert park.province_th == "เชียงใหม่" and park.district_th and park.agency == "DNP"
    with factory.begin() as s:  # importing the same file again adds nothing
        again = firms.import_csv(s, VIIRS, "file:viirs.csv")
    assert (again.stored, again.duplicates) == (0, 4) and len(rows(factory)) == 3


def test_modis_percentages_map_to_their_own_classes_and_nrt_wins(factory):
    with factory.begin() as s:
        res = firms.import_csv(s, MODIS, "file:modis.csv")
    assert (res.stored, res.duplicates) == (3, 1)
    got = {(h.latitude, h.confidence_raw): h.confidence_class for h in rows(factory)}
    assert got == {(18.8001, "29"): "low", (18.8101, "30"): "nominal", (16.44, "80"): "high"}
    kept = next(h for h in rows(factory) if h.latitude == 16.44)
    assert kept.version == "6.1NRT"  # the NRT version is preferred over the standard one
    assert kept.province_th == "กำแพงเพชร" and kept.agency == ""  # outside both agencies' maps


def test_a_better_version_arriving_later_replaces_the_stored_one(factory):
    head, line = MODIS.splitlines()[0], MODIS.splitlines()[4]  # the 6.1 (standard) row
    with factory.begin() as s:
        firms.import_csv(s, head + "\n" + line + "\n", "first")
        res = firms.import_csv(s, head + "\n" + MODIS.splitlines()[3] + "\n", "second")
    assert res.replaced == 1
    assert [h.version for h in rows(factory)] == ["6.1NRT"]


def test_bad_lines_are_skipped_with_why_and_a_non_firms_file_is_refused(factory):
    with factory.begin() as s:
        res = firms.import_csv(s, VIIRS.replace(",n,2.0NRT", ",q,2.0NRT", 1), "x")
        assert res.skipped and res.skipped[0].startswith("line 2")
        with pytest.raises(firms.FirmsError):
            firms.import_csv(s, "lat,lon\n1,2\n", "x")


def test_area_api_url_has_the_documented_shape():
    assert firms.area_url("KEY", "VIIRS_NOAA20_NRT", (97.3, 17.2, 101.4, 20.5), 2) == (
        "https://firms.modaps.eosdis.nasa.gov/api/area/csv/KEY/VIIRS_NOAA20_NRT/"
        "97.3,17.2,101.4,20.5/2")
    with pytest.raises(ValueError):
        firms.area_url("KEY", "MODIS_NRT", (0, 0, 1, 1), 6)

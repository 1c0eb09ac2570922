"""The shared geography kernel (bot.kernel.geo): place names in Thai text and admin areas at points."""

import csv

import pytest

from bot.kernel.geo import AdminArea, InvalidCoordinates, admin_at, resolve_place
from bot.kernel.geo.places import LANDMARKS_FILE


def test_admin_at_bangkok_point_gives_khet_and_khwaeng():
    area = admin_at(13.7316, 100.5417)  # Lumphini Park
    assert area == AdminArea("กรุงเทพมหานคร", "ปทุมวัน", "ลุมพินี", True, "TH100704")


def test_admin_at_province_point():
    area = admin_at(18.7877, 98.9933)  # Chiang Mai old city
    assert (area.province_th, area.district_th, area.in_bangkok) == (
        "เชียงใหม่", "เมืองเชียงใหม่", False)


@pytest.mark.parametrize("lat, lon", [(0, 0), (12.0, 101.0), (21.0, 105.85)])
def test_admin_at_outside_thailand_is_none(lat, lon):
    assert admin_at(lat, lon) is None  # Gulf of Guinea, Gulf of Thailand, Hanoi


@pytest.mark.parametrize("lat, lon", [(91, 200), (13.7, 181), ("x", 100), (float("nan"), 100)])
def test_admin_at_refuses_impossible_coordinates_in_thai(lat, lon):
    with pytest.raises(InvalidCoordinates) as err:
        admin_at(lat, lon)
    assert isinstance(err.value, ValueError)
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in str(err.value))


def test_every_landmark_lies_in_the_district_it_claims():
    with open(LANDMARKS_FILE, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["source"] and row["checked"], row["name_th"]
            area = admin_at(float(row["lat"]), float(row["lon"]))
            assert area is not None, row["name_th"]
            assert (area.province_th, area.district_th) == (row["province_th"], row["district_th"])


def test_resolve_place_finds_a_name_inside_a_sentence():
    [place] = resolve_place("อยู่ลาดพร้าว แจ้งความที่ไหน")
    assert place.name_th == "ลาดพร้าว" and place.province_th == "กรุงเทพมหานคร"
    assert admin_at(place.lat, place.lon).district_th == "ลาดพร้าว"


def test_resolve_place_landmark_alias_and_typo():
    assert [p.name_th for p in resolve_place("ตอนนี้อยู่สวนลุม")] == ["สวนลุมพินี"]
    assert [p.name_th for p in resolve_place("แถวลาดพร้าย")] == ["ลาดพร้าว"]


def test_resolve_place_same_district_name_in_several_provinces_is_ambiguous():
    found = resolve_place("อยู่อำเภอเฉลิมพระเกียรติ")
    assert len(found) >= 2 and len({p.province_th for p in found}) == len(found)
    # naming the province settles it
    [one] = resolve_place("เฉลิมพระเกียรติ น่าน")
    assert one.province_th == "น่าน"


def test_resolve_place_nothing_found():
    assert resolve_place("สวัสดีครับ") == []
    assert resolve_place("") == []


def test_grid_lookup_agrees_with_the_rtree_and_a_full_scan():
    import random

    import shapely

    from bot.kernel.geo.admin import layers

    layer = layers().districts
    rng = random.Random(7)
    for n in range(3000):
        lon, lat = rng.uniform(96.5, 106.5), rng.uniform(4.5, 21.0)
        fast = layer.lookup_index(lon, lat)
        assert fast == layer.lookup_index(lon, lat, rtree_only=True)
        if n % 20:
            continue  # the full scan is slow: check one point in twenty against it
        scan = [i for i, g in enumerate(layer.geoms) if shapely.intersects_xy(g, lon, lat)]
        assert (fast is None) == (not scan) and (fast is None or fast in scan)

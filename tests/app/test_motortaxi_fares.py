"""Legal maximum fares, against figures worked out by hand from the ministerial regulation.

Rule (ministerial regulation B.E. 2559 on motorcycle-taxi fares): first 2 km 25 baht; 2 to 5 km +5 baht
per km; 5 to 15 km +10 baht per km; beyond 15 km as agreed, else at most 10 baht per km.
A started kilometre counts as a whole one (the data file says so).
"""

from __future__ import annotations

import pytest

from skills.motortaxi import fares


@pytest.mark.parametrize("km, baht", [
    (1.5, 25),   # within the first 2 km
    (4, 35),     # 25 + 2 km x 5
    (7, 60),     # 25 + 3 km x 5 + 2 km x 10
    (15, 140),   # 25 + 3 x 5 + 10 x 10
    (20, 190),   # 140 + 5 km x 10 (no price agreed in advance)
])
def test_fares_for_the_acceptance_distances(km, baht):
    assert fares.maximum_fare(km).baht == baht


def test_a_started_kilometre_counts_and_beyond_15_km_is_flagged():
    assert fares.maximum_fare(2.1).baht == 30
    assert fares.maximum_fare(2).baht == 25
    assert not fares.maximum_fare(15).beyond_regulated
    assert fares.maximum_fare(15.2).beyond_regulated


@pytest.mark.parametrize("bad", [0, -3, float("nan"), float("inf"), 501, True, "5"])
def test_impossible_distances_are_refused(bad):
    with pytest.raises(ValueError):
        fares.maximum_fare(bad)


def test_the_data_file_names_its_source_and_date():
    rules = fares.rules()
    assert "2559" in rules["source"] and rules["source_date"] and rules["checked"]

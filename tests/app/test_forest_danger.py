"""Fire-danger indices with worked values (computed by hand from the published formulas)."""

from __future__ import annotations

import pytest

from skills.forest import danger


@pytest.mark.parametrize(("rh", "t", "index", "cls"), [
    (30, 30, 1.2, "very_likely"),    # 30/20 + (27-30)/10 = 1.5 - 0.3
    (40, 27, 2.0, "favourable"),     # 2.0 + 0: the lower edge of "favourable"
    (50, 27, 2.5, "favourable"),     # 2.5: the upper edge
    (60, 20, 3.7, "unfavourable"),   # 3.0 + 0.7
    (80, 15, 5.2, "unlikely"),       # 4.0 + 1.2
])
def test_angstrom_worked_values_and_classes(rh, t, index, cls):
    assert danger.angstrom(rh, t) == pytest.approx(index)
    assert danger.angstrom_class(danger.angstrom(rh, t))["key"] == cls


@pytest.mark.parametrize(("rh", "t_c", "mph", "ffwi"), [
    # 10 <= h <= 50: m = 2.22749 + 0.160107*30 - 0.01478*86 = 5.75962; eta = 0.667776;
    # sqrt(1 + 10^2) = 10.04988 → 0.667776 * 10.04988 / 0.3002 = 22.355
    (30, 30, 10, 22.355),
    # h < 10: m = 0.03229 + 0.281073*5 - 0.000578*5*95 = 1.163105; eta = 0.924685;
    # sqrt(401) = 20.02498 → 61.68 (at or above 50: significant)
    (5, 35, 20, 61.68),
    # h > 50: m = 21.0606 + 0.005565*6400 - 0.00035*80*68 - 0.483199*80 = 16.1167; eta = 0.280942;
    # sqrt(26) = 5.09902 → 4.772
    (80, 20, 5, 4.772),
])
def test_fosberg_worked_values(rh, t_c, mph, ffwi):
    assert danger.fosberg(rh, t_c, mph / danger.MPS_TO_MPH) == pytest.approx(ffwi, abs=0.01)


def test_fosberg_is_capped_at_100_and_classed_at_50():
    assert danger.fosberg(2, 45, 40) == 100.0
    assert danger.fosberg_class(61.7)["key"] == "significant"
    assert danger.fosberg_class(49.9)["key"] == "below"


def test_assessment_needs_humidity_and_temperature_and_adds_fosberg_with_wind():
    assert danger.assess({"temperature": 30}) is None
    only = danger.assess({"air_humidity": 30, "temperature": 30})
    assert only["class"]["key"] == "very_likely" and "fosberg" not in only
    windy = danger.assess({"air_humidity": 5, "temperature": 35, "wind_speed": 20 / 2.23694})
    assert windy["fosberg_class"]["key"] == "significant"

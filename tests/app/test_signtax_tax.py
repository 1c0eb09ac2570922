"""Signboard tax engine: worked examples from the acceptance list (rates of MR B.E. 2563)."""

from datetime import date
from decimal import Decimal

import pytest
import yaml

from skills.signtax import tax
from skills.signtax.tax import Sign, compute_sign

YEAR = 2026


@pytest.mark.parametrize(("sign_type", "moving", "rate", "expected"), [
    ("1", False, 5, 450), ("1", True, 10, 900),
    ("2", False, 26, 2340), ("2", True, 52, 4680),
    ("3", False, 50, 4500), ("3", True, 52, 4680),
])
def test_each_type_moving_and_fixed(sign_type, moving, rate, expected):
    # 1.5 m × 3 m = 45,000 cm² = 90 units of 500 cm²
    r = compute_sign(Sign(150, 300, sign_type, moving=moving), YEAR)
    assert r.area_cm2 == 45000 and r.units == 90 and r.rate == rate
    assert r.tax == expected and not r.minimum_applied
    assert r.rate_kind == ("moving" if moving else "fixed")


def test_rounding_boundary_250_is_dropped_251_counts():
    at_half = compute_sign(Sign(1, 100250, "1", moving=False), YEAR)   # 200 units + 250 cm²
    above = compute_sign(Sign(1, 100251, "1", moving=False), YEAR)     # 200 units + 251 cm²
    assert (at_half.units, at_half.remainder_cm2, at_half.remainder_counted) == (200, 250, False)
    assert (above.units, above.remainder_cm2, above.remainder_counted) == (201, 251, True)
    assert at_half.tax == 1000 and above.tax == 1005
    assert "units_rounded_down" in at_half.steps and "units_rounded_up" in above.steps


def test_small_remainders_on_a_small_sign():
    assert compute_sign(Sign(25, 30, "2", moving=True), YEAR).units == 1      # 750 cm²
    assert compute_sign(Sign(10, 25, "2", moving=True), YEAR).units == 0      # 250 cm²
    assert compute_sign(Sign(251, 1, "2", moving=True), YEAR).units == 1     # 251 cm²


def test_minimum_200_baht_per_sign():
    r = compute_sign(Sign(50, 100, "1", moving=False), YEAR)  # 10 units × 5 = 50
    assert r.by_area == 50 and r.tax == 200 and r.minimum_applied
    assert "minimum" in r.steps
    exactly = compute_sign(Sign(100, 200, "1", moving=False), YEAR)  # 40 × 5 = 200
    assert exactly.tax == 200 and not exactly.minimum_applied


@pytest.mark.parametrize(("installed", "quarter", "expected"), [
    (date(YEAR, 1, 10), 1, Decimal(2340)), (date(YEAR, 3, 31), 1, Decimal(2340)),
    (date(YEAR, 4, 1), 2, Decimal(1755)), (date(YEAR, 6, 30), 2, Decimal(1755)),
    (date(YEAR, 7, 1), 3, Decimal(1170)), (date(YEAR, 9, 30), 3, Decimal(1170)),
    (date(YEAR, 10, 1), 4, Decimal(585)), (date(YEAR, 12, 31), 4, Decimal(585)),
])
def test_first_year_share_by_quarter(installed, quarter, expected):
    r = compute_sign(Sign(150, 300, "2", moving=False, installed_on=installed), YEAR)
    assert r.quarter == quarter and r.tax == expected and "first_year_share" in r.steps


def test_sign_installed_in_an_earlier_year_pays_the_full_year():
    r = compute_sign(Sign(150, 300, "2", moving=False, installed_on=date(YEAR - 1, 11, 1)), YEAR)
    assert r.quarter is None and r.tax == 2340


def test_minimum_is_raised_before_the_first_year_share_and_says_so():
    r = compute_sign(Sign(50, 100, "1", moving=False, installed_on=date(YEAR, 11, 2)), YEAR)
    assert r.tax == 50 and r.minimum_rule == "before_prorata"
    assert r.steps[-2:] == ("minimum_before_prorata", "first_year_share")


def test_exempt_sign_pays_nothing():
    r = compute_sign(Sign(100, 100, "2", moving=False, exemption="inside_building"), YEAR)
    assert r.exempt and r.tax == 0 and r.steps == ("exempt",)


def test_total():
    rs = [compute_sign(Sign(150, 300, "2", moving=False), YEAR),
          compute_sign(Sign(50, 100, "1", moving=False), YEAR)]
    assert tax.total(rs) == 2540


def test_bad_sign_is_refused():
    with pytest.raises(ValueError):
        compute_sign(Sign(0, 100, "1", moving=False), YEAR)
    with pytest.raises(ValueError):
        compute_sign(Sign(10, 100, "4", moving=False), YEAR)


@pytest.mark.parametrize(("due", "paid", "months", "surcharge"), [
    (date(2026, 4, 15), date(2026, 4, 15), 0, 0),
    (date(2026, 4, 15), date(2026, 4, 16), 1, Decimal("46.80")),
    (date(2026, 4, 15), date(2026, 5, 15), 1, Decimal("46.80")),
    (date(2026, 4, 15), date(2026, 5, 16), 2, Decimal("93.60")),
    (date(2026, 1, 31), date(2026, 2, 28), 1, Decimal("46.80")),
    (date(2026, 1, 31), date(2026, 3, 1), 2, Decimal("93.60")),
    (date(2026, 12, 20), date(2027, 1, 21), 2, Decimal("93.60")),
    (date(2026, 12, 20), date(2027, 1, 20), 1, Decimal("46.80")),
])
def test_late_payment_two_percent_per_started_month(due, paid, months, surcharge):
    amount, n = tax.late_payment_surcharge(Decimal(2340), due, paid)
    assert (n, amount) == (months, surcharge)


def test_late_filing_surcharges():
    deadline = tax.filing_deadline(YEAR)
    assert deadline == date(YEAR, 3, 31)
    assert tax.late_filing_surcharge(Decimal(2340), date(YEAR, 3, 31), deadline,
                                     notified=False) == (0, "on_time")
    assert tax.late_filing_surcharge(Decimal(2340), date(YEAR, 4, 1), deadline,
                                     notified=False) == (Decimal(117), "late_filing_voluntary")
    assert tax.late_filing_surcharge(Decimal(2340), date(YEAR, 4, 1), deadline,
                                     notified=True) == (Decimal(234), "late_filing")


def test_new_sign_filing_window_and_payment_due():
    assert tax.filing_deadline(YEAR, date(YEAR, 6, 10)) == date(YEAR, 6, 25)
    assert tax.filing_deadline(YEAR, date(YEAR, 1, 5)) == date(YEAR, 3, 31)
    assert tax.payment_due(date(YEAR, 4, 20)) == date(YEAR, 5, 5)


def test_under_declaration_ten_percent_of_the_additional_tax():
    assert tax.under_declaration_surcharge(Decimal(1170)) == Decimal(117)


def test_a_new_regulation_is_a_data_change(tmp_path):
    raw = yaml.safe_load((tax.DATA / "rules.yml").read_text(encoding="utf-8"))
    newer = dict(raw["schedules"][0], id="mr-2570", effective_from=date(2027, 1, 1),
                 rates={"1": {"moving": 20, "fixed": 10}, "2": {"moving": 60, "fixed": 30},
                        "3": {"moving": 60, "fixed": 55}})
    raw["schedules"].append(newer)
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    rules = tax.load_rules(path)
    assert compute_sign(Sign(150, 300, "1", moving=False), 2026, rules).tax == 450
    r = compute_sign(Sign(150, 300, "1", moving=False), 2027, rules)
    assert r.tax == 900 and r.schedule_id == "mr-2570"
    with pytest.raises(tax.RuleError):
        rules.schedule_for(2020)  # the obsolete pre-2021 tables are not in force here

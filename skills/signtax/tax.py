"""Signboard tax engine (pure Python): area units, rates, minimum, first-year share, surcharges.

Rates and rules come from ``data/rules.yml`` (dated and sourced), so a new ministerial
regulation is a data change. Every result carries its working (units, rate, rule applied)
so the bot can explain it::

    >>> rules = load_rules()
    >>> r = compute_sign(Sign(150, 300, "2", moving=False), 2026, rules)
    >>> (r.units, r.rate, r.tax)
    (90, 26, Decimal('2340'))
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"
SIGN_TYPES = ("1", "2", "3")
CENT = Decimal("0.01")


class RuleError(ValueError):
    """The rules file is missing something, or no schedule covers the year asked."""


@dataclass(frozen=True)
class Schedule:
    """One rate schedule (a ministerial regulation) and the rules that go with it."""

    id: str
    title_th: str
    effective_from: date
    unit_cm2: int
    remainder_rounds_up_above_cm2: int
    rates: dict[str, dict[str, int]]
    minimum_per_sign: int
    minimum_applies: str
    first_year_share_by_quarter: dict[int, Decimal]


@dataclass(frozen=True)
class Rules:
    """The whole rules file: schedules, sign types, deadlines and surcharges."""

    schedules: tuple[Schedule, ...]
    types: dict[str, dict[str, str]]
    deadlines: dict[str, int]
    surcharges: dict[str, int]

    def schedule_for(self, tax_year: int) -> Schedule:
        """The schedule in force on 1 January of ``tax_year`` (Gregorian)."""
        day = date(tax_year, 1, 1)
        found = [s for s in self.schedules if s.effective_from <= day]
        if not found:
            raise RuleError(f"no signboard tax schedule covers {tax_year}")
        return max(found, key=lambda s: s.effective_from)


@lru_cache(maxsize=4)
def load_rules(path: str | Path = DATA / "rules.yml") -> Rules:
    """Read and check the rules file."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        schedules = tuple(Schedule(
            id=s["id"], title_th=s["title_th"], effective_from=s["effective_from"],
            unit_cm2=int(s["unit_cm2"]),
            remainder_rounds_up_above_cm2=int(s["remainder_rounds_up_above_cm2"]),
            rates={str(k): {"moving": int(v["moving"]), "fixed": int(v["fixed"])}
                   for k, v in s["rates"].items()},
            minimum_per_sign=int(s["minimum_per_sign"]),
            minimum_applies=s["minimum_applies"],
            first_year_share_by_quarter={int(q): Decimal(str(v)) for q, v
                                         in s["first_year_share_by_quarter"].items()},
        ) for s in raw["schedules"])
        rules = Rules(schedules=schedules, types=raw["types"], deadlines=raw["deadlines"],
                      surcharges=raw["surcharges"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleError(f"{path}: invalid rules file: {exc}") from exc
    for s in schedules:
        if set(s.rates) != set(SIGN_TYPES) or s.minimum_applies not in (
                "before_prorata", "after_prorata") or set(s.first_year_share_by_quarter) != {
                1, 2, 3, 4}:
            raise RuleError(f"{path}: schedule {s.id} is incomplete")
    return rules


@dataclass(frozen=True)
class Sign:
    """One sign as described by its owner. Sizes in centimetres (widest × longest)."""

    width_cm: float
    length_cm: float
    sign_type: str
    moving: bool
    # Set for a sign first put up during the tax year (first-year share by quarter).
    installed_on: date | None = None
    # Key of an exemption (see data/exemptions.yml) when the sign is exempt.
    exemption: str | None = None


@dataclass(frozen=True)
class SignTax:
    """The tax of one sign with its working."""

    sign: Sign
    schedule_id: str
    area_cm2: Decimal
    full_units: int
    remainder_cm2: Decimal
    remainder_counted: bool
    units: int
    rate: int
    rate_kind: str  # "moving" or "fixed"
    by_area: Decimal  # units × rate
    minimum: int
    minimum_applied: bool
    minimum_rule: str  # "before_prorata" or "after_prorata"
    quarter: int | None  # installation quarter in the first year, else None
    share: Decimal  # 1 for a full year
    tax: Decimal
    exempt: bool = False
    steps: tuple[str, ...] = field(default=())  # rule keys applied, in order


def _money(value: Decimal) -> Decimal:
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def area_units(area_cm2: Decimal, schedule: Schedule) -> tuple[int, Decimal, bool]:
    """``(units, remainder, remainder counted)``: a remainder above half a unit counts as one.

    >>> area_units(Decimal(750), load_rules().schedule_for(2026))
    (1, Decimal('250'), False)
    >>> area_units(Decimal(751), load_rules().schedule_for(2026))
    (2, Decimal('251'), True)
    """
    full, rem = divmod(area_cm2, schedule.unit_cm2)
    counted = rem > schedule.remainder_rounds_up_above_cm2
    return int(full) + (1 if counted else 0), rem, counted


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def compute_sign(sign: Sign, tax_year: int, rules: Rules | None = None) -> SignTax:
    """The annual tax of ``sign`` for ``tax_year`` with every rule applied listed in ``steps``."""
    rules = rules or load_rules()
    sch = rules.schedule_for(tax_year)
    if sign.sign_type not in SIGN_TYPES:
        raise ValueError(f"unknown sign type {sign.sign_type!r}")
    if not (sign.width_cm > 0 and sign.length_cm > 0):
        raise ValueError("sign sizes must be positive")
    area = (Decimal(str(sign.width_cm)) * Decimal(str(sign.length_cm))).quantize(CENT)
    units, rem, counted = area_units(area, sch)
    kind = "moving" if sign.moving else "fixed"
    rate = sch.rates[sign.sign_type][kind]
    by_area = Decimal(units * rate)
    first_year = sign.installed_on is not None and sign.installed_on.year == tax_year
    quarter = quarter_of(sign.installed_on) if first_year else None
    share = sch.first_year_share_by_quarter[quarter] if quarter else Decimal(1)
    steps = ["area", "units_rounded_up" if counted else "units_rounded_down", f"rate_{kind}"]
    minimum = Decimal(sch.minimum_per_sign)
    if sch.minimum_applies == "before_prorata":
        annual = max(by_area, minimum)
        applied = by_area < minimum
        if applied:
            steps.append("minimum_before_prorata" if quarter else "minimum")
        tax = annual * share
        if quarter:
            steps.append("first_year_share")
    else:
        tax = by_area * share
        if quarter:
            steps.append("first_year_share")
        applied = tax < minimum
        if applied:
            tax = minimum
            steps.append("minimum_after_prorata" if quarter else "minimum")
    exempt = sign.exemption is not None
    if exempt:
        steps = ["exempt"]
        tax = Decimal(0)
    return SignTax(sign=sign, schedule_id=sch.id, area_cm2=area, full_units=units - counted,
                   remainder_cm2=rem, remainder_counted=counted, units=units, rate=rate,
                   rate_kind=kind, by_area=by_area, minimum=sch.minimum_per_sign,
                   minimum_applied=applied and not exempt, minimum_rule=sch.minimum_applies,
                   quarter=quarter, share=share, tax=_money(tax), exempt=exempt,
                   steps=tuple(steps))


def total(results: list[SignTax]) -> Decimal:
    return _money(sum((r.tax for r in results), Decimal(0)))


# --- deadlines -------------------------------------------------------------------------------

def filing_deadline(tax_year: int, installed_on: date | None = None,
                    rules: Rules | None = None) -> date:
    """Last day to file ภ.ป.1: 31 March, or 15 days after a sign put up (or changed) later."""
    rules = rules or load_rules()
    d = rules.deadlines
    annual = date(tax_year, d["annual_filing_month"], d["annual_filing_last_day"])
    if installed_on is not None and installed_on.year == tax_year:
        return max(annual, installed_on + timedelta(days=d["new_sign_filing_days"]))
    return annual


def payment_due(notice_received: date, rules: Rules | None = None) -> date:
    """Last day to pay: 15 days after receiving the assessment notice (ภ.ป.3)."""
    rules = rules or load_rules()
    return notice_received + timedelta(days=rules.deadlines["payment_days"])


# --- surcharges ------------------------------------------------------------------------------

def _pct(amount: Decimal, percent: int | Decimal) -> Decimal:
    return _money(Decimal(amount) * Decimal(percent) / 100)


def late_filing_surcharge(tax: Decimal, filed_on: date, deadline: date, *,
                          notified: bool, rules: Rules | None = None) -> tuple[Decimal, str]:
    """``(surcharge, rule key)``: 10% of the tax if filed late after being notified, 5% if the
    owner came forward first, nothing on time."""
    s = (rules or load_rules()).surcharges
    if filed_on <= deadline:
        return Decimal(0), "on_time"
    if notified:
        return _pct(tax, s["late_filing_percent"]), "late_filing"
    return _pct(tax, s["late_filing_voluntary_percent"]), "late_filing_voluntary"


def under_declaration_surcharge(additional_tax: Decimal, rules: Rules | None = None) -> Decimal:
    """10% of the additional tax assessed when a sign was under-declared."""
    return _pct(additional_tax, (rules or load_rules()).surcharges["under_declaration_percent"])


def months_started(due: date, paid: date) -> int:
    """Months (or parts of a month) elapsed after ``due`` until ``paid``; 0 when on time.

    >>> months_started(date(2026, 4, 15), date(2026, 4, 16))
    1
    >>> months_started(date(2026, 4, 15), date(2026, 5, 15)), months_started(date(2026, 4, 15), date(2026, 5, 16))
    (1, 2)
    """
    if paid <= due:
        return 0
    months = (paid.year - due.year) * 12 + paid.month - due.month
    # the same day of month a whole number of months later closes a month; later opens another
    last = calendar.monthrange(paid.year, paid.month)[1]
    if paid.day > min(due.day, last):
        months += 1
    return max(months, 1)


def late_payment_surcharge(tax: Decimal, due: date, paid: date,
                           rules: Rules | None = None) -> tuple[Decimal, int]:
    """``(surcharge, months)``: 2% of the tax per started month after the due date."""
    months = months_started(due, paid)
    rate = (rules or load_rules()).surcharges["late_payment_percent_per_month"]
    return _pct(tax, rate * months), months


def describe_rules(rules: Rules | None = None, tax_year: int | None = None) -> dict[str, Any]:
    """The figures in force, for answers such as "what are the rates?"."""
    rules = rules or load_rules()
    sch = rules.schedule_for(tax_year or date.today().year)
    return {"schedule": sch.title_th, "rates": sch.rates, "minimum": sch.minimum_per_sign,
            "unit_cm2": sch.unit_cm2}

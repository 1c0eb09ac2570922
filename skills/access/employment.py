"""Employers' quota of disabled employees (section 33) and the levy instead (section 34).

Employers with 100 staff or more: one disabled employee per 100 staff, and one more when the remainder is OVER 50 (strictly):
150 staff need 1, 151 need 2 (the reading kept in ``data/employment.yml``, ``reading_of_150``).
The levy per unfilled place is the daily minimum wage times 365.

>>> [quota(n) for n in (99, 100, 150, 151, 250, 251, 1000)]
[0, 1, 1, 2, 2, 3, 10]
>>> levy(2, 300)
219000
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kernel.answer import Answer
from bot.kernel.text import normalize

from . import facts
from .facts import TEXTS, baht

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_EMPLOYEES = re.compile(_NUMBER + r"\s*(?:คน|ราย)?")
_HIRED = re.compile(r"(?:จ้าง|มี)(?:คนพิการ|ผู้พิการ)(?:แล้ว|อยู่)?\s*" + _NUMBER)


def quota(employees: int) -> int:
    """Disabled people an employer of ``employees`` must hire (section 33)."""
    rule = facts.employment()["quota"]
    if employees < rule["minimum_employees"]:
        return 0
    whole, rest = divmod(max(0, employees), rule["per"])
    return whole + (1 if rest > rule["remainder_over"] else 0)


def levy(unfilled: int, daily_wage: float, days: int | None = None) -> int:
    """The yearly section-34 payment for ``unfilled`` places at ``daily_wage`` baht a day."""
    days = facts.employment()["levy"]["days"] if days is None else days
    return round(max(0, unfilled) * daily_wage * days)


@dataclass(frozen=True)
class Counted:
    """What an employer's message says: staff, and disabled people already hired."""

    employees: int
    hired: int = 0


def read(text: str) -> Counted | None:
    """Staff (and disabled staff) from a message; ``None`` when it gives no number.

    >>> read("บริษัทมีพนักงาน 250 คน")
    Counted(employees=250, hired=0)
    >>> read("พนักงาน ๑,๐๐๐ คน จ้างคนพิการแล้ว 3 คน")
    Counted(employees=1000, hired=3)
    """
    text = normalize(text)
    hired_at = _HIRED.search(text)
    hired = int(hired_at.group(1).replace(",", "")) if hired_at else 0
    rest = text[:hired_at.start()] + text[hired_at.end():] if hired_at else text
    found = _EMPLOYEES.search(rest)
    if found is None:
        return None
    return Counted(int(found.group(1).replace(",", "")), hired)


def answers(counted: Counted) -> list[Answer]:
    """The quota with its working, the levy for the unfilled places, the alternatives."""
    data = facts.employment()
    rule, sections = data["quota"], data["law"]["sections"]
    n = counted.employees
    people = quota(n)
    if people == 0:
        return [Answer(TEXTS("employer.none", employees=baht(n), section=sections["quota"],
                             per=rule["minimum_employees"]))]
    whole, rest = divmod(n, rule["per"])
    rest_rule = TEXTS("employer.rest_counts" if rest > rule["remainder_over"]
                      else "employer.rest_not", over=rule["remainder_over"])
    out = [Answer("\n".join([
        TEXTS("employer.need", employees=baht(n), people=people, section=sections["quota"]),
        TEXTS("employer.working", employees=baht(n), per=rule["per"], whole=whole, rest=rest,
              rest_rule=rest_rule, people=people),
        facts.source_line(rule)]))]
    unfilled = max(0, people - counted.hired)
    if counted.hired:
        out.append(Answer(TEXTS("employer.hired", hired=counted.hired, unfilled=unfilled)))
    if unfilled:
        wage_block = facts.used(data["daily_minimum_wage"])
        days = data["levy"]["days"]
        out.append(Answer("\n".join([
            TEXTS("employer.levy", section=sections["levy"], wage=baht(wage_block["baht"]),
                  days=days, per_place=baht(levy(1, wage_block["baht"])), unfilled=unfilled,
                  total=baht(levy(unfilled, wage_block["baht"]))),
            TEXTS("employer.wage", wage=baht(wage_block["baht"]),
                  when=facts.when(wage_block["date"]),
                  sure=TEXTS(f"sure.{facts.sureness(wage_block)}")),
            facts.source_line(data["levy"])])))
    alt = data["alternatives"]
    out.append(Answer(TEXTS("employer.alternatives", section=sections["alternatives"],
                            items=" ".join(f"({i}) {item}" for i, item
                                           in enumerate(alt["section_35_th"], start=1)))))
    out.append(Answer("\n".join([
        TEXTS("employer.dates", headcount=rule["headcount_day_th"], due=data["levy"]["due_th"],
              interest=data["levy"]["late_interest_percent_per_year"]),
        TEXTS("next", step=TEXTS("employer.next"))])))
    return out

"""Every figure the access skill states comes from a data file with its source and date.

The test walks ALL of ``skills/access/data/*.yml``: a number (an int or a float, or a
string of digits such as a phone number) must sit in a mapping that has, itself or in a
mapping around it, a ``source`` (an http(s) address, never a local path) and a ``date``
(ISO, YYYY-MM-DD). The Thai texts hold no figure at all: every digit comes from the data.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skills.access import facts

DATA = Path(__file__).resolve().parents[2] / "skills" / "access" / "data"
FIGURE = re.compile(r"^\+?[\d,.\- ]*\d[\d,.\- ]*$")  # 1479, "02-255-5994", "1,000"
DATE_KEYS = {"date", "registered_on", "headcount_day"}  # values that are dates, not figures


def data_files() -> list[Path]:
    return sorted(p for p in DATA.glob("*.yml") if p.name != "texts_th.yml")


def figures_without_source(node: Any, where: str, sourced: bool) -> list[str]:
    """Places (``file:path``) of figures with no source and date around them."""
    problems = []
    if isinstance(node, dict):
        here = sourced or ("source" in node and "date" in node)
        for key, value in node.items():
            if key in DATE_KEYS or key in ("source", "also_source", "used"):
                continue
            problems += figures_without_source(value, f"{where}.{key}", here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += figures_without_source(value, f"{where}[{i}]", sourced)
    elif isinstance(node, bool) or node is None:
        return []
    elif isinstance(node, (int, float)) or (isinstance(node, str) and FIGURE.match(node)):
        if not sourced:
            problems.append(f"{where} = {node!r}")
    return problems


def sources_and_dates(node: Any, where: str) -> list[str]:
    """Every ``source`` is a web address and every ``date`` a real ISO date."""
    problems = []
    if isinstance(node, dict):
        for key in ("source", "also_source"):
            if key in node and not str(node[key]).startswith(("https://", "http://")):
                problems.append(f"{where}.{key} is not a web address: {node[key]!r}")
        if "date" in node:
            try:
                datetime.date.fromisoformat(str(node["date"]))
            except ValueError:
                problems.append(f"{where}.date is not YYYY-MM-DD: {node['date']!r}")
        for key, value in node.items():
            problems += sources_and_dates(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += sources_and_dates(value, f"{where}[{i}]")
    return problems


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_figure_has_a_source_and_a_date(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert figures_without_source(data, path.name, False) == []
    assert sources_and_dates(data, path.name) == []


def test_the_walk_finds_a_figure_without_source():
    """The check itself: a number with no source and date around it is reported."""
    assert figures_without_source({"a": {"baht": 800}}, "x", False) == ["x.a.baht = 800"]
    assert figures_without_source({"phone": "02-255-5994"}, "x", False) != []
    assert figures_without_source({"baht": 800, "source": "https://a.th", "date": "2024-01-01"},
                                  "x", False) == []


def test_the_thai_texts_state_no_figure():
    texts = (DATA / "texts_th.yml").read_text(encoding="utf-8")
    body = "\n".join(line for line in texts.splitlines() if not line.lstrip().startswith("#"))
    assert re.findall(r"[0-9๐-๙]", body) == []


def test_sources_that_disagree_are_both_kept_and_the_used_one_named():
    allowance = facts.welfare()["allowance"]
    assert set(allowance["values"]) == {"2022", "2024"} and allowance["used"] in allowance["values"]
    assert allowance["values"]["2022"]["adult_baht"] == 800
    wage = facts.employment()["daily_minimum_wage"]
    assert len(wage["values"]) >= 2 and wage["used"] in wage["values"]


def test_the_reading_of_150_employees_is_kept_in_the_data():
    quota = facts.employment()["quota"]
    assert "150 -> 1, 151 -> 2" in quota["reading_of_150"] and quota["remainder_over"] == 50

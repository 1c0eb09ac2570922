"""Legal maximum motorcycle-taxi fare for a distance, from ``data/fares.yml`` (sourced, dated).

>>> maximum_fare(4).baht
35
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "fares.yml"
MAX_KM = 500.0


@lru_cache(maxsize=1)
def rules() -> dict:
    """The fare rules as loaded from the data file."""
    import yaml

    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Fare:
    """The maximum fare for ``km``; ``agreed`` is true when beyond the regulated distance."""

    km: float
    charged_km: int
    baht: int
    beyond_regulated: bool


def maximum_fare(km: float) -> Fare:
    """Maximum fare in baht for a trip of ``km`` kilometres (``ValueError`` if out of range).

    Beyond the last band the regulation lets rider and passenger agree a price in advance;
    the figure returned is the ceiling without such an agreement.
    """
    if isinstance(km, bool) or not isinstance(km, (int, float)) or not math.isfinite(km):
        raise ValueError("distance must be a number")
    if km <= 0 or km > MAX_KM:
        raise ValueError(f"distance must be more than 0 and at most {MAX_KM:g} km")
    r = rules()
    charged = math.ceil(round(km, 6)) if r.get("partial_km") == "round_up" else km
    baht = r["base"]["baht"]
    for band in r["bands"]:
        baht += max(0, min(charged, band["to_km"]) - band["from_km"]) * band["baht_per_km"]
    beyond = r["beyond"]
    extra = max(0, charged - beyond["from_km"])
    baht += extra * beyond["baht_per_km_without_agreement"]
    return Fare(km=km, charged_km=int(charged), baht=int(baht), beyond_regulated=extra > 0)


def describe_rule() -> dict:
    """Figures for the plain-language rule (for replies and pages)."""
    r = rules()
    return {"base_km": r["base"]["km"], "base_baht": r["base"]["baht"],
            "band1_rate": r["bands"][0]["baht_per_km"], "band1_to": r["bands"][0]["to_km"],
            "band2_rate": r["bands"][1]["baht_per_km"], "band2_to": r["bands"][1]["to_km"],
            "beyond_rate": r["beyond"]["baht_per_km_without_agreement"],
            "max_fine": f"{r['max_fine_baht']:,}"}

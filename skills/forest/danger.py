"""Fire-danger indices from a station's readings: Ångström and the Fosberg Fire Weather Index.

>>> round(angstrom(30, 30), 2), angstrom_class(angstrom(30, 30))["key"]
(1.2, 'very_likely')
>>> round(fosberg(30, 30, 10 / 2.23694), 1)
22.4
"""

from __future__ import annotations

import math
from typing import Any

from .config import load

MPS_TO_MPH = 2.23694


def angstrom(rh_percent: float, temp_c: float) -> float:
    """Ångström index ``RH/20 + (27 − T)/10``: lower means more fire-prone."""
    return rh_percent / 20 + (27 - temp_c) / 10


def angstrom_class(index: float) -> dict[str, Any]:
    """The class (key, Thai words, level 0–3) an Ångström index falls in."""
    for cls in load("danger")["angstrom"]["classes"]:
        if "above" in cls and index > cls["above"]:
            return cls
        if "at_least" in cls and index >= cls["at_least"]:
            return cls
        if "above" not in cls and "at_least" not in cls:
            return cls
    raise AssertionError("the last class has no lower bound")


def equilibrium_moisture(rh_percent: float, temp_f: float) -> float:
    """Fosberg's equilibrium moisture content ``m`` (%), from RH (%) and temperature (°F)."""
    h, t = rh_percent, temp_f
    if h < 10:
        return 0.03229 + 0.281073 * h - 0.000578 * h * t
    if h <= 50:
        return 2.22749 + 0.160107 * h - 0.01478 * t
    return 21.0606 + 0.005565 * h * h - 0.00035 * h * t - 0.483199 * h


def fosberg(rh_percent: float, temp_c: float, wind_mps: float) -> float:
    """Fosberg Fire Weather Index (0–100) from RH (%), temperature (°C) and wind (m/s)."""
    m = equilibrium_moisture(rh_percent, temp_c * 9 / 5 + 32)
    r = m / 30
    eta = 1 - 2 * r + 1.5 * r * r - 0.5 * r ** 3
    u = wind_mps * MPS_TO_MPH
    return max(0.0, min(100.0, eta * math.sqrt(1 + u * u) / 0.3002))


def fosberg_class(value: float) -> dict[str, Any]:
    """The Fosberg class: at or above 50 is significant (US Storm Prediction Center)."""
    found = None
    for cls in load("danger")["fosberg"]["classes"]:
        if value >= cls["at_least"]:
            found = cls
    return found


def assess(latest: dict[str, float]) -> dict[str, Any] | None:
    """The station's danger from its latest readings (``air_humidity``, ``temperature``,
    optional ``wind_speed``); ``None`` without humidity and temperature."""
    if "air_humidity" not in latest or "temperature" not in latest:
        return None
    a = angstrom(latest["air_humidity"], latest["temperature"])
    out: dict[str, Any] = {"angstrom": round(a, 2), "class": angstrom_class(a)}
    if "wind_speed" in latest:
        f = fosberg(latest["air_humidity"], latest["temperature"], latest["wind_speed"])
        out["fosberg"] = round(f, 1)
        out["fosberg_class"] = fosberg_class(f)
    return out

"""A 24-hour chart of one datastream as a PNG (matplotlib, Agg backend), and its numbers.

The alt text states the numbers the picture shows (lowest, highest, latest, with their Thai
times), so a screen-reader user loses nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dbutil import aware
from .models import Datastream, Observation, ObservedProperty, Thing

BANGKOK = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Series:
    station: str
    key: str
    unit: str
    points: list[tuple[datetime, float]]  # UTC, oldest first

    def summary(self) -> dict[str, str] | None:
        """Lowest, highest, latest (value and Thai time) and count; ``None`` without points."""
        if not self.points:
            return None
        lo = min(self.points, key=lambda p: p[1])
        hi = max(self.points, key=lambda p: p[1])
        last = self.points[-1]

        def hm(t: datetime) -> str:
            return t.astimezone(BANGKOK).strftime("%H.%M")

        return {"min": _fmt(lo[1]), "min_time": hm(lo[0]), "max": _fmt(hi[1]),
                "max_time": hm(hi[0]), "last": _fmt(last[1]), "last_time": hm(last[0]),
                "count": str(len(self.points)), "unit": self.unit}


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 2 else f"{v:.1f}"


def series(session: Session, datastream_id: int, end: datetime, hours: int = 24) -> Series | None:
    """The datastream's observations in the ``hours`` before ``end``; ``None`` if unknown."""
    row = session.execute(
        select(Datastream, Thing.name, ObservedProperty.key)
        .join(Thing, Thing.id == Datastream.thing_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .where(Datastream.id == datastream_id)).first()
    if row is None:
        return None
    ds, station, key = row
    pts = session.execute(
        select(Observation.phenomenon_time, Observation.result)
        .where(Observation.datastream_id == datastream_id,
               Observation.phenomenon_time > end - timedelta(hours=hours),
               Observation.phenomenon_time <= end)
        .order_by(Observation.phenomenon_time))
    return Series(station, key, ds.unit_symbol, [(aware(t), v) for t, v in pts])


def png(s: Series, label: str) -> bytes:
    """The series drawn as a line chart (ASCII labels: the alt text carries the Thai)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.subplots()
    if s.points:
        ax.plot([t.astimezone(BANGKOK) for t, _ in s.points], [v for _, v in s.points],
                color="#0b5d1e", linewidth=2)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=BANGKOK))
    ax.set_title(f"{s.station} {label} ({s.unit}), last 24 h, Thai time")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

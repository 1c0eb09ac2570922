"""The public status page of the pilot area: an accessible table of stations, the active
alarms, the agencies' disputes and gaps, and a server-rendered SVG map (no tile server).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import alarms, config, danger
from .chart import BANGKOK
from .config import texts
from .dbutil import aware
from .maps import forest_map
from .models import Hotspot, Location, Thing

CSS = ("body{font-family:system-ui,'Noto Sans Thai',sans-serif;margin:0;color:#1a1a1a;"
       "font-size:1.0625rem;line-height:1.6}main{max-width:60rem;margin:0 auto;padding:1rem}"
       "table{border-collapse:collapse;width:100%}th,td{border:1px solid #767676;padding:.35rem;"
       "text-align:left;vertical-align:top}caption{text-align:left;font-weight:700}"
       ".note{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5rem .75rem}"
       ".bad{color:#8a1c1c;font-weight:700}svg{max-width:100%;height:auto;border:1px solid #767676}")


def station_rows(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every station with its state, danger class and latest readings (for page and API)."""
    from .service import PROPERTY_ORDER, reading_words

    missed = config.rules()["offline"]["missed_intervals"]
    rows = []
    for thing, loc in session.execute(select(Thing, Location).join(
            Location, Location.thing_id == Thing.id).order_by(Thing.name)):
        latest = {k: v for k, (v, _t) in alarms.latest_readings(session, thing.id, now).items()}
        seen = aware(thing.last_seen_at)
        if seen is None:
            state = "never"
        elif now - seen > timedelta(seconds=missed * thing.expected_interval_s):
            state = "offline"
        else:
            state = "ok"
        assessed = danger.assess(latest)
        rows.append({
            "id": thing.id, "name": thing.name, "latitude": loc.latitude,
            "longitude": loc.longitude, "district_th": loc.district_th, "agency": thing.agency,
            "state": state, "synthetic": thing.source.startswith("synthetic"),
            "last_seen": seen.astimezone(BANGKOK).strftime("%d/%m %H.%M") if seen else "",
            "danger": assessed["class"]["th"] if assessed else "",
            "danger_level": assessed["class"]["level"] if assessed else None,
            "readings": {k: latest[k] for k in PROPERTY_ORDER if k in latest},
            "readings_th": " ".join(reading_words(k, latest[k]) for k in PROPERTY_ORDER
                                    if k in latest),
            "rejected": thing.rejected_count})
    return rows


def map_svg(session: Session, now: datetime, width: int = 640) -> str:
    """The agencies' zones, the disputes, stations and recent hotspots as one SVG."""
    fmap = forest_map()
    stations = station_rows(session, now)
    since = (now.astimezone(BANGKOK) - timedelta(days=2)).date()
    spots = list(session.scalars(select(Hotspot).where(Hotspot.local_date >= since)))
    minx, miny, maxx, maxy = fmap.zones[0].geometry.bounds
    for z in fmap.zones[1:]:
        b = z.geometry.bounds
        minx, miny, maxx, maxy = min(minx, b[0]), min(miny, b[1]), max(maxx, b[2]), max(maxy, b[3])
    pad = 0.01
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    height = int(width * (maxy - miny) / (maxx - minx))

    def xy(lon: float, lat: float) -> str:
        return (f"{(lon - minx) / (maxx - minx) * width:.1f},"
                f"{(maxy - lat) / (maxy - miny) * height:.1f}")

    def path(geom) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                parts.append("M" + " L".join(xy(x, y) for x, y in ring.coords) + " Z")
        return " ".join(parts)

    colours = {"DNP": "#b7dfb9", "RFD": "#e3cfa8"}
    names = {k: v["name_th"] for k, v in config.agencies().items()}
    title = texts("page.map")
    desc = texts("page.map_desc", dnp=names["DNP"], rfd=names["RFD"], stations=len(stations),
                 hotspots=len(spots))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="t d">'
           f'<title id="t">{escape(title)}</title><desc id="d">{escape(desc)}</desc>'
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="2" height="6" fill="#b00020"/></pattern>'
           '</defs>']
    for z in fmap.zones:
        out.append(f'<path d="{path(z.geometry)}" fill="{colours.get(z.agency, "#ddd")}" '
                   f'stroke="#333" stroke-width="1"><title>{escape(z.name_th)}</title></path>')
    for f in fmap.findings:
        fill = "url(#hatch)" if f.kind == "dispute" else "#ffffff"
        out.append(f'<path d="{path(f.geometry)}" fill="{fill}" stroke="#b00020" '
                   f'stroke-dasharray="4 2"><title>{escape(f.kind)}</title></path>')
    for s in stations:
        x, y = xy(s["longitude"], s["latitude"]).split(",")
        colour = {"ok": "#0b3d91", "offline": "#777777", "never": "#bbbbbb"}[s["state"]]
        out.append(f'<circle cx="{x}" cy="{y}" r="5" fill="{colour}" stroke="#fff">'
                   f'<title>{escape(s["name"])}</title></circle>')
    for h in spots:
        x, y = (float(v) for v in xy(h.longitude, h.latitude).split(","))
        out.append(f'<path d="M{x:.1f},{y - 7:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},'
                   f'{y + 5:.1f} Z" fill="#d84315" stroke="#000"><title>hotspot</title></path>')
    out.append("</svg>")
    return "".join(out)


def status_html(session: Session, now: datetime) -> str:
    """The whole status page (Thai, one table with headers, alarms as a list, the map)."""
    t = texts.section("page")
    rows = station_rows(session, now)
    state_words = {"ok": t["state_ok"], "offline": t["state_offline"], "never": t["state_never"]}
    body = [f"<h1>{escape(t['title'])}</h1>", f'<p class="note">{escape(t["synthetic"])}</p>',
            f"<h2>{escape(t['alarms'])}</h2>"]
    active = alarms.active(session)
    if active:
        body.append("<ul>" + "".join(f'<li class="bad">{escape(alarms.describe(session, a))}'
                                     f"</li>" for a in active) + "</ul>")
    else:
        body.append(f"<p>{escape(t['no_alarms'])}</p>")
    body.append(f"<table><caption>{escape(t['sensors'])}</caption><thead><tr>"
                + "".join(f'<th scope="col">{escape(t[c])}</th>' for c in (
                    "col_station", "col_state", "col_danger", "col_readings", "col_seen"))
                + "</tr></thead><tbody>")
    for r in rows:
        body.append(f'<tr><th scope="row">{escape(r["name"])} ({escape(r["district_th"])})</th>'
                    f"<td>{escape(state_words[r['state']])}</td><td>{escape(r['danger'] or '-')}"
                    f"</td><td>{escape(r['readings_th'] or '-')}</td>"
                    f"<td>{escape(r['last_seen'] or '-')}</td></tr>")
    body.append("</tbody></table>")
    fmap = forest_map()
    body.append(f"<h2>{escape(t['map'])}</h2>{map_svg(session, now)}")
    disputes = [f for f in fmap.findings if f.kind == "dispute"]
    gaps = [f for f in fmap.findings if f.kind == "gap"]
    body.append(f"<h2>{escape(t['disputes'])}</h2><ul>" + "".join(
        f"<li>{escape(t['dispute_row'].format(a=f.zones[0], b=f.zones[1], area=f'{f.rai:,.0f}', tol=f.tolerance_m))}</li>"
        for f in disputes) + "</ul>")
    body.append(f"<h2>{escape(t['gaps'])}</h2><ul>" + "".join(
        f"<li>{escape(t['gap_row'].format(agency=config.agencies()[f.agencies[0]]['name_th'], area=f'{f.rai:,.0f}'))}</li>"
        for f in gaps) + "</ul>")
    return (f'<!doctype html><html lang="th"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(t['title'])}</title>"
            f'<link rel="stylesheet" href="/forest/page.css"></head>'
            f"<body><main>{''.join(body)}</main></body></html>")

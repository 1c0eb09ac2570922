"""Police answers as plain messages (``{"text", "buttons"}``) for the actions to send.

No Rasa here: the actions pass in what the user said or shared and send what comes back.
Every message's text is complete on its own; buttons repeat the numbered choices it lists.

>>> msg = station_message(13.7316, 100.5417)          # Lumphini Park
>>> msg["text"].splitlines()[0]
'สถานีตำรวจที่ดูแลพื้นที่นี้: สน.ลุมพินี (บก.น.5)'
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from bot.geo import Place, resolve_place

from .knowledge import default_kb
from .stations import Coverage, Station, default_index

TEXTS = Path(__file__).resolve().parent / "data" / "texts_th.yml"
FAR_AWAY_M = 300_000  # beyond this from every area a point is abroad, not "just offshore"
DIGITS_TH = dict(zip("0123456789", ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด",
                                    "แปด", "เก้า"), strict=True))
OSM_SEARCH = "https://www.openstreetmap.org/search?query="
POINT_KINDS = ("landmark",)
STRONG_MATCH = 0.45  # a knowledge entry this close answers even when another intent was guessed
PHONE_KB_MATCH = 0.7  # stricter: "เบอร์" alone must not turn an unknown station into hotlines


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def t(key: str, **values: Any) -> str:
    template = texts()[key]
    return template.format(**values) if values else template


def spoken_digits(phone: str) -> str:
    """How a screen reader should say a phone number.

    >>> spoken_digits("02-255-5994")
    'ศูนย์ สอง, สอง ห้า ห้า, ห้า เก้า เก้า สี่'
    """
    groups = [g for g in phone.replace(" ", "-").split("-") if g]
    return ", ".join(" ".join(DIGITS_TH[d] for d in g if d in DIGITS_TH) for g in groups)


def km(metres: float) -> str:
    """Distance in kilometres for reading aloud: one decimal under 10 km, whole above."""
    value = metres / 1000
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def full_name(station: Station) -> str:
    """The official long form used on maps: สน.ลุมพินี → สถานีตำรวจนครบาลลุมพินี."""
    prefix, _, rest = station.name_th.partition(".")
    long = {"สน": "สถานีตำรวจนครบาล", "สภ": "สถานีตำรวจภูธร"}.get(prefix)
    return f"{long}{rest}" if long else station.name_th


def map_url(station: Station) -> str:
    """An OpenStreetMap search for the station; Thai kept readable (browsers accept it)."""
    query = f"{full_name(station)} {station.province_th}"
    return OSM_SEARCH + "+".join(quote(word, safe="") if word.isascii() else word
                                 for word in query.split())


def phone_lines(station: Station) -> list[str]:
    if not station.phone:
        return [t("phone_missing")]
    lines = [t("phone", phone=station.phone, spoken=spoken_digits(station.phone))]
    if not station.phone_verified:
        lines.append(t("phone_unverified"))
    return lines


def location_buttons() -> list[dict[str, str]]:
    return [{"title": t("choice_nearest"), "payload": "/police_nearest_stations"},
            {"title": t("choice_subscribe"), "payload": "/police_warning_subscribe"}]


def coverage_message(cov: Coverage, place: Place | None = None) -> dict[str, Any]:
    """The full answer for a covering (or nearest) station."""
    st = cov.station
    if cov.inside:
        key = "covering" if place is None else (
            "covering_centre" if place.kind == "province" else "covering_place")
        head = t(key, place=place.name_th if place else "", station=st.name_th,
                 division=st.division)
    elif cov.edge_distance_m > FAR_AWAY_M:
        head = t("outside_far", km=km(cov.edge_distance_m), station=st.name_th, division=st.division)
    else:
        head = t("outside_near", km=km(cov.edge_distance_m), station=st.name_th,
                 division=st.division)
    lines = [head, t("area", area=st.area_th), *phone_lines(st)]
    if place is None:
        lines.append(t("distance", km=km(cov.distance_m)))
    elif place.kind in POINT_KINDS and cov.distance_m >= 100:
        # an area's centre is not where the user is, so only a point-like place gets a distance
        lines.append(t("distance_from_place", place=place.name_th, km=km(cov.distance_m)))
    lines += [t("map", station=full_name(st), url=map_url(st)), t("emergency"), t("approximate")]
    buttons = location_buttons()
    lines += [f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1)]
    return {"text": "\n".join(lines), "buttons": buttons,
            "custom": {"police_station": st.station_id, "tel": _tel(st.phone)}}


def _tel(phone: str) -> str | None:
    """``tel:`` URI for tap-to-call where a channel supports it (the number is in the text too)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:+66{digits[1:]}" if digits.startswith("0") else None


def station_message(lat: float, lon: float, place: Place | None = None) -> dict[str, Any]:
    """The station covering a point. Raises ``bot.geo.InvalidCoordinates`` for bad input."""
    return coverage_message(default_index().at(lat, lon), place)


def nearest_message(lat: float, lon: float, k: int = 3) -> dict[str, Any]:
    lines = [t("nearest_intro")]
    for n, (st, metres) in enumerate(default_index().nearest(lat, lon, k), start=1):
        phone = t("nearest_phone", phone=st.phone) if st.phone else t("nearest_no_phone")
        lines.append(t("nearest_item", n=n, station=st.name_th, division=st.division,
                       km=km(metres), phone_text=phone))
    lines += [t("emergency"), t("approximate")]
    return {"text": "\n".join(lines)}


def _where(place: Place) -> str:
    if place.kind in ("province",):
        return ""
    parts = []
    if place.district_th and place.district_th != place.name_th:
        bkk = place.province_th == "กรุงเทพมหานคร"
        parts.append(("เขต" if bkk else "อำเภอ") + place.district_th)
    parts.append(place.province_th if place.province_th == "กรุงเทพมหานคร"
                 else "จังหวัด" + place.province_th)
    return " ".join(parts)


def place_choice(places: list[Place], intent: str) -> dict[str, Any]:
    """A numbered choice between places; each button carries the place's point."""
    kinds = texts()["kinds"]
    buttons = []
    for p in places:
        title = t("place_option", name=p.name_th, kind=kinds[p.kind], where=_where(p)).replace(
            " )", ")")
        entities = {"latitude": p.lat, "longitude": p.lon, "police_place": p.name_th}
        buttons.append({"title": title, "payload": f"/{intent}{json.dumps(entities, ensure_ascii=False)}"})
    lines = [t("choose_place", name=places[0].name_th)]
    lines += [f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1)]
    return {"text": "\n".join(lines), "buttons": buttons}


def place_from_choice(entities: dict[str, Any]) -> Place | None:
    """The place a choice button named (its point and name travel in the payload)."""
    name = entities.get("police_place")
    if not name or "latitude" not in entities:
        return None
    return Place(str(name), "landmark", "", None, float(entities["latitude"]),
                 float(entities["longitude"]), None)


def find_places(text: str) -> list[Place]:
    return resolve_place(text)


def station_for_text(text: str) -> dict[str, Any] | None:
    """The answer for a typed place: a station, a numbered choice, or ``None`` if no place."""
    places = find_places(text)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_find_station")
    place = places[0]
    message = station_message(place.lat, place.lon, place)
    if place.kind == "province":  # a province has many stations: say which one this is
        message["text"] = t("province_many", province=place.name_th) + "\n" + message["text"]
    return message


def nearest_for_text(text: str) -> dict[str, Any] | None:
    places = find_places(text)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_nearest_stations")
    return nearest_message(places[0].lat, places[0].lon)


def phone_message(station: Station) -> dict[str, Any]:
    lines = [t("phone_answer", station=station.name_th, division=station.division),
             *phone_lines(station), t("area", area=station.area_th),
             t("map", station=full_name(station), url=map_url(station)), t("emergency")]
    return {"text": "\n".join(lines), "custom": {"police_station": station.station_id,
                                                 "tel": _tel(station.phone)}}


def phone_for_text(text: str, station_id: str | None = None) -> dict[str, Any]:
    """"เบอร์ สน.ลุมพินี" → the station's phone; several matches → a numbered choice."""
    idx = default_index()
    if station_id and station_id in idx.by_id:
        return phone_message(idx.by_id[station_id])
    found = idx.find(text)
    if not found:
        places = [p for p in find_places(text) if p.kind != "province"]
        if len(places) == 1:
            return phone_message(idx.at(places[0].lat, places[0].lon).station)
        match = default_kb().answer(text)
        if match is not None and match.score >= PHONE_KB_MATCH:  # "เบอร์ตำรวจท่องเที่ยว"
            return legal_message(text)
        return {"text": t("station_not_found")}
    if len(found) == 1:
        return phone_message(found[0])
    buttons = [{"title": s.name_th,
                "payload": "/police_station_phone" + json.dumps(
                    {"police_station": s.station_id}, ensure_ascii=False)} for s in found]
    lines = [t("choose_station"), *(f"{i}. {b['title']}" for i, b in enumerate(buttons, 1))]
    return {"text": "\n".join(lines), "buttons": buttons}


def legal_message(text: str) -> dict[str, Any]:
    """The knowledge-base answer with its source, or the 1599 fallback."""
    match = default_kb().answer(text)
    if match is None:
        return {"text": t("legal_fallback")}
    e = match.entry
    body = t("legal_answer", title=e.title_th, answer=e.answer_th, source=e.source,
             checked=e.checked)
    return {"text": body + "\n" + t("legal_note"), "custom": {"police_kb": e.id}}

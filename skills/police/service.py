"""Police answers as plain messages (``{"text", "buttons"}``) for the actions to send.

No Rasa here: the actions pass in what the user said or shared and send what comes back.
Every message's text is complete on its own; buttons repeat the numbered choices it lists.

>>> msg = station_message(13.7316, 100.5417)          # Lumphini Park
>>> msg["text"].splitlines()[0]
'สถานีตำรวจที่ดูแลพื้นที่นี้: สน.ลุมพินี (บก.น.5)'
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from bot.kernel.geo import Place, resolve_place
from bot.kernel.text import BUBBLE_MAX, visible_length

from .knowledge import default_kb
from .stations import Coverage, Station, default_index

TEXTS = Path(__file__).resolve().parent / "data" / "texts_th.yml"
FAR_AWAY_M = 300_000  # beyond this from every area a point is abroad, not "just offshore"
DIGITS_TH = dict(zip("0123456789", ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด",
                                    "แปด", "เก้า"), strict=True))
OSM_SEARCH = "https://www.openstreetmap.org/search?query="
POINT_KINDS = ("landmark",)
FAR_NEAREST_M = 10_000  # nearer stations than this are "near"; beyond, the reply says so
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


_PHONE = re.compile(r"\b0\d{1,2}-\d{3}-\d{3,4}\b")


def spoken(msg: dict[str, Any]) -> dict[str, Any]:
    """The reply for the voice mode: each phone number also written as words."""
    def say(text: str) -> str:
        return _PHONE.sub(lambda m: f"{m.group(0)} (อ่านว่า {spoken_digits(m.group(0))})", text)

    bubbles = [part for b in [msg["text"], *msg.get("more", [])] for part in _split(say(b))]
    return {**msg, "text": bubbles[0], "more": bubbles[1:]}


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
    """An OpenStreetMap search for the station, in plain ASCII (short, clickable everywhere).

    The English name is used when there is one ("Lumphini Metropolitan Police Station
    Bangkok"); otherwise the Thai long form, percent-encoded.
    """
    if station.name_en:
        query = station.name_en + (" Bangkok" if station.metro else "")
    else:
        query = f"{full_name(station)} {station.province_th}"
    return OSM_SEARCH + "+".join(quote(word, safe="") for word in query.replace(",", "").split())


def phone_lines(station: Station) -> list[str]:
    if not station.phone:
        return [t("phone_missing")]
    line = t("phone", phone=station.phone)
    if not station.phone_verified:
        line += " " + t("phone_unverified")
    return [line]


def location_buttons() -> list[dict[str, str]]:
    return [{"title": t("choice_nearest"), "payload": "/police_nearest_stations"},
            {"title": t("choice_subscribe"), "payload": "/police_warning_subscribe"}]


def pack(groups: list[list[str]]) -> list[str]:
    """Lines grouped into chat bubbles of at most ``BUBBLE_MAX`` visible characters.

    Groups stay in order (most important first); a group joins the previous bubble when both
    fit, so a short answer stays one bubble. A group longer than a bubble is split at a line
    break or a space (Thai writes a space between sentences), never cut off.
    """
    bubbles: list[str] = []
    for group in groups:
        text = "\n".join(line for line in group if line)
        if not text:
            continue
        for part in _split(text):
            if bubbles and visible_length(bubbles[-1] + "\n" + part) <= BUBBLE_MAX:
                bubbles[-1] += "\n" + part
            else:
                bubbles.append(part)
    return bubbles


def _split(text: str) -> list[str]:
    """``text`` in pieces that each fit a bubble, cut at line breaks or spaces."""
    parts = []
    while visible_length(text) > BUBBLE_MAX:
        end = len(text)
        while visible_length(text[:end]) > BUBBLE_MAX:
            end -= 1
        cut = max(text.rfind("\n", 0, end), text.rfind(" ", 0, end))
        cut = cut if cut > end // 3 else end
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    return [*parts, text] if text else parts


def message(groups: list[list[str]], buttons: list[dict[str, str]] | None = None,
            custom: dict[str, Any] | None = None) -> dict[str, Any]:
    """A reply of one or more bubbles: ``text`` is the first, ``more`` the rest in order.

    Buttons belong to the last bubble (the numbered list they repeat is written there).
    """
    bubbles = pack(groups)
    out: dict[str, Any] = {"text": bubbles[0], "more": bubbles[1:], "buttons": buttons or []}
    if custom:
        out["custom"] = custom
    return out


def all_text(msg: dict[str, Any]) -> str:
    """Every bubble of a reply, joined (for logs and tests)."""
    return "\n".join([msg["text"], *msg.get("more", [])])


def coverage_message(cov: Coverage, place: Place | None = None) -> dict[str, Any]:
    """The answer for a covering (or nearest) station: name and phone first, then the rest."""
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
    first = [head, *phone_lines(st)]
    if place is None:
        first.append(t("distance", km=km(cov.distance_m)))
    elif place.kind in POINT_KINDS and cov.distance_m >= 100:
        # an area's centre is not where the user is, so only a point-like place gets a distance
        first.append(t("distance_from_place", place=place.name_th, km=km(cov.distance_m)))
    if place is not None and place.category == "road":
        first.append(t("road_long"))
    first.append(t("emergency"))
    buttons = location_buttons()
    choices = [t("next_steps"), *(f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1))]
    return message([first, [t("area", area=st.area_th), t("approximate")],
                    [t("map", url=map_url(st))], choices], buttons,
                   {"police_station": st.station_id, "tel": _tel(st.phone)})


def _tel(phone: str) -> str | None:
    """``tel:`` URI for tap-to-call where a channel supports it (the number is in the text too)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:+66{digits[1:]}" if digits.startswith("0") else None


def station_message(lat: float, lon: float, place: Place | None = None) -> dict[str, Any]:
    """The station covering a point. Raises ``bot.kernel.geo.InvalidCoordinates`` for bad input."""
    return coverage_message(default_index().at(lat, lon), place)


def nearest_message(lat: float, lon: float, k: int = 3) -> dict[str, Any]:
    """The ``k`` nearest stations; says so when they are far or the covering one may differ."""
    idx = default_index()
    found = idx.nearest(lat, lon, k)
    lines = [t("nearest_intro")]
    for n, (st, metres) in enumerate(found, start=1):
        phone = t("nearest_phone", phone=st.phone) if st.phone else t("nearest_no_phone")
        lines.append(t("nearest_item", n=n, station=st.name_th, km=km(metres), phone_text=phone))
    notes = []
    covering = idx.at(lat, lon)
    if covering.inside and covering.station.station_id not in {s.station_id for s, _ in found}:
        notes.append(t("nearest_covering", station=covering.station.name_th))
    if any(metres > FAR_NEAREST_M for _, metres in found):
        notes.append(t("nearest_far", km=km(FAR_NEAREST_M)))
    if any(not st.metro for st, _ in found):
        notes.append(t("nearest_upcountry"))
    return message([lines, [t("emergency")], notes, [t("approximate")]],
                   custom={"police_station": found[0][0].station_id} if found else None)


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
        kind = kinds.get(p.category) or kinds[p.kind]
        title = t("place_option", name=p.name_th, kind=kind, where=_where(p)).replace(" )", ")")
        entities = {"latitude": p.lat, "longitude": p.lon, "police_place": p.name_th}
        buttons.append({"title": title, "payload": f"/{intent}{json.dumps(entities, ensure_ascii=False)}"})
    road = all(p.category == "road" for p in places)
    lines = [t("choose_road" if road else "choose_place", name=places[0].name_th)]
    lines += [f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1)]
    return message([lines], buttons)


def place_from_choice(entities: dict[str, Any]) -> Place | None:
    """The place a choice button named (its point and name travel in the payload)."""
    name = entities.get("police_place")
    if not name or "latitude" not in entities:
        return None
    return Place(str(name), "landmark", "", None, float(entities["latitude"]),
                 float(entities["longitude"]), None)


def find_places(text: str, answer: bool = False) -> list[Place]:
    """Places in ``text``; ``answer=True`` when it replies to "which place?"."""
    return resolve_place(text, answer=answer)


def station_for_text(text: str, answer: bool = False) -> dict[str, Any] | None:
    """The answer for a typed place: a station, a numbered choice, or ``None`` if no place."""
    places = find_places(text, answer)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_find_station")
    place = places[0]
    msg = station_message(place.lat, place.lon, place)
    if place.kind == "province":  # a province has many stations: say which one this is
        msg["more"] = [*msg["more"], t("province_many", province=place.name_th)]
    return msg


def nearest_for_text(text: str, answer: bool = False) -> dict[str, Any] | None:
    places = find_places(text, answer)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_nearest_stations")
    return nearest_message(places[0].lat, places[0].lon)


def phone_message(station: Station) -> dict[str, Any]:
    """A station's phone first, then its area and map."""
    first = [t("phone_answer", station=station.name_th, division=station.division),
             *phone_lines(station), t("emergency")]
    return message([first, [t("area", area=station.area_th)], [t("map", url=map_url(station))]],
                   custom={"police_station": station.station_id, "tel": _tel(station.phone)})


def station_phone(station_id: str) -> dict[str, Any] | None:
    """The phone answer for a station shown earlier (``None`` if the id is unknown)."""
    st = default_index().by_id.get(station_id)
    return phone_message(st) if st else None


def phone_for_text(text: str, station_id: str | None = None,
                   shown: str | None = None) -> dict[str, Any]:
    """"เบอร์ สน.ลุมพินี" → the station's phone; several matches → a numbered choice.

    ``shown`` is the station the conversation last showed: "ขอเบอร์ด้วย" and "เบอร์โรงพักนี้"
    mean that one when the text names no other station or place.
    """
    idx = default_index()
    if station_id and station_id in idx.by_id:
        return phone_message(idx.by_id[station_id])
    found = idx.find(text)
    if not found:
        places = [p for p in find_places(text) if p.kind != "province"]
        if len(places) == 1:
            return phone_message(idx.at(places[0].lat, places[0].lon).station)
        if shown and not places and shown in idx.by_id and _means_shown(text):
            return phone_message(idx.by_id[shown])
        match = default_kb().answer(text)
        if match is not None and match.score >= PHONE_KB_MATCH:  # "เบอร์ตำรวจท่องเที่ยว"
            return legal_message(text)
        return message([[t("station_not_found")]])
    if len(found) == 1:
        return phone_message(found[0])
    buttons = [{"title": s.name_th,
                "payload": "/police_station_phone" + json.dumps(
                    {"police_station": s.station_id}, ensure_ascii=False)} for s in found]
    lines = [t("choose_station"), *(f"{i}. {b['title']}" for i, b in enumerate(buttons, 1))]
    return message([lines], buttons)


_DEICTIC = ("นี้", "นั้น", "ดังกล่าว", "ที่ว่า", "เมื่อกี้", "เมื่อกี๊", "เมื่อกี", "เดิม")
# Words of a bare phone request ("ขอเบอร์ด้วยค่ะ"): with nothing else, it means the station shown.
_REQUEST = re.compile(r"ขอ|เบอร์|เบอ|โทร|ศัพท์|ติดต่อ|ด้วย|หน่อย|ครับ|คับ|ค่ะ|คะ|จ้า|นะ|โรงพัก|"
                      r"สถานีตำรวจ|สถานี|ตำรวจ|ของ|ที่|อะไร|ไหน|เท่าไหร่|เท่าไร|ได้|ไหม|มั้ย|"
                      r"[\s?!.,ๆ]")


def _means_shown(text: str) -> bool:
    """Does a phone request point back at the station just shown ("เบอร์โรงพักนี้")?"""
    return any(word in text for word in _DEICTIC) or len(_REQUEST.sub("", text)) <= 2


def legal_message(text: str) -> dict[str, Any]:
    """The knowledge-base answer with its source, or the 1599 fallback."""
    match = default_kb().answer(text)
    if match is None:
        return message([[t("legal_fallback")]])
    e = match.entry
    return message([[t("legal_answer", title=e.title_th, answer=e.answer_th)],
                    [t("legal_source", source=e.source, checked=e.checked), t("legal_note")]],
                   custom={"police_kb": e.id})

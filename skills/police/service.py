"""Police answers as typed ``Reply`` values (``bot.kernel.answer``) for the actions to send.

No Rasa here: the actions pass in what the user said or shared and send what comes back.
Every bubble's text is complete on its own; the last bubble's numbered choices are written in
it and carry typed targets (an intent and its entities), never a hand-built payload.

>>> reply = station_message(13.7316, 100.5417)          # Lumphini Park
>>> reply.text.splitlines()[0]
'สถานีตำรวจที่ดูแลพื้นที่นี้: สน.ลุมพินี (บก.น.5)'
>>> [c.target.intent for c in reply.choices]
['police_nearest_stations', 'police_warning_subscribe']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.kernel.answer import (
    Answer,
    Call,
    Card,
    Choice,
    Link,
    Target,
    ask,
    numbered,
    numbered_text,
)
from bot.kernel.geo import Place, resolve_place
from bot.kernel.text import BUBBLE_MAX, visible_length
from bot.kernel.texts import Texts

from .knowledge import default_kb
from .stations import Coverage, Station, default_index

t = Texts.load(Path(__file__).resolve().parent / "data" / "texts_th.yml")
FAR_AWAY_M = 300_000  # beyond this from every area a point is abroad, not "just offshore"
DIGITS_TH = dict(zip("0123456789", ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด",
                                    "แปด", "เก้า"), strict=True))
OSM_SEARCH = "https://www.openstreetmap.org/search?query="
POINT_KINDS = ("landmark",)
FAR_NEAREST_M = 10_000  # nearer stations than this are "near"; beyond, the reply says so
STRONG_MATCH = 0.45  # a knowledge entry this close answers even when another intent was guessed
PHONE_KB_MATCH = 0.7  # stricter: "เบอร์" alone must not turn an unknown station into hotlines


@dataclass(frozen=True)
class Reply:
    """A police answer: bubbles in order (the last may offer numbered choices), and what the
    conversation remembers of it."""

    answers: tuple[Answer, ...]
    station: str | None = None  # the station shown: "ขอเบอร์ด้วย" next means this one
    asks: bool = False  # it asks the user to type a place
    question: bool = False  # its choices are a question (which place or station?)

    @property
    def text(self) -> str:
        """The first bubble (alone enough to act on)."""
        return self.answers[0].text

    @property
    def bubbles(self) -> list[str]:
        return [a.text for a in self.answers]

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self.answers[-1].choices

    @property
    def call(self) -> Call | None:
        return self.answers[0].call

    def then(self, *texts: str, asks: bool | None = None) -> Reply:
        """This reply with more bubbles after it (each complete on its own); its choices
        move to the last bubble, where a choice is looked for; its card stays on the first."""
        answers = _answers([*self.bubbles, *texts], self.choices, self.call)
        card = self.answers[0].card if self.answers else None
        if card is not None:
            answers = (replace(answers[0], card=card), *answers[1:])
        return replace(self, answers=answers, asks=self.asks if asks is None else asks)

    def __post_init__(self) -> None:
        # a reply that asks for a place offers the location picker where a platform has one
        if self.asks and self.answers and not self.answers[-1].ask_location:
            object.__setattr__(self, "answers", (*self.answers[:-1],
                                                 replace(self.answers[-1], ask_location=True)))

    def all_text(self) -> str:
        """Every bubble, joined (for logs and tests)."""
        return "\n".join(self.bubbles)


def spoken_digits(phone: str) -> str:
    """How a screen reader should say a phone number.

    >>> spoken_digits("02-255-5994")
    'ศูนย์ สอง, สอง ห้า ห้า, ห้า เก้า เก้า สี่'
    """
    groups = [g for g in phone.replace(" ", "-").split("-") if g]
    return ", ".join(" ".join(DIGITS_TH[d] for d in g if d in DIGITS_TH) for g in groups)


_PHONE = re.compile(r"\b0\d{1,2}-\d{3}-\d{3,4}\b")


def spoken(reply: Reply) -> Reply:
    """The reply for the voice mode: each phone number also written as words."""
    def say(text: str) -> str:
        return _PHONE.sub(lambda m: f"{m.group(0)} (อ่านว่า {spoken_digits(m.group(0))})", text)

    bubbles = [part for b in reply.bubbles for part in _split(say(b))]
    return replace(reply, answers=_answers(bubbles, reply.choices, reply.call))


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


def next_steps() -> tuple[Choice, ...]:
    """What a citizen may do after a station was shown."""
    return numbered([(t("choice_nearest"), Target("police_nearest_stations")),
                     (t("choice_subscribe"), Target("police_warning_subscribe"))])


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


def _answers(bubbles: list[str], choices: tuple[Choice, ...] = (),
             call: Call | None = None) -> tuple[Answer, ...]:
    """Bubbles as answers: the call with the first (where the phone is), the choices with the
    last (where their numbered list is written)."""
    out = [Answer(b) for b in bubbles]
    if choices:
        out[-1] = ask(out[-1].text, choices)
    if call is not None:
        out[0] = replace(out[0], call=call)
    return tuple(out)


def message(groups: list[list[str]], choices: Iterable[tuple[str, Target] | Choice] = (),
            *, call: Call | None = None, **remember: Any) -> Reply:
    """A reply of one or more bubbles, packed from ``groups`` of lines (most important first).

    The ``choices`` are numbered (``bot.kernel.answer``) at the end of the last group, so the
    bubble that lists them is the one that offers them.
    """
    choices = numbered(choices)
    if choices:
        groups = [*groups[:-1], [*groups[-1], *numbered_text("", choices).splitlines()]]
    return Reply(_answers(pack(groups), choices, call), **remember)


def coverage_message(cov: Coverage, place: Place | None = None) -> Reply:
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
    # an area's centre is not where the user is, so only a point-like place gets a distance
    distance = place is None or (place.kind in POINT_KINDS and cov.distance_m >= 100)
    if place is None:
        first.append(t("distance", km=km(cov.distance_m)))
    elif distance:
        first.append(t("distance_from_place", place=place.name_th, km=km(cov.distance_m)))
    if place is not None and place.category == "road":
        first.append(t("road_long"))
    first.append(t("emergency"))
    reply = message([first, [t("area", area=st.area_th), t("approximate")],
                     [t("map", url=map_url(st))], [t("next_steps")]], next_steps(),
                    call=_call(st), station=st.station_id)
    card = station_card(cov, _call(st), distance)
    return replace(reply, answers=(replace(reply.answers[0], card=card), *reply.answers[1:]))


def station_card(cov: Coverage, call: Call | None, distance: bool = True) -> Card:
    """The station as a card: name, division, area, distance (when the text gives one),
    phone; call and map buttons (the facts are in the answer's text too)."""
    st = cov.station
    fields = [(t("card_area"), st.area_th)]
    if distance:
        fields.append((t("card_distance"), t("card_km", km=km(cov.distance_m))))
    fields.append((t("card_phone"), st.phone or t("card_no_phone")))
    buttons: list[Any] = [call] if call else []
    buttons += [Link(t("card_map"), map_url(st)), *next_steps()[:1]]
    status, tone = ("", "info") if cov.inside else (t("card_outside"), "warn")
    return Card(st.name_th, st.division, tuple(fields), status, tone, tuple(buttons))


def _call(station: Station) -> Call | None:
    """The station's phone for tap-to-call where a channel supports it (it is in the text too)."""
    digits = "".join(ch for ch in station.phone if ch.isdigit())
    return Call("+66" + digits[1:], station.name_th) if digits.startswith("0") else None


def station_message(lat: float, lon: float, place: Place | None = None) -> Reply:
    """The station covering a point. Raises ``bot.kernel.geo.InvalidCoordinates`` for bad input."""
    return coverage_message(default_index().at(lat, lon), place)


def nearest_message(lat: float, lon: float, k: int = 3) -> Reply:
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
                   station=found[0][0].station_id if found else None)


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


def place_choice(places: list[Place], intent: str) -> Reply:
    """A numbered choice between places; each choice carries the place's point."""
    kinds = t.value("kinds")
    choices = []
    for p in places:
        kind = kinds.get(p.category) or kinds[p.kind]
        title = t("place_option", name=p.name_th, kind=kind, where=_where(p)).replace(" )", ")")
        entities = {"latitude": p.lat, "longitude": p.lon, "police_place": p.name_th}
        choices.append((title, Target(intent, entities)))
    road = all(p.category == "road" for p in places)
    return message([[t("choose_road" if road else "choose_place", name=places[0].name_th)]],
                   choices, question=True)


def place_from_choice(entities: dict[str, Any]) -> Place | None:
    """The place a choice named (its point and name travel in the choice's entities)."""
    name = entities.get("police_place")
    if not name or "latitude" not in entities:
        return None
    return Place(str(name), "landmark", "", None, float(entities["latitude"]),
                 float(entities["longitude"]), None)


def find_places(text: str, answer: bool = False) -> list[Place]:
    """Places in ``text``; ``answer=True`` when it replies to "which place?"."""
    return resolve_place(text, answer=answer)


def station_for_text(text: str, answer: bool = False) -> Reply | None:
    """The answer for a typed place: a station, a numbered choice, or ``None`` if no place."""
    places = find_places(text, answer)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_find_station")
    place = places[0]
    reply = station_message(place.lat, place.lon, place)
    if place.kind == "province":  # a province has many stations: say which one this is
        reply = reply.then(t("province_many", province=place.name_th))
    return reply


def nearest_for_text(text: str, answer: bool = False) -> Reply | None:
    places = find_places(text, answer)
    if not places:
        return None
    if len(places) > 1:
        return place_choice(places, "police_nearest_stations")
    return nearest_message(places[0].lat, places[0].lon)


def phone_message(station: Station) -> Reply:
    """A station's phone first, then its area and map."""
    first = [t("phone_answer", station=station.name_th, division=station.division),
             *phone_lines(station), t("emergency")]
    return message([first, [t("area", area=station.area_th)], [t("map", url=map_url(station))]],
                   call=_call(station), station=station.station_id)


def station_phone(station_id: str) -> Reply | None:
    """The phone answer for a station shown earlier (``None`` if the id is unknown)."""
    st = default_index().by_id.get(station_id)
    return phone_message(st) if st else None


def phone_for_text(text: str, station_id: str | None = None,
                   shown: str | None = None) -> Reply:
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
    return message([[t("choose_station")]],
                   [(s.name_th, Target("police_station_phone", {"police_station": s.station_id}))
                    for s in found], question=True)


_DEICTIC = ("นี้", "นั้น", "ดังกล่าว", "ที่ว่า", "เมื่อกี้", "เมื่อกี๊", "เมื่อกี", "เดิม")
# Words of a bare phone request ("ขอเบอร์ด้วยค่ะ"): with nothing else, it means the station shown.
_REQUEST = re.compile(r"ขอ|เบอร์|เบอ|โทร|ศัพท์|ติดต่อ|ด้วย|หน่อย|ครับ|คับ|ค่ะ|คะ|จ้า|นะ|โรงพัก|"
                      r"สถานีตำรวจ|สถานี|ตำรวจ|ของ|ที่|อะไร|ไหน|เท่าไหร่|เท่าไร|ได้|ไหม|มั้ย|"
                      r"[\s?!.,ๆ]")


def _means_shown(text: str) -> bool:
    """Does a phone request point back at the station just shown ("เบอร์โรงพักนี้")?"""
    return any(word in text for word in _DEICTIC) or len(_REQUEST.sub("", text)) <= 2


def legal_message(text: str) -> Reply:
    """The knowledge-base answer with its source, or the 1599 fallback."""
    match = default_kb().answer(text)
    if match is None:
        return message([[t("legal_fallback")]])
    e = match.entry
    return message([[t("legal_answer", title=e.title_th, answer=e.answer_th)],
                    [t("legal_source", source=e.source, checked=e.checked), t("legal_note")]])

"""What the disaster skill tells citizens: shelters near them, what to do now, help requests
with a case number and status, and the volunteer register (with consent, withdrawable).

Citizens only ever see public information: open shelters (name, distance, free places, phone,
who says so and how fresh it is) and their own cases. Assets, stock and people's details are
for staff through the APIs (``web.py``). Every answer starts with the emergency numbers.
Plain functions over a session the caller opens; each call is one transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.kernel import notify
from bot.kernel.answer import Answer, Call, Card, Target, ask
from bot.kernel.cases import case_number
from bot.kernel.db import utcnow
from bot.kernel.text import BUBBLE_MAX, visible_length

from . import search
from .catalogue import CATALOGUE
from .models import CASE_STATUSES, Certificate, Competency, HelpCase, Person, Site
from .texts import texts

ADVICE = Path(__file__).resolve().parent / "data" / "advice.yml"
SHELTER_KM = 100      # a citizen is not sent further than this for a shelter
SHELTERS_SHOWN = 3
VOLUNTEER_AGENCY = "CHAT"  # volunteers who registered themselves in chat
_CASE = re.compile(r"DS\s*-?\s*(\d{1,9})", re.IGNORECASE)
BKK = timezone(timedelta(hours=7))


def emergency() -> Answer:
    """The emergency numbers: the first bubble of every answer, nothing comes before them."""
    return Answer(texts("chat.emergency_first"), call=Call("1784", "สายด่วน ปภ."))


def bubbles(lines: list[str], call: Call | None = None) -> list[Answer]:
    """``lines`` packed into answers that each fit a phone screen (``BUBBLE_MAX``)."""
    out: list[list[str]] = [[]]
    for line in lines:
        if out[-1] and visible_length("\n".join([*out[-1], line])) > BUBBLE_MAX - 10:
            out.append([])
        out[-1].append(line)
    answers = [Answer("\n".join(chunk)) for chunk in out if chunk]
    if call is not None and answers:
        answers[-1] = Answer(answers[-1].text, call=call)
    return answers


# ---------------------------------------------------------------- shelters

def shelters_near(session: Session, lat: float, lon: float, where_th: str = "",
                  n: int = SHELTERS_SHOWN) -> list[Answer]:
    """Open shelters with free places nearest to the point, with distance, phone, freshness."""
    where = where_th or texts("chat.here")
    hits = search.nearest(session, "shelter", "shelter", lat, lon, n, max_km=SHELTER_KM)
    if not hits:
        return [emergency(), Answer(texts("chat.shelters_none", km=SHELTER_KM, where=where),
                                    call=Call("1784", "สายด่วน ปภ."))]
    lines = [texts("chat.shelters_head", where=where)]
    for i, hit in enumerate(hits, start=1):
        key = "chat.shelter_line" if hit.phone else "chat.shelter_line_nophone"
        lines.append(texts(key, n=i, name=hit.site_th, km=f"{hit.distance_km:.1f}",
                           free=hit.available, capacity=_capacity(session, hit.site_id, hit.available),
                           phone=hit.phone, fresh=search.freshness_th(hit.last_verified_at),
                           org=hit.org_th))
    lines.append(texts("chat.shelters_tail"))
    if any(h.synthetic for h in hits):
        lines.append(texts("chat.synthetic"))
    first = hits[0]
    call = Call(re.sub(r"[^\d+]", "", first.phone), first.site_th) if first.phone else None
    out = bubbles(lines, call)
    card = Card(first.site_th, texts("card.nearest"), (
        (texts("card.free"), texts("card.places", free=first.available,
                                   capacity=_capacity(session, first.site_id, first.available))),
        (texts("card.distance"), texts("card.km", km=f"{first.distance_km:.1f}")),
        (texts("card.phone"), first.phone or "-"),
        (texts("card.checked"), search.freshness_th(first.last_verified_at))),
        texts("card.open"), "ok", (call,) if call else ())
    out[0] = replace(out[0], card=card)  # the first bubble names the nearest shelter
    return [emergency(), *out]


def _capacity(session: Session, site_id: int, default: int) -> int:
    site = session.get(Site, site_id)
    return site.capacity if site and site.capacity is not None else default


# ---------------------------------------------------------------- advice

@lru_cache(maxsize=1)
def _advice() -> dict[str, Any]:
    return yaml.safe_load(ADVICE.read_text(encoding="utf-8"))


def advice_topic(text: str) -> str | None:
    """The hazard ``text`` is about ("น้ำเริ่มท่วมบ้าน ทำไงดี" → "flood"), if any."""
    folded = text.lower()
    for key, topic in _advice()["topics"].items():
        if any(w.lower() in folded for w in topic["words"]):
            return key
    return None


def advice(text: str) -> list[Answer]:
    """What to do now for the hazard named in ``text``; a choice of hazards when none is."""
    data = _advice()
    key = advice_topic(text)
    if key is None:
        return [emergency(), ask(texts("chat.advice_ask"), [
            (t["name_th"], Target("disaster_advice", {"disaster_hazard": k}))
            for k, t in data["topics"].items()])]
    return advice_for(key)


def advice_for(key: str) -> list[Answer]:
    """The steps for one hazard (``flood``, ``landslide``, ``storm``, …), with their source."""
    data = _advice()
    topic = data["topics"].get(key)
    if topic is None:
        return advice("")
    steps = [f"{i}. {s}" for i, s in enumerate(topic["steps"], start=1)]
    source = texts("chat.advice_source", source=topic["source"], checked=data["checked"])
    return [emergency(), *bubbles([f"{topic['name_th']}: ทำอย่างนี้ตอนนี้", *steps, source])]


# ---------------------------------------------------------------- help cases

def case_id(number: str) -> int | None:
    m = _CASE.search(number or "")
    return int(m.group(1)) if m else None


def file_help(session: Session, sender_id: str, description: str, *,
              point: tuple[float, float] | None = None, place_th: str = "",
              province_code: str = "", request_key: str | None = None) -> HelpCase:
    """A citizen's help request becomes a case; a retried turn (same key) files nothing twice."""
    if request_key:
        found = session.scalars(select(HelpCase).where(HelpCase.request_key == request_key)).first()
        if found is not None:
            return found
    case = HelpCase(sender_id=sender_id, description=description[:2000], place_th=place_th[:300],
                    latitude=point[0] if point else None, longitude=point[1] if point else None,
                    province_code=province_code[:8], request_key=request_key)
    session.add(case)
    session.flush()
    return case


def filed_answer(case: HelpCase) -> list[Answer]:
    lines = [texts("chat.help_filed", case=case.case_number,
                   status=texts(f"case_status.{case.status}"))]
    if case.latitude is None:
        lines.append(texts("chat.help_add_location", case=case.case_number))
    out = bubbles(lines)
    out[0] = replace(out[0], card=case_card(case))  # the bubble that says the case number
    return [emergency(), *out]


CASE_TONES = {"received": "info", "assigned": "info", "on_the_way": "warn", "helped": "ok",
              "closed": "ok"}


def _thai_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(
        BKK).strftime("%d/%m/%Y %H.%M น.")


def case_card(case: HelpCase, dated: bool = False) -> Card:
    """A help case as a card: its number, the status in words on its colour, (``dated``) when
    it last moved, the staff's note (the facts its text says); the 1784 hotline to call."""
    fields = [(texts("card.case_number"), case.case_number)]
    if dated:
        fields.append((texts("card.case_updated"),
                       _thai_time(case.updated_at or case.created_at)))
    if case.staff_note:
        fields.append((texts("card.case_note"), case.staff_note))
    return Card(texts("card.case_title", case=case.case_number), texts("card.case_sub"),
                tuple(fields), texts(f"case_status.{case.status}"),
                CASE_TONES.get(case.status, "info"), (Call("1784", "สายด่วน ปภ."),))


def attach_location(session: Session, sender_id: str, point: tuple[float, float],
                    within: timedelta = timedelta(hours=2)) -> HelpCase | None:
    """Put a shared location on the sender's latest case without one, if it is recent."""
    case = session.scalars(select(HelpCase).where(HelpCase.sender_id == sender_id)
                           .order_by(HelpCase.id.desc())).first()
    if case is None or case.latitude is not None:
        return None
    created = case.created_at if case.created_at.tzinfo else case.created_at.replace(
        tzinfo=timezone.utc)
    if utcnow() - created > within:
        return None
    case.latitude, case.longitude = point
    return case


def case_status(session: Session, sender_id: str, text: str) -> Answer:
    """The status of the case named in ``text`` (only the sender's own), or of their latest."""
    wanted = case_id(text)
    query = select(HelpCase).where(HelpCase.sender_id == sender_id)
    if wanted is not None:
        case = session.scalars(query.where(HelpCase.id == wanted)).first()
        if case is None:
            return Answer(texts("chat.case_not_found", case=case_number(HelpCase.CASE_PREFIX, wanted)))
        cases = [case]
    else:
        cases = list(session.scalars(query.order_by(HelpCase.id.desc()).limit(3)))
        if not cases:
            return Answer(texts("chat.no_cases"))
    lines = []
    for case in cases:
        lines.append(texts("chat.case_status", case=case.case_number,
                           when=_thai_time(case.updated_at),
                           status=texts(f"case_status.{case.status}")))
        if case.staff_note:
            lines.append(texts("chat.case_note", note=case.staff_note))
    return Answer("\n".join(lines), card=case_card(cases[0], dated=True))  # named, or latest


def set_case_status(session: Session, number: str, status: str, note: str = "") -> HelpCase | None:
    """Staff move a case on; the citizen is told in their chat (once per status)."""
    if status not in CASE_STATUSES:
        raise ValueError(status)
    wanted = int(number) if re.fullmatch(r"[0-9]{1,9}", str(number)) else case_id(number)
    case = session.get(HelpCase, wanted) if wanted and wanted < 10**9 else None
    if case is None:
        return None
    changed = case.status != status or (note and note != case.staff_note)
    case.status = status
    if note:
        case.staff_note = note[:500]
    if changed:
        text = texts("chat.case_updated", case=case.case_number,
                     status=texts(f"case_status.{status}"))
        if note:
            text += "\n" + texts("chat.case_note", note=note)
        session.flush()  # updated_at as the card shows it
        notify.enqueue(session, case.sender_id, Answer(text, card=case_card(case)),
                       kind="disaster.case_status",
                       dedupe_key=f"disaster-case:{case.id}:{status}:{hashlib.sha256(note.encode()).hexdigest()[:12]}")
    return case


# ---------------------------------------------------------------- volunteers

@dataclass(frozen=True)
class VolunteerOffer:
    skills: tuple[str, ...]
    province_code: str = ""
    province_th: str = ""

    def skills_th(self) -> str:
        return ", ".join(CATALOGUE.skill_name(s) for s in self.skills)


def volunteer_offer(text: str, province_code: str = "", province_th: str = "") -> VolunteerOffer:
    """The skills a would-be volunteer names ("ว่ายน้ำได้ ขับเรือเป็น" → swimming, boat_operator)."""
    return VolunteerOffer(tuple(CATALOGUE.words_in(text, "skills")), province_code, province_th)


def consent_question(offer: VolunteerOffer) -> Answer:
    where = f" จังหวัดที่สะดวก: {offer.province_th}" if offer.province_th else ""
    return ask(texts("chat.volunteer_consent", skills=offer.skills_th(), where=where), [
        (texts("chat.consent_yes"), Target(text="ยินยอม")),
        (texts("chat.consent_no"), Target(text="ไม่ยินยอม"))])


def _volunteer_source_id(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()[:40]


def register_volunteer(session: Session, sender_id: str, offer: VolunteerOffer) -> Person:
    """Record a consenting volunteer (their chat is the contact); again: skills are updated."""
    source_id = _volunteer_source_id(sender_id)
    person = session.scalars(select(Person).where(Person.source_agency == VOLUNTEER_AGENCY,
                                                  Person.source_id == source_id)).first()
    now = utcnow()
    if person is None:
        person = Person(source_agency=VOLUNTEER_AGENCY, source_id=source_id, kind="volunteer",
                        sender_id=sender_id, consent_at=now, last_verified_at=now,
                        province_code=offer.province_code)
        session.add(person)
        session.flush()
    else:
        person.consent_at = person.last_verified_at = now
        if offer.province_code:
            person.province_code = offer.province_code
    have = {c.skill for c in session.scalars(select(Competency).where(
        Competency.person_id == person.id))}
    for skill in offer.skills:
        if skill not in have:
            session.add(Competency(person_id=person.id, skill=skill, level=1))
    session.flush()
    return person


def withdraw_volunteer(session: Session, sender_id: str) -> int:
    """Delete the sender's volunteer record and everything attached; how many records went."""
    people = list(session.scalars(select(Person.id).where(Person.sender_id == sender_id)))
    if not people:
        return 0
    session.execute(delete(Competency).where(Competency.person_id.in_(people)))
    session.execute(delete(Certificate).where(Certificate.person_id.in_(people)))
    session.execute(delete(Person).where(Person.id.in_(people)))
    return len(people)

"""Domain logic of the motortaxi skill: verification, complaints, trips, positions.

Plain functions over a SQLAlchemy session the caller opens (``with factory.begin() as s``),
so each call is one transaction. No Rasa, no channels, no environment.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.kernel import notify
from bot.kernel.answer import Call, Card
from bot.kernel.point import InvalidCoordinates, check_point
from bot.kernel.text import normalize
from bot.kernel.texts import Texts

from . import codes, fares
from .models import (
    ACTIVE,
    CASE_STATUSES,
    CATEGORIES,
    EXPIRED,
    REVOKED,
    Complaint,
    Position,
    Rider,
    Trip,
    utcnow,
)

texts = Texts.load(Path(__file__).resolve().parent / "data" / "texts_th.yml")
TRIP_HOURS = 12
POSITION_RETENTION_HOURS = 24
MAX_BATCH = 1000
# Thailand's bounding box, generously: positions elsewhere are a device error.
LAT_RANGE, LON_RANGE = (5.0, 21.0), (97.0, 106.0)
_LEADING_VOWELS = "เแโใไ"


def mask_surname(last_name: str) -> str:
    """First letter (with a leading vowel) and a dot: ``"ใจดี"`` → ``"ใจ."``, ``"Smith"`` → ``"S."``."""
    name = last_name.strip()
    if not name:
        return ""
    keep = 2 if name[0] in _LEADING_VOWELS and len(name) > 1 else 1
    return name[:keep] + "."


def new_token() -> str:
    """An unguessable URL token (128 bits)."""
    return secrets.token_urlsafe(16)


# --- verification -------------------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    """What a typed code means: ``found`` (with ``rider``), ``format``, ``check`` or ``unknown``."""

    outcome: str
    code: str = ""
    rider: Rider | None = None


def lookup(session: Session, typed: str) -> Lookup:
    """Find the rider for a typed code ("4821 0934", "๔๘๒๑-๐๙๓๔"); a typo is never matched."""
    try:
        code = codes.parse(typed)
    except codes.CodeError as exc:
        return Lookup(exc.reason)
    rider = session.scalars(select(Rider).where(Rider.code == code)).first()
    return Lookup("found" if rider else "unknown", code, rider)


def lookup_outcome(typed: str) -> str:
    """``format`` or ``check`` for a code that cannot be anyone's, else ``unknown``."""
    try:
        codes.parse(typed)
    except codes.CodeError as exc:
        return exc.reason
    return "unknown"


def by_token(session: Session, token: str) -> Rider | None:
    """The rider whose vest QR carries ``token`` (``None`` for a forged or altered one)."""
    if not token or len(token) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        return None
    return session.scalars(select(Rider).where(Rider.qr_token == token)).first()


def complaint_count(session: Session, rider_id: int) -> int:
    return session.scalar(select(func.count(Complaint.id)).where(
        Complaint.rider_id == rider_id, Complaint.status != "rejected")) or 0


def effective_status(rider: Rider, today: date | None = None) -> str:
    """The registry status, except that an active rider whose licence has lapsed is expired."""
    today = today or utcnow().date()
    if rider.status == ACTIVE and rider.licence_expiry is not None and rider.licence_expiry < today:
        return EXPIRED
    return rider.status


def thai_time(moment: datetime) -> str:
    """Local date in the Buddhist era and time as Thai people write it: ``26/11/2569 13.54 น.``."""
    return f"{thai_date(moment.date())} {moment:%H.%M} น."


def thai_date(day: date) -> str:
    """Day/month/Buddhist-era year, as Thai documents write it: ``date(2028, 1, 31)`` → ``31/1/2571``."""
    return f"{day.day}/{day.month}/{day.year + 543}"


def rider_view(session: Session, rider: Rider) -> dict[str, Any]:
    """What a passenger may see about a rider (surname masked, no licence number)."""
    status = effective_status(rider)
    return {
        "code": codes.format_code(rider.code), "code_spoken": codes.spoken(rider.code),
        "first_name": rider.first_name, "last_name_masked": mask_surname(rider.last_name),
        "plate": f"{rider.plate} {rider.plate_province}".strip(),
        "win": rider.win_name, "district": rider.district, "province": rider.province,
        "status": status, "status_words": texts(f"status_words.{status}"), "ok": status == ACTIVE,
        "licence_expiry": rider.licence_expiry.isoformat() if rider.licence_expiry else "",
        "licence_expiry_th": thai_date(rider.licence_expiry) if rider.licence_expiry else "",
        "complaints": complaint_count(session, rider.id), "synthetic": rider.synthetic,
    }


def revoke(session: Session, code: str) -> Rider | None:
    """Revoke a rider: the vest QR and the code now verify as revoked (idempotent)."""
    rider = session.scalars(select(Rider).where(Rider.code == code)).first()
    if rider is not None and rider.status != REVOKED:
        rider.status = REVOKED
    return rider


def reissue_qr(session: Session, rider: Rider) -> str:
    """A new QR token for a lost or copied vest; the old QR stops working."""
    rider.qr_token = new_token()
    session.flush()
    return rider.qr_token


def verify_url(base_url: str, rider: Rider) -> str:
    return f"{base_url.rstrip('/')}/motortaxi/v/{rider.qr_token}"


# --- complaints ---------------------------------------------------------------------------

_KM = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:กิโลเมตร|กิโล|กม\.?|km|k\.?m\.?)", re.IGNORECASE)
_BAHT = re.compile(r"(\d[\d,]*)\s*(?:บาท|฿|baht)", re.IGNORECASE)
_TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])[.:]([0-5]\d)\s*(?:น\.?|นาฬิกา)?")


def guess_category(text: str) -> str | None:
    """The complaint category a message points to, by the keywords in the data file."""
    folded = normalize(text).lower()
    for table in ("category_keywords", "category_weak_keywords"):
        for category, words in texts.value(table).items():
            if any(w.lower() in folded for w in words):
                return category
    return None


def parse_distance(text: str) -> float | None:
    """Kilometres mentioned in a message: "นั่งไป 7 กิโล" → 7.0."""
    m = _KM.search(normalize(text))
    if m is None:
        return None
    km = float(m.group(1).replace(",", "."))
    return km if 0 < km <= fares.MAX_KM else None


def parse_paid(text: str) -> int | None:
    """Baht mentioned in a message: "เก็บ 100 บาท" → 100."""
    m = _BAHT.search(normalize(text))
    return int(m.group(1).replace(",", "")) if m else None


def parse_time(text: str) -> str:
    """A clock time mentioned in a message, as told ("18.30"), or ``""``."""
    m = _TIME.search(normalize(text))
    return f"{int(m.group(1)):02d}.{m.group(2)} น." if m else ""


def file_complaint(session: Session, sender_id: str, category: str, text: str = "",
                   rider_code: str = "", request_key: str | None = None, *, place: str = "",
                   occurred_at: str = "", occurred_on: date | None = None,
                   rider_hint: str = "") -> Complaint:
    """Record a complaint (once per ``request_key``); distance and fare are read from the text.

    ``text`` is what happened in the citizen's words: a complaint with nothing but a category
    is refused (``ValueError``), since staff could do nothing with it.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if not text.strip():
        raise ValueError("a complaint needs what happened")
    if request_key:
        existing = session.scalars(select(Complaint).where(
            Complaint.request_key == request_key)).first()
        if existing is not None:
            return existing
    rider = None
    if rider_code:
        found = lookup(session, rider_code)
        rider = found.rider
        rider_code = found.code or rider_code[:16]
    km = parse_distance(text)
    legal = fares.maximum_fare(km).baht if km and category == "overcharge" else None
    case = Complaint(sender_id=sender_id, rider_id=rider.id if rider else None,
                     rider_code=rider_code[:16], rider_hint=rider_hint[:160],
                     category=category, description=text[:2000], place=place[:300],
                     occurred_at=(occurred_at or parse_time(text))[:64], occurred_on=occurred_on,
                     distance_km=km, paid_baht=parse_paid(text),
                     legal_fare_baht=legal, request_key=request_key, status="received")
    session.add(case)
    session.flush()
    return case


def case_id(case_number: str) -> int | None:
    """``"MT-000042"`` (any case, spaces, Thai digits) → 42."""
    m = re.fullmatch(r"MT-?0*(\d{1,9})", re.sub(r"\s", "", normalize(case_number)).upper())
    return int(m.group(1)) if m else None


def find_case_number(text: str) -> str | None:
    m = re.search(r"MT\s*-?\s*\d{1,9}", normalize(text), re.IGNORECASE)
    return m.group() if m else None


def locate_recent_complaint(session: Session, sender_id: str, lat: float, lon: float,
                            window: timedelta = timedelta(hours=2)) -> str | None:
    """Put a shared location on this conversation's complaint filed within ``window``; the
    case number, or ``None`` when there is no such complaint."""
    case = session.scalars(select(Complaint).where(
        Complaint.sender_id == sender_id, Complaint.created_at >= utcnow() - window)
        .order_by(Complaint.id.desc()).limit(1)).first()
    if case is None:
        return None
    case.latitude, case.longitude = float(lat), float(lon)
    return case.case_number


def cases_for(session: Session, sender_id: str, case_number: str | None = None,
              limit: int = 5) -> list[Complaint]:
    """The sender's own cases, newest first (another person's case number finds nothing)."""
    query = select(Complaint).where(Complaint.sender_id == sender_id)
    if case_number:
        query = query.where(Complaint.id == (case_id(case_number) or -1))
    return list(session.scalars(query.order_by(Complaint.id.desc()).limit(limit)))


def staff_cases(session: Session, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Cases for staff, oldest first (no sender id: staff answer through the status API)."""
    query = select(Complaint, Rider.code).outerjoin(Rider, Complaint.rider_id == Rider.id)
    if status:
        query = query.where(Complaint.status == status)
    rows = session.execute(query.order_by(Complaint.id).limit(limit)).all()
    return [{"case": c.case_number, "status": c.status, "category": c.category,
             "rider_code": codes.format_code(code) if code else None,
             "code_as_given": c.rider_code, "rider_hint": c.rider_hint,
             "description": c.description, "place": c.place, "occurred_at": c.occurred_at,
             "occurred_on": c.occurred_on.isoformat() if c.occurred_on else None, "latitude": c.latitude, "longitude": c.longitude,
             "distance_km": c.distance_km, "paid_baht": c.paid_baht,
             "legal_fare_baht": c.legal_fare_baht, "filed": c.created_at.isoformat()}
            for c, code in rows]


def status_words(status: str) -> str:
    return texts(f"case_status_words.{status}")


CASE_TONES = {"received": "info", "investigating": "info", "action_taken": "ok",
              "closed": "ok", "rejected": "warn"}


def complaint_card(case_number: str, category: str, status: str) -> Card:
    """A complaint as a card: its number and what it is about, the status in words on its
    colour (the facts its text says); the DLT's 1584 hotline to call."""
    return Card(texts("card.case_title", case_number=case_number), texts(f"categories.{category}"),
                ((texts("card.case_number"), case_number),
                 (texts("card.case_category"), texts(f"categories.{category}"))),
                status_words(status), CASE_TONES.get(status, "info"),
                (Call("1584", texts("card.dlt")),))


def set_case_status(session: Session, case_number: str, status: str,
                    note: str = "") -> tuple[Complaint | None, bool]:
    """Staff change a case's status; the citizen is notified in the same transaction.

    Returns ``(case, changed)``; setting the status it already has changes nothing and
    sends nothing again.
    """
    if status not in CASE_STATUSES:
        raise ValueError(status)
    number = case_id(case_number)
    case = session.get(Complaint, number) if number else None
    if case is None:
        return None, False
    if case.status == status and case.staff_note == note:
        return case, False
    case.status, case.staff_note = status, note
    text = texts("notify.case_status", case=case.case_number, status=status_words(status),
                 note=texts("notify.note", note=note) if note else "")
    notify.enqueue(session, case.sender_id, text, kind="motortaxi.case_status",
                   dedupe_key=f"motortaxi:case:{case.id}:{status}:{hash_note(note)}")
    return case, True


def hash_note(note: str) -> str:
    import hashlib

    return hashlib.sha256(note.encode()).hexdigest()[:12]


# --- trips and positions ------------------------------------------------------------------

def share_trip(session: Session, sender_id: str, rider: Rider, start_place: str = "",
               hours: int = TRIP_HOURS, now: datetime | None = None) -> Trip:
    """A trip a trusted person can follow for ``hours`` through an unguessable link."""
    now = now or utcnow()
    trip = Trip(token=new_token(), sender_id=sender_id, rider_id=rider.id,
                start_place=start_place[:300], started_at=now,
                expires_at=now + timedelta(hours=hours))
    session.add(trip)
    session.flush()
    return trip


def trip_by_token(session: Session, token: str, now: datetime | None = None) -> Trip | None:
    """A shared trip that has not expired, or ``None``."""
    if not token or len(token) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        return None
    trip = session.scalars(select(Trip).where(Trip.token == token)).first()
    if trip is None or _aware(trip.expires_at) <= (now or utcnow()):
        return None
    return trip


def last_position(session: Session, rider_id: int, since: datetime) -> Position | None:
    return session.scalars(select(Position).where(
        Position.rider_id == rider_id, Position.recorded_at >= since)
        .order_by(Position.recorded_at.desc()).limit(1)).first()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _position_problem(item: Any, riders: dict[str, int], now: datetime,
                      retention: timedelta) -> tuple[str, tuple | None]:
    reasons = texts.section("reasons")
    if not isinstance(item, dict):
        return reasons["body_object"], None
    try:
        code = codes.parse(str(item.get("code", "")))
    except codes.CodeError:
        return reasons["position_code"], None
    if code not in riders:
        return reasons["position_code"], None
    try:
        lat, lon = check_point(item.get("latitude"), item.get("longitude"), numbers_only=True)
    except InvalidCoordinates:
        lat = lon = None
    if lat is None or not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]
                           and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        return reasons["position_coords"], None
    try:
        when = datetime.fromisoformat(str(item.get("recorded_at", "")))
    except ValueError:
        return reasons["position_time"], None
    if when.tzinfo is None or when > now + timedelta(minutes=5) or when < now - retention:
        return reasons["position_time"], None
    return "", (riders[code], lat, lon, when.astimezone(timezone.utc))


def record_positions(session: Session, items: Any, retention_hours: int = POSITION_RETENTION_HOURS,
                     now: datetime | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Store a batch of rider positions, all or nothing.

    Returns ``(stored, problems)``; with any problem nothing is stored. A position already
    stored (same rider and time) is skipped, so a retried batch is harmless.
    """
    now = now or utcnow()
    reasons = texts.section("reasons")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        return 0, [{"index": None, "reason": reasons["positions_list"].format(max=MAX_BATCH)}]
    wanted = set()
    for item in items:
        if isinstance(item, dict):
            try:
                wanted.add(codes.parse(str(item.get("code", ""))))
            except codes.CodeError:
                pass
    riders = dict(session.execute(select(Rider.code, Rider.id).where(Rider.code.in_(wanted))).all())
    retention = timedelta(hours=retention_hours)
    rows, problems = [], []
    for index, item in enumerate(items):
        reason, row = _position_problem(item, riders, now, retention)
        if reason:
            problems.append({"index": index, "reason": reason})
        else:
            rows.append(row)
    if problems:
        return 0, problems
    unique = {(r[0], r[3]): r for r in rows}
    existing = set()
    for rider_id, when in unique:
        hit = session.scalar(select(Position.id).where(Position.rider_id == rider_id,
                                                       Position.recorded_at == when))
        if hit:
            existing.add((rider_id, when))
    new = [Position(rider_id=r[0], latitude=r[1], longitude=r[2], recorded_at=r[3])
           for key, r in unique.items() if key not in existing]
    session.add_all(new)
    session.flush()
    return len(new), []


def purge_positions(session: Session, retention_hours: int = POSITION_RETENTION_HOURS,
                    now: datetime | None = None) -> int:
    """Delete positions older than the retention period; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(hours=retention_hours)
    result = session.execute(delete(Position).where(Position.recorded_at < cutoff))
    return result.rowcount or 0


def activity_by_province(session: Session) -> list[dict[str, Any]]:
    """Where registered riders operate: riders with a position within retention, per province."""
    rows = session.execute(
        select(Rider.province, func.count(func.distinct(Position.rider_id)),
               func.count(Position.id))
        .join(Position, Position.rider_id == Rider.id).group_by(Rider.province)
        .order_by(Rider.province)).all()
    return [{"province": p, "riders": r, "positions": n} for p, r, n in rows]

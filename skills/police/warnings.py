"""Area crime warnings: staff post one for a district, subscribers get it through the outbox.

Districts are the 928 อำเภอ/เขต of the boundary layer, keyed by P-code (``TH1007`` for เขต
ปทุมวัน). A warning is stored and, in the same transaction, one notification per subscriber
is queued with ``bot.kernel.notify.enqueue``; the channels layer delivers it. Posting the same
``request_key`` again returns the stored warning and sends nothing new. In the operator
console police staff write a draft (``draft_warning``) and publish it (``publish``): only then
is it sent and shown in chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.kernel import gazetteer, notify
from bot.kernel.answer import Answer
from bot.kernel.geo import admin_at, resolve_place

from .models import DRAFT, PUBLISHED, CrimeWarning, Subscription
from .service import t

RECENT_DAYS = 30
THAI_TZ = timezone(timedelta(hours=7))
DISTRICT_KINDS = ("district", "khet")


class WarningError(ValueError):
    """Input a caller must fix; ``key`` names the Thai reason in the skill's texts."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class District:
    code: str
    district_th: str
    province_th: str

    @property
    def label(self) -> str:
        prefix = "เขต" if self.province_th == "กรุงเทพมหานคร" else "อำเภอ"
        return prefix + self.district_th


def _districts() -> list[District]:
    return [District(p.code, p.name_th, p.province_th) for p in gazetteer.load_places()
            if p.kind == "district"]


def district_by_code(code: str) -> District | None:
    return next((d for d in _districts() if d.code == code), None)


def district_named(name: str, province: str | None = None) -> District:
    """The district called ``name`` (in ``province`` if given); ``WarningError`` otherwise."""
    name = name.strip().removeprefix("เขต").removeprefix("อำเภอ").strip()
    found = [d for d in _districts() if d.district_th == name
             and (not province or d.province_th == province.strip().removeprefix("จังหวัด"))]
    if not found:
        raise WarningError("unknown_district")
    if len(found) > 1:
        raise WarningError("ambiguous_district")
    return found[0]


def district_at(lat: float, lon: float) -> District | None:
    area = admin_at(lat, lon)
    if area is None:
        return None
    return next((d for d in _districts() if d.district_th == area.district_th
                 and d.province_th == area.province_th), None)


def districts_in_text(text: str) -> list[District]:
    """Districts a user named: a เขต/อำเภอ directly, or the district of a named place."""
    out: list[District] = []
    for place in resolve_place(text):
        if place.kind == "province":
            continue
        if place.kind in DISTRICT_KINDS:
            d = next((d for d in _districts() if d.code == place.code), None)
        else:
            d = district_at(place.lat, place.lon)
        if d is not None and d not in out:
            out.append(d)
    return out


def subscribe(session: Session, sender_id: str, district: District) -> bool:
    """Subscribe; ``False`` if already subscribed (a repeat is harmless)."""
    exists = session.scalars(select(Subscription).where(
        Subscription.sender_id == sender_id,
        Subscription.district_code == district.code)).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():  # a savepoint: a concurrent twin loses without harm
            session.add(Subscription(sender_id=sender_id, district_code=district.code,
                                     district_th=district.district_th,
                                     province_th=district.province_th))
    except IntegrityError:
        return False
    return True


def unsubscribe_all(session: Session, sender_id: str) -> int:
    result = session.execute(delete(Subscription).where(Subscription.sender_id == sender_id))
    return result.rowcount or 0


def subscriptions(session: Session, sender_id: str) -> list[District]:
    rows = session.scalars(select(Subscription).where(Subscription.sender_id == sender_id)
                           .order_by(Subscription.id))
    return [District(r.district_code, r.district_th, r.province_th) for r in rows]


def _local_date(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(THAI_TZ).strftime("%d/%m/%Y")


def push_text(w: CrimeWarning) -> str:
    district = District(w.district_code, w.district_th, w.province_th)
    return t("warning_push", district=district.label, province=w.province_th,
             date=_local_date(w.created_at), text=w.text, issued_by=w.issued_by)


def post_warning(session: Session, district: District, text: str, issued_by: str,
                 request_key: str | None = None) -> tuple[CrimeWarning, bool, int]:
    """Store a warning and queue it for subscribers: (warning, created, notifications queued)."""
    text, issued_by = _checked(text, issued_by)
    if request_key is not None and (not isinstance(request_key, str) or not 1 <= len(request_key) <= 120):
        raise WarningError("bad_key")
    existing = _by_key(session, request_key)
    if existing is None:
        warning = CrimeWarning(district_code=district.code, district_th=district.district_th,
                               province_th=district.province_th, text=text,
                               issued_by=issued_by, request_key=request_key or None)
        try:
            with session.begin_nested():
                session.add(warning)
        except IntegrityError:  # the same request, sent twice at once: the first one won
            existing = _by_key(session, request_key)
            if existing is None:
                raise
    if existing is not None:
        if existing.district_code != district.code or existing.text != text:
            raise WarningError("key_reused")
        return existing, False, 0
    return warning, True, _send(session, warning)


def _checked(text: str, issued_by: str) -> tuple[str, str]:
    text, issued_by = " ".join((text or "").split()), " ".join((issued_by or "").split())
    if not 10 <= len(text) <= 1000:
        raise WarningError("no_text")
    if not 1 <= len(issued_by) <= 160:
        raise WarningError("no_issuer")
    return text, issued_by


def _send(session: Session, warning: CrimeWarning) -> int:
    """Queue ``warning`` for its district's subscribers; how many."""
    session.flush()
    body = push_text(warning)
    senders = session.scalars(select(Subscription.sender_id).where(
        Subscription.district_code == warning.district_code).order_by(Subscription.id)).all()
    for sender in senders:
        notify.enqueue(session, sender, body, kind="police.warning",
                       dedupe_key=f"police.warning:{warning.id}:{sender}")
    return len(senders)


def draft_warning(session: Session, district: District, text: str,
                  issued_by: str) -> CrimeWarning:
    """A warning written but not sent: nobody is told and chat does not show it."""
    text, issued_by = _checked(text, issued_by)
    warning = CrimeWarning(district_code=district.code, district_th=district.district_th,
                           province_th=district.province_th, text=text, issued_by=issued_by,
                           status=DRAFT)
    session.add(warning)
    session.flush()
    return warning


def publish(session: Session, warning_id: int) -> int | None:
    """Publish a draft now (dated now) and queue it for subscribers: how many; ``None`` when
    there is no such draft (published already, or never written)."""
    warning = session.get(CrimeWarning, warning_id, with_for_update=True)
    if warning is None or warning.status != DRAFT:
        return None
    warning.status, warning.created_at = PUBLISHED, datetime.now(timezone.utc)
    return _send(session, warning)


def _by_key(session: Session, request_key: str | None) -> CrimeWarning | None:
    if not request_key:
        return None
    return session.scalars(select(CrimeWarning).where(
        CrimeWarning.request_key == request_key)).first()


def recent(session: Session, district: District, days: int = RECENT_DAYS,
           limit: int = 5) -> list[CrimeWarning]:
    since = datetime.now(timezone.utc) - timedelta(days=days)
    return list(session.scalars(select(CrimeWarning).where(
        CrimeWarning.district_code == district.code, CrimeWarning.status == PUBLISHED,
        CrimeWarning.created_at >= since)
        .order_by(CrimeWarning.id.desc()).limit(limit)))


def recent_message(session: Session, district: District) -> Answer:
    """Warnings of the last 30 days for a district, as one chat message."""
    found = recent(session, district)
    if not found:
        return Answer(t("warnings_none", district=district.label,
                        province=district.province_th, days=RECENT_DAYS))
    lines = [t("warnings_intro", district=district.label, province=district.province_th)]
    lines += [t("warnings_item", n=i, date=_local_date(w.created_at), text=w.text,
                issued_by=w.issued_by) for i, w in enumerate(found, start=1)]
    lines.append(t("emergency"))
    return Answer("\n".join(lines))

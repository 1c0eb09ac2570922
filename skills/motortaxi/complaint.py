"""The rules of a complaint draft: what to ask next, and what a message adds to the draft.

The draft is plain data (a dict the action keeps in a slot as JSON) so a complaint can be
told over several messages and corrected before it is filed. No database and no Rasa here:
``check`` (a rider code's lookup outcome) and ``now`` (Bangkok wall-clock time) are passed in.

>>> from datetime import datetime
>>> draft = {}
>>> merge(draft, "วินที่หน้าตลาดบางกะปิ เมื่อวาน เก็บเงินเกิน 40 บาท", "",
...       check=lambda code: "found", now=datetime(2026, 12, 2, 9, 0))
[]
>>> missing(draft), draft["place"]
('rider', 'หน้าตลาดบางกะปิ')
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.kernel.text import normalize

from . import codes, record

BKK = timezone(timedelta(hours=7))
DRAFT_KEPT_SECONDS = 2 * 3600  # an unfinished complaint is resumed within this time
FIELDS = ("rider", "rider_hint", "place", "when", "story")
SEND = ("1", "ส่ง", "ยืนยัน", "ตกลง", "ok", "โอเค", "ใช่", "ถูกต้อง", "yes", "send")
EDIT = ("2", "แก้", "ไม่ถูก", "ผิด", "edit", "no")


def now_bangkok() -> datetime:
    """Bangkok wall-clock time (a complaint's "yesterday" is Thai yesterday)."""
    return datetime.now(BKK).replace(tzinfo=None)


def missing(draft: dict[str, Any]) -> str | None:
    """The next thing to ask, in the order a citizen tells it; ``None`` when complete."""
    if not draft.get("rider_code") and not draft.get("rider_unknown"):
        return "rider"
    if draft.get("rider_unknown") and not draft.get("hint_done"):
        return "rider_hint"
    for field in ("place", "when", "story"):
        if not draft.get(field):
            return field
    return None


def choice(text: str) -> str | None:
    """"send" or "edit" for an answer to the read-back ("1", "ส่งเลย", "๒", "แก้")."""
    folded = normalize(text).strip().lower()
    if folded.startswith(EDIT) or folded in ("๒",):
        return "edit"
    if folded.startswith(SEND) or folded in ("๑",):
        return "send"
    return None


def merge(draft: dict[str, Any], text: str, field: str, check: Callable[[str], str],
          now: datetime) -> list[tuple[str, str]]:
    """Put what ``text`` says into ``draft``; returns the rider codes that could not be used,
    as ``(outcome, code as shown)`` (``check``: a typing mistake, ``format``: not a code).

    ``field`` is the question just asked ("" when none): a bare answer fills only it, and a
    message naming other details changes only those (a correction never wipes the rest).
    """
    unusable: list[tuple[str, str]] = []
    rec = record.parse_record(text, now)
    if rec.rider_code:
        outcome = check(rec.rider_code)
        shown = codes.format_code(rec.rider_code)
        if outcome in ("check", "format"):
            unusable.append((outcome, shown))
        else:
            draft.update(rider_code=shown, rider_found=outcome == "found",
                         rider_unknown=False, hint_done=True)
    elif rec.rider_unknown and field in ("rider", "rider_hint", ""):
        if field == "rider_hint":
            draft["hint_done"] = True
        else:
            draft["rider_unknown"] = True
    if rec.rider_hint:
        draft.update(rider_hint=rec.rider_hint, rider_unknown=not draft.get("rider_code"),
                     hint_done=True)
    elif field in ("rider", "rider_hint") and not rec.rider_code and not rec.rider_unknown \
            and record.has_content(text):
        draft.update(rider_hint=record.stand_hint(text), rider_unknown=True, hint_done=True)
        return unusable  # the answer was about the rider, nothing else
    elif field == "rider_hint" and rec.rider_unknown:
        hint = record.stand_hint(text)
        if hint:
            draft["rider_hint"] = hint
    if rec.place:
        draft["place"] = rec.place
    elif field == "place" and record.has_content(text) and not rec.when:
        draft["place"] = " ".join(normalize(text).split())[:300]
    if rec.when:
        draft.update(when=rec.when, day=rec.day.isoformat() if rec.day else None)
    elif field == "when" and normalize(text).strip():
        draft["when"] = " ".join(normalize(text).split())[:64]
    named_other = rec.rider_code or rec.place or rec.when or rec.rider_hint
    if rec.story and (field in ("story", "") or not draft.get("story")
                      or (field == "confirm" and not named_other)):
        draft["story"] = rec.story
    elif field == "story" and not draft.get("story") and record.has_content(text):
        draft["story"] = " ".join(normalize(text).split())[:1000]
    return unusable

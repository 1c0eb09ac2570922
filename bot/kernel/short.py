"""Short (voice and screen-reader) replies: pure text transforms, and the per-user choice.

A user who says "ตอบสั้นๆ" or "อ่านทีละข้อ" (or presses the web chat's toggle) gets every
service's answers one idea per message, each at most ``BUBBLE`` characters, a few at a time:
"ต่อ" gives the next ones, "อ่านอีกครั้ง" repeats the last, "ตอบปกติ" turns it off. In those
messages phone numbers are written digit by digit (a screen reader says "หนึ่ง สี่ เจ็ด เก้า",
not "หนึ่งพันสี่ร้อย…"), a bare web address says which site it is, and emoji and picture-only
lines are left out. The choice is kept per sender in ``reply_prefs`` (the app database), with
what is still to be read.

>>> command("ตอบสั้นๆ ค่ะ"), command("อ่านอีกครั้ง"), command("ต่อ"), command("ต่ออายุบัตร")
('short', 'again', 'more', None)
>>> spoken("สอบถาม โทร 1479 หรือ 02-255-5994")
'สอบถาม โทร 1 4 7 9 หรือ 0 2, 2 5 5, 5 9 9 4'
>>> [len(b) <= BUBBLE for b in ideas("ก" * 450)]
[True, True, True]
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String, delete, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.kernel.db import Base, utcnow
from bot.kernel.text import bare

# Each short message is at most this many characters (marks above and below included), about
# two lines on a phone and one breath for a screen reader (MITRE chatbot accessibility
# playbook 4.2.4: messages as short as possible, long content split into several messages).
BUBBLE = 200
PER_TURN = 2  # short messages shown per turn; "ต่อ" gives the next ones
KEPT = timedelta(days=1)  # what was left to read ("ต่อ", "อ่านอีกครั้ง") is forgotten after this

COMMANDS = {
    "short": ("ตอบสั้นๆ", "ตอบสั้น", "ตอบสั้นๆหน่อย", "ขอคำตอบสั้นๆ", "อ่านทีละข้อ",
              "โหมดสั้น", "เปิดโหมดสั้น", "short mode", "short"),
    "normal": ("ตอบปกติ", "ตอบแบบปกติ", "ปิดโหมดสั้น", "เลิกตอบสั้น", "normal mode"),
    "more": ("ต่อ", "ต่อไป", "อ่านต่อ", "ข้อต่อไป", "more", "next"),
    "again": ("อ่านอีกครั้ง", "อ่านใหม่", "อีกครั้ง", "ซ้ำ", "พูดอีกครั้ง", "repeat", "again"),
}
_COMMAND_OF = {phrase.replace(" ", ""): name for name, phrases in COMMANDS.items()
               for phrase in phrases}


def command(text: str) -> str | None:
    """``short``, ``normal``, ``more`` or ``again`` when ``text`` is just that request."""
    return _COMMAND_OF.get(bare(text))


# A Thai phone number: 0X-XXX-XXXX, 0XX-XXX-XXXX, 0XXXXXXXX(X); a hotline of 3 to 5 digits
# after the words that introduce one.
_PHONE = re.compile(r"(?<![\d,.])0\d{1,2}-?\d{3}-?\d{3,4}(?![\d,])")
_HOTLINE = re.compile(r"((?:โทร|สายด่วน|เบอร์|หมายเลข)\s*)(\d{3,5})(?![\d,.])")
_URL = re.compile(r"https?://(?:www\.)?([A-Za-z0-9.-]+)/?(?=[\s)]|$)")
_SOURCE_URL = re.compile(r"^(ที่มา:\s*)https?://(?:www\.)?([A-Za-z0-9.-]+)\S*", re.M)


def _digits(number: str) -> str:
    return " ".join(number)


def _phone(match: re.Match[str]) -> str:
    raw = match.group(0)
    groups = raw.split("-") if "-" in raw else [raw[:2], raw[2:5], raw[5:]] if len(raw) == 9 \
        else [raw[:3], raw[3:6], raw[6:]]
    return ", ".join(_digits(g) for g in groups if g)


def spoken(text: str) -> str:
    """Phone numbers digit by digit, bare web addresses as "เว็บไซต์ <site>".

    >>> spoken("ที่มา: https://www.dep.go.th/a/b ข้อมูลปี 2567")
    'ที่มา: เว็บไซต์ dep.go.th ข้อมูลปี 2567'
    >>> spoken("สมัครที่ https://efund.dep.go.th/")
    'สมัครที่ เว็บไซต์ efund.dep.go.th'
    """
    text = _PHONE.sub(_phone, text)
    text = _HOTLINE.sub(lambda m: m.group(1) + _digits(m.group(2)), text)
    text = _SOURCE_URL.sub(lambda m: m.group(1) + "เว็บไซต์ " + m.group(2), text)
    return _URL.sub(lambda m: "เว็บไซต์ " + m.group(1), text)


def _is_picture(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch in "\ufe0f\u200d"


def plain(text: str) -> str:
    """Without emoji and pictographs, and without lines that had nothing else."""
    lines = []
    for line in text.splitlines():
        kept = "".join(ch for ch in line if not _is_picture(ch)).rstrip()
        if kept.strip() or not line.strip():
            lines.append(kept)
    return "\n".join(lines).strip()


_CHOICE_LINE = re.compile(r"^\s*\d{1,2}\.\s")


def _cut(line: str, limit: int) -> list[str]:
    """A line longer than ``limit`` in parts at spaces (a Thai sentence ends with a space)."""
    parts = []
    while len(line) > limit:
        at = line.rfind(" ", limit // 3, limit)
        at = at if at > 0 else limit
        parts.append(line[:at].rstrip())
        line = line[at:].lstrip()
    return [*parts, line] if line else parts


def ideas(text: str, limit: int = BUBBLE) -> list[str]:
    """``text`` as short messages of one idea each: each line alone, except that a question
    and its numbered choices stay together while they fit; every part at most ``limit``."""
    out: list[str] = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if out and _CHOICE_LINE.match(line) and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] = f"{out[-1]}\n{line}"
            continue
        out.extend(_cut(line, limit))
    return out


def shape(text: str, limit: int = BUBBLE) -> list[str]:
    """The short messages for one answer's text: plain, spoken, one idea each."""
    return ideas(spoken(plain(text)) or text, limit)


# --- the per-user choice ----------------------------------------------------------------------

class ReplyPreference(Base):
    """One user's reply form (``short``), what is still to be read (``pending``: typed
    answers, ``Answer.to_dict()``) and what was read last (``last``, for "อ่านอีกครั้ง")."""

    __tablename__ = "reply_prefs"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    short: Mapped[bool] = mapped_column(Boolean, default=False)
    pending: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


def preference(session: Session, sender: str) -> ReplyPreference:
    """The sender's row, created (short mode off) when there is none."""
    row = session.get(ReplyPreference, sender)
    if row is None:
        row = ReplyPreference(sender_id=sender, short=False, pending=[], last=[])
        session.add(row)
    return row


def forget_old(session: Session, older_than: timedelta = KEPT) -> int:
    """Forget what was left to read by users quiet for ``older_than``: their texts (which can
    repeat what they told a service) are cleared, and a row that then says nothing (short
    mode off) is deleted; the short-mode choice itself is kept. How many rows changed."""
    before = utcnow() - older_than
    stale = ReplyPreference.updated_at < before
    gone = session.execute(delete(ReplyPreference).where(
        stale, ReplyPreference.short.is_(False))).rowcount
    return gone + session.execute(update(ReplyPreference).where(stale).values(
        pending=[], last=[], updated_at=utcnow())).rowcount


def is_short(session: Session, sender: str) -> bool:
    row = session.get(ReplyPreference, sender)
    return bool(row and row.short)


def set_short(session: Session, sender: str, on: bool) -> None:
    """Turn short replies on or off for ``sender`` (off also forgets what was to be read)."""
    row = preference(session, sender)
    row.short = on
    if not on:
        row.pending, row.last = [], []

"""The guided "สิทธิ์อะไรที่ฉันได้บ้าง" flow: a few questions, then the rights that fit.

Only what is needed is asked: the card, the age band, then (adults only) studying or working,
then (students only) the province, for the schools there. The answers live in the
conversation until the user agrees to keep them (``save``); ``forget`` deletes them.

>>> p = Profile().with_answer("card_no").with_answer("age_child")
>>> p.next_question(), p.role
('province', 'student')
>>> [line.split(":")[0] for line in result_lines(p.with_answer("province_skip"))][:2]
['บัตรคนพิการ', 'เบี้ยความพิการเดือนละ 1,000 บาท']
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from bot.kernel.answer import Answer, Target, ask
from bot.kernel.text import normalize, visible_length

from . import facts, service
from .facts import TEXTS, baht
from .models import AccessProfile

INTENT = "access_rights_check"
ENTITY = "access_answer"
ROOMY = 240  # visible characters of one bubble of the list (bot.kernel.text.BUBBLE_MAX is 300)
QUESTIONS = ("card", "age", "role", "province")
CHOICES = {"card": ("card_yes", "card_no"), "age": ("age_child", "age_adult", "age_elder"),
           "role": ("role_student", "role_working", "role_seeking", "role_other")}


@dataclass(frozen=True)
class Profile:
    """The answers so far (``None``: not asked or not needed yet)."""

    card: bool | None = None
    age: str | None = None  # child, adult, elder
    role: str | None = None  # student, working, seeking, other
    province: str | None = None  # a province, or "" when skipped

    def with_answer(self, value: str) -> Profile:
        """The profile after a choice's value (``card_yes``, ``age_child``, ``province_skip``…)."""
        if value.startswith("province="):
            return replace(self, province=value.split("=", 1)[1])
        kind, _, what = value.partition("_")
        if kind == "card":
            return replace(self, card=what == "yes")
        if kind == "age":
            role = "student" if what == "child" else "other" if what == "elder" else None
            return replace(self, age=what, role=role)
        if kind == "role":
            return replace(self, role=what)
        if kind == "province":
            return replace(self, province="")
        return self

    def next_question(self) -> str | None:
        """The next question needed, or ``None`` when the list can be given."""
        if self.card is None:
            return "card"
        if self.age is None:
            return "age"
        if self.role is None:
            return "role"
        if self.role == "student" and self.province is None:
            return "province"
        return None

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, raw: Any) -> Profile:
        """A profile from the slot's JSON or a saved row; an empty one for anything else."""
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
            return cls(**{k: data.get(k) for k in ("card", "age", "role", "province")})
        except (TypeError, ValueError, AttributeError):
            return cls()


def school_provinces() -> list[str]:
    """The provinces with a school for the blind in the list, in the data's order."""
    seen: list[str] = []
    for school in facts.schools()["schools"]:
        if school["province_th"] not in seen:
            seen.append(school["province_th"])
    return seen


def _bands() -> dict[str, Any]:
    return facts.welfare()["age_bands"]


def _title(value: str) -> str:
    b = _bands()
    return TEXTS(f"rights.{value}", age=b["elder_from"] if value == "age_elder"
                 else b["child_below"], top=b["elder_from"] - 1)


def question(name: str) -> Answer:
    """The question ``name`` with its numbered choices (the province can be typed)."""
    if name == "province":  # only the provinces with a school in the list change the answer
        return ask(TEXTS("rights.q_province"),
                   [*((p, Target(INTENT, {ENTITY: f"province={p}"})) for p in school_provinces()),
                    (TEXTS("rights.skip"), Target(INTENT, {ENTITY: "province_skip"}))])
    return ask(TEXTS(f"rights.q_{name}"),
               [(_title(v), Target(INTENT, {ENTITY: v})) for v in CHOICES[name]])


_AGE = re.compile(r"(\d{1,3})\s*(?:ปี|ขวบ)?")


def read_typed(asked: str, text: str) -> str | None:
    """A typed reply to question ``asked`` as a choice value, or a province; ``None`` when
    it cannot be read.

    >>> read_typed("card", "ยังไม่มีค่ะ"), read_typed("age", "อายุ 45 ปี")
    ('card_no', 'age_adult')
    >>> read_typed("role", "กำลังหางานอยู่")
    'role_seeking'
    """
    text = normalize(text)
    if asked == "card":
        if any(w in text for w in ("ไม่มี", "ยัง", "ไม่")):
            return "card_no"
        return "card_yes" if any(w in text for w in ("มี", "ใช่", "ได้แล้ว")) else None
    if asked == "age":
        number = _AGE.search(text)
        if number is None:
            return None
        years, b = int(number.group(1)), _bands()
        return ("age_child" if years < b["child_below"]
                else "age_elder" if years >= b["elder_from"] else "age_adult")
    if asked == "role":
        for words, value in ((("หางาน", "ว่างงาน", "ตกงาน"), "role_seeking"),
                             (("เรียน", "นักเรียน", "นักศึกษา"), "role_student"),
                             (("ทำงาน", "งาน"), "role_working")):
            if any(w in text for w in words):
                return value
        return "role_other" if any(w in text for w in ("อื่น", "ไม่ได้")) else None
    if asked == "consent":
        if any(w in text for w in ("ไม่", "ลบ")):
            return "no_save"
        return "save" if any(w in text for w in ("จำ", "บันทึก", "เก็บ", "ตกลง")) else None
    if asked == "province":
        if any(w in text for w in ("ข้าม", "ไม่บอก", "ไม่ระบุ")):
            return "province_skip"
        found = service.province_in(text)
        return f"province={found}" if found else None
    return None


def apply(profile: Profile, value: str) -> Profile:
    """``profile`` after ``value`` (a choice value, or "province=<name>")."""
    return profile.with_answer(value)


def result_lines(profile: Profile) -> list[str]:
    """The rights that fit ``profile``, one "what: next step" line each, most urgent first."""
    emp, money = facts.employment(), service.allowance_baht()
    lines = []
    if not profile.card:
        lines.append(TEXTS("rights.item_card", next=TEXTS("card.next")))
        lines.append(TEXTS("rights.item_money_later", baht=baht(money)))
    else:
        lines.append(TEXTS("rights.item_money", baht=baht(money)))
    lines.append(TEXTS("rights.item_devices"))
    if profile.role == "student":
        lines.append(TEXTS("rights.item_education"))
        if profile.province and service.school_names(profile.province):
            lines.append(TEXTS("rights.item_school", province=profile.province,
                               names=" ".join(service.school_names(profile.province))))
    if profile.role in ("working", "seeking"):
        lines.append(TEXTS("rights.item_jobs", platform=emp["job_seekers"]["platform_th"]))
        lines.append(TEXTS("rights.item_loan", baht=baht(emp["fund_loans"]["person_baht"]),
                           url=emp["fund_loans"]["apply_url"]))
    lines.append(TEXTS("rights.item_hotline", number="1479"))
    return lines


def result(profile: Profile, saved: bool = False) -> list[Answer]:
    """The fitting list, then (unless already kept) whether to keep the answers."""
    bubbles = [TEXTS("rights.result")]
    for line in result_lines(profile):  # each bubble fits a phone screen
        if visible_length(bubbles[-1]) + 1 + visible_length(line) > ROOMY:
            bubbles.append(line)
        else:
            bubbles[-1] += "\n" + line
    out = [Answer(b) for b in bubbles[:-1]] + [Answer(bubbles[-1], call=service.hotline().call)]
    if saved:
        out.append(ask(TEXTS("rights.from_saved"),
                       [(TEXTS("rights.restart"), Target(INTENT, {ENTITY: "restart"}))]))
    else:
        out.append(ask(TEXTS("rights.consent"),
                       [(TEXTS("rights.save"), Target(INTENT, {ENTITY: "save"})),
                        (TEXTS("rights.no_save"), Target(INTENT, {ENTITY: "no_save"}))]))
    return out


# --- what is kept (only with consent) ---------------------------------------------------------

def save(session: Session, sender: str, profile: Profile) -> None:
    row = session.get(AccessProfile, sender)
    if row is None:
        session.add(AccessProfile(sender_id=sender, answers=asdict(profile)))
    else:
        row.answers = asdict(profile)


def load(session: Session, sender: str) -> Profile | None:
    row = session.get(AccessProfile, sender)
    return Profile.loads(row.answers) if row is not None else None


def forget(session: Session, sender: str) -> bool:
    """Delete what was kept for ``sender``; True when there was something."""
    row = session.get(AccessProfile, sender)
    if row is None:
        return False
    session.delete(row)
    return True

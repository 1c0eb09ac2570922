"""Answers of the access skill: education, books, devices, the card, the allowance, work.

Each topic is a short list of typed answers: the facts (figures from the data files), the
source with its date and how sure it is, the next step and a phone number. No Rasa here.

>>> [a.text.splitlines()[0] for a in topic("card")][:1]
['บัตรประจำตัวคนพิการ ใช้ขอสิทธิเกือบทุกอย่าง อายุบัตร 8 ปี']
>>> menu().choices[0].target.intent
'access_education'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from bot.kernel.answer import Answer, Call, Target, ask
from bot.kernel.gazetteer import load_places
from bot.kernel.text import normalize

from . import employment, facts
from .facts import TEXTS, baht

# The skill's menu: (text key, intent).
TOPICS = (("education", "access_education"), ("books", "access_books"),
          ("work", "access_work"), ("employer", "access_employer"), ("card", "access_card"),
          ("money", "access_money"), ("devices", "access_devices"),
          ("rights", "access_rights_check"))


def menu() -> Answer:
    """The skill's topics as numbered choices."""
    return ask(TEXTS("menu"), [(TEXTS(f"topics.{key}"), Target(intent))
                               for key, intent in TOPICS])


def hotline(number: str = "1479") -> Answer:
    """"สอบถาม โทร 1479 สายด่วนคนพิการ" with a call button."""
    line = next(h for h in facts.welfare()["hotlines"] if h["number"] == number)
    return Answer(TEXTS("call", number=line["number"], name=line["name_th"]),
                  call=Call(line["number"], line["name_th"]))


def _closing(step_key: str, number: str = "1479") -> Answer:
    """The next step, then the phone number to ask."""
    call = hotline(number)
    return Answer(TEXTS("next", step=TEXTS(step_key)) + "\n" + call.text, call=call.call)


@lru_cache(maxsize=1)
def provinces() -> tuple[str, ...]:
    """Thai province names, longest first (so a longer name wins a match)."""
    names = {p.name_th for p in load_places() if p.kind == "province"}
    return tuple(sorted(names, key=len, reverse=True))


ALIASES = {"กรุงเทพ": "กรุงเทพมหานคร", "กทม": "กรุงเทพมหานคร", "โคราช": "นครราชสีมา",
           "อุบล": "อุบลราชธานี", "สุราษฎร์": "สุราษฎร์ธานี", "แปดริ้ว": "ฉะเชิงเทรา"}


def province_in(text: str) -> str | None:
    """The province a message names, if any.

    >>> province_in("โรงเรียนคนตาบอดที่เชียงใหม่")
    'เชียงใหม่'
    >>> province_in("อยู่ กทม. ค่ะ")
    'กรุงเทพมหานคร'
    """
    text = normalize(text)
    for name in provinces():
        if name in text:
            return name
    for alias, name in ALIASES.items():
        if alias in text:
            return name
    return None


def school_names(province: str) -> list[str]:
    return [s["name_th"] for s in facts.schools()["schools"] if s["province_th"] == province]


def education() -> list[Answer]:
    data = facts.education()
    rights, uni = data["rights"], data["university"]
    return [
        Answer(TEXTS("education.rights", law=rights["law_th"], free=rights["free_th"])),
        Answer("\n".join([*(TEXTS("education.covers", item=i) for i in rights["covers_th"]),
                          facts.source_line(rights)])),
        Answer("\n".join([TEXTS("education.university", text=uni["free_to_th"]),
                          facts.source_line(uni)])),
        Answer("\n".join([TEXTS("education.apply", steps=" ".join(data["apply"]["steps_th"])),
                          facts.source_line(data["apply"])])),
        _closing("education.next"),
    ]


def schools(text: str = "") -> list[Answer]:
    data, centre = facts.schools(), facts.education()["special_centres"]
    listed = sorted({s["province_th"] for s in data["schools"]})
    province = province_in(text)
    if province and school_names(province):
        first = TEXTS("schools.found", province=province,
                      names=" ".join(school_names(province)))
    elif province:
        first = TEXTS("schools.none", province=province, all=" ".join(listed))
    else:
        first = TEXTS("schools.ask", all=" ".join(listed))
    return [Answer(first + "\n" + facts.source_line(data)),
            Answer(TEXTS("schools.centre", centre=centre["what_th"]) + "\n"
                   + facts.source_line(centre)),
            _closing("schools.next")]


def books() -> list[Answer]:
    b = facts.education()["books"]
    return [Answer(TEXTS("books.daisy", daisy=b["daisy_th"])),
            Answer(TEXTS("books.library", count=baht(b["library_audio_books"]), app=b["app_th"])
                   + "\n" + facts.source_line(b)),
            Answer(TEXTS("books.braille", braille=b["braille_th"])),
            _closing("books.next")]


def devices() -> list[Answer]:
    health, lending = facts.welfare()["health_devices"], facts.education()["devices"]
    return [Answer(TEXTS("devices.health", scheme=health["scheme_th"], devices=health["devices_th"])
                   + "\n" + facts.source_line(health)),
            Answer(TEXTS("devices.lending", lending=lending["lending_th"]) + "\n"
                   + facts.source_line(lending)),
            _closing("devices.next")]


def card() -> list[Answer]:
    c = facts.welfare()["card"]
    return [Answer(TEXTS("card.who", years=c["valid_years"], who=c["who_th"])),
            Answer(TEXTS("card.where", where=c["where_th"], hospitals=c["one_stop_hospitals"],
                           minutes=c["minutes_to_issue"])),
            Answer(TEXTS("card.documents", documents=" ".join(c["documents_th"])) + "\n"
                   + TEXTS("card.blind", note=c["blind_no_certificate_note_th"])),
            Answer(TEXTS("card.renew", years=c["renewal_certificate_if_expired_over_years"])
                   + "\n" + facts.source_line(c)),
            _closing("card.next")]


def allowance_baht() -> int:
    """The monthly allowance the replies state (the ``used`` figure)."""
    return facts.used(facts.welfare()["allowance"])["all_baht"]


def money() -> list[Answer]:
    allowance = facts.welfare()["allowance"]
    now, old = facts.used(allowance), allowance["values"]["2022"]
    reg = allowance["registration"]
    return [Answer(TEXTS("money.amount", baht=baht(now["all_baht"])) + "\n"
                   + facts.source_line(now)),
            Answer(TEXTS("money.older", when=facts.when(old["date"]), age=old["adult_from_age"],
                         adult=baht(old["adult_baht"]), child=baht(old["under_18_baht"]))),
            Answer(TEXTS("money.who", who=reg["who_th"]) + "\n"
                   + TEXTS("money.register", where=reg["where_th"])),
            Answer(TEXTS("money.documents", documents=" ".join(reg["documents_th"]),
                           minutes=reg["minutes_to_check"]) + "\n" + facts.source_line(reg)),
            _closing("money.next", "1300")]


def work() -> list[Answer]:
    data = facts.employment()
    jobs, loans = data["job_seekers"], data["fund_loans"]
    return [Answer(TEXTS("work.register", platform=jobs["platform_th"], age=jobs["minimum_age"],
                         placed=baht(jobs["placed_2023_24"])) + "\n" + facts.source_line(jobs)),
            Answer(TEXTS("work.loan", person=baht(loans["person_baht"]),
                         years=loans["repay_years"],
                         max=baht(loans["person_max_case_by_case_baht"]),
                         group=baht(loans["group_max_baht"])) + "\n"
                   + TEXTS("work.apply", url=loans["apply_url"]) + "\n"
                   + facts.source_line(loans)),
            Answer(TEXTS("work.employers", section=data["law"]["sections"]["quota"])),
            _closing("work.next")]


def employer(text: str) -> list[Answer]:
    """The quota calculator for a message like "บริษัทมีพนักงาน 250 คน"; asks for the
    number when the message gives none."""
    counted = employment.read(text)
    if counted is None:
        return [Answer(TEXTS("employer.ask"))]
    return [*employment.answers(counted), hotline()]


TOPIC_ANSWERS: dict[str, Callable[[], list[Answer]]] = {
    "education": education, "books": books, "devices": devices, "card": card,
    "money": money, "work": work}


def topic(name: str) -> list[Answer]:
    """The answers of one topic (a key of ``TOPIC_ANSWERS``)."""
    return TOPIC_ANSWERS[name]()

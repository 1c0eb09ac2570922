"""The signtax conversation as a pure state machine: one user message in, replies out.

The action layer keeps ``state`` in a slot and calls ``step`` with the raw text of every
message while the skill is active. The bot asks only for what the answer needs: each sign's
size, type (numbered choices in plain words) and moving/fixed; then it shows the tax with the
working at once and offers to file and issue a bill. The district is asked only for filing (a
district the citizen names earlier is kept)::

    >>> t = step(None, "ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร", today=date(2026, 3, 2))
    >>> t.state["pending"], t.prompt.text.splitlines()[0]
    ('moving', 'ป้ายที่ 1 เป็นป้ายแบบไหน พิมพ์หมายเลข')
    >>> [c.target.text for c in t.prompt.choices]
    ['1', '2']

What it says is typed (``bot.kernel.answer.Answer``); a numbered question's choices answer
it as if the number were typed (``Target(text="2")``). Side questions ("ต้องจ่ายที่ไหน") are
answered where the form is, and its question follows.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.kernel.answer import Answer, Target, ask, numbered, numbered_text
from bot.kernel.text import BUBBLE_MAX, visible_length

from . import districts, tax
from .parse import CM_PER, Mention, exemptions, guess_unit, parse
from .speech import figure, say_baht, thai_date
from .texts import text

CANCELLED, FINISHED, OUTSIDE, BILL, RECEIPTS, HISTORY, PAUSED = (
    "cancelled", "finished", "outside", "bill", "receipts", "history", "paused")
MAX_SIGNS = 20
MAX_SIDE_CM = 20000  # 200 m: anything longer is a typing mistake


def new_state() -> dict[str, Any]:
    return {"signs": [], "district": None, "outside": None, "pending": None, "current": None,
            "choices": [], "prompt": None, "business": None, "filing": False, "shown": None,
            "side_turns": 0, "paused": False}


@dataclass
class Turn:
    state: dict[str, Any]
    messages: list[Answer] = field(default_factory=list)  # said now
    prompt: Answer | None = None  # the question now pending (also in state, as a dict)
    done: str | None = None  # the conversation ends: what to do next
    understood: bool = True


def _msg(key: str, **values: Any) -> Answer:
    return Answer(text(key, **values))


def question(head: str, options: list[tuple[str, str | None]]) -> Answer:
    """A numbered question (``bot.kernel.answer.ask``): each option is a title and an
    optional note written after it ("1. ติดอยู่กับที่: ข้อความไม่เปลี่ยน"); choosing one is
    the same as typing its number."""
    choices = numbered([(title, Target(text=str(n))) for n, (title, _) in
                        enumerate(options, start=1)])
    lines = [f"{line}: {note}" if note else line for line, (_, note) in
             zip(numbered_text("", choices).splitlines(), options, strict=True)]
    return ask("\n".join([head, *lines]), choices)


def prompt_of(st: dict[str, Any]) -> Answer | None:
    """The pending question kept in the state."""
    return Answer.from_dict(st["prompt"]) if st.get("prompt") else None


def _ask(st: dict[str, Any], turn: Turn, pending: str, answer: Answer) -> None:
    """``answer`` is the question now pending (kept in the state as plain data)."""
    if pending == "district":  # a shared location answers it: offer the location picker
        answer = replace(answer, ask_location=True)
    st["pending"], st["prompt"], turn.prompt = pending, answer.to_dict(), answer


def to_sign(s: dict[str, Any]) -> tax.Sign:
    return tax.Sign(s["w"], s["l"], s["type"] or "1", bool(s["moving"]),
                    date.fromisoformat(s["installed"]) if s.get("installed") else None,
                    s.get("exemption"))


def _apply(sign: dict[str, Any], m: Mention) -> None:
    if m.width_cm is not None:
        sign["w"] = m.width_cm
    if m.length_cm is not None:
        sign["l"] = m.length_cm
    if m.assumed_unit and m.has_size:
        sign["assumed_unit"] = m.assumed_unit
    elif m.has_size:
        sign["assumed_unit"] = None
    for key, value in (("type", m.sign_type), ("moving", m.moving), ("exemption", m.exemption)):
        if value is not None:
            sign[key] = value
    if m.installed_on is not None:
        sign["installed"] = m.installed_on.isoformat()


def _blank() -> dict[str, Any]:
    return {"w": None, "l": None, "type": None, "moving": None, "exemption": None,
            "installed": None, "assumed_unit": None}


_ORDINALS = {"แรก": 1, "หนึ่ง": 1, "1": 1, "สอง": 2, "2": 2, "สาม": 3, "3": 3, "สี่": 4,
             "4": 4, "ห้า": 5, "5": 5}


def _named(st: dict[str, Any], text_: str) -> int | None:
    """The sign the message names: "ป้ายที่ 2", "อันที่สอง", "ป้ายแรก", "อันสุดท้าย"."""
    t = re.sub(r"\s+", "", text_)
    if re.search(r"(?:ป้าย|อัน)(?:ที่)?สุดท้าย", t) and st["signs"]:
        return len(st["signs"]) - 1
    m = re.search(r"(?:ป้าย|อัน)(?:ที่(\d{1,2}|หนึ่ง|สอง|สาม|สี่|ห้า)|(แรก))", t)
    if not m:
        return None
    word = m.group(1) or m.group(2)
    n = int(word) if word.isdigit() else _ORDINALS[word]
    return n - 1 if 1 <= n <= len(st["signs"]) else None


def _target(st: dict[str, Any], text_: str) -> int | None:
    """The sign a change is about: the one named; else the one asked about, else the last."""
    named = _named(st, text_)
    if named is not None:
        return named
    if st["current"] is not None and st["current"] < len(st["signs"]):
        return st["current"]
    return len(st["signs"]) - 1 if st["signs"] else None


def step(state: dict[str, Any] | None, message: str, *, today: date,
         location: districts.Located | None = None, spoken: bool = False) -> Turn:
    """Advance the conversation by one user message (or one shared location).

    ``spoken``: the user asked for the spoken form, so amounts are also written in words.
    """
    st = {**new_state(), **copy.deepcopy(state)} if state else new_state()
    st["spoken"] = spoken
    turn = Turn(state=st)
    if st["paused"] and st["signs"]:  # back after another service: say what is kept
        turn.messages.append(_msg("resume", n=len(st["signs"])))
    st["paused"] = False
    parsed = parse(message, today) if location is None else None
    if parsed is not None and parsed.number is not None and st["pending"] == "size":
        unit = guess_unit(parsed.number)  # a bare "80" after "how big": one side
        parsed.lone, parsed.number, parsed.assumed = [parsed.number * CM_PER[unit]], None, unit
    if location is not None:
        _set_location(st, turn, location)
    elif parsed.cancel:
        turn.done = CANCELLED
        return turn
    elif parsed.number is not None and st["pending"] in ("type", "moving", "district_pick",
                                                          "offer"):
        if not _choose(st, turn, parsed.number):
            turn.messages.append(_msg("bad_choice", max=_choice_count(st)))
            turn.prompt = prompt_of(st)
            return turn
        if turn.done:
            return turn
    elif st["pending"] == "business" and not parsed.mentions and message.strip():
        st["business"] = " ".join(message.split())[:100]
        turn.done = BILL
        return turn
    else:
        if (parsed.wants_receipt or parsed.wants_history) and not parsed.mentions:
            turn.done = RECEIPTS if parsed.wants_receipt else HISTORY
            return turn
        understood = _apply_mentions(st, turn, parsed, message)
        expected = st["pending"] in ("district", "district_pick")
        found = districts.match_text(message, fuzzy=expected)
        if found.khet and (len(found.khet) == 1 or not parsed.mentions):
            understood = True
            _set_district(st, turn, found.khet)
        elif found.outside:
            understood = True
            st["outside"] = found.outside
        if parsed.side:
            understood = True
            turn.messages.append(side_answer(parsed.side, st, today))
            if st["signs"] or st["pending"]:
                turn.messages.append(_msg("resume", n=len(st["signs"])) if st["signs"]
                                     else _msg("resume_empty"))
        if not understood:
            turn.understood = False
            if expected:
                turn.messages.append(_msg("district_not_found"))
            elif st["pending"] is not None:
                turn.messages.append(_msg("not_understood"))
    _advance(st, turn, today)
    return turn


def starts_afresh(message: str) -> bool:
    """True when a message asks for a new calculation or describes a sign with its size."""
    parsed = parse(message)
    return "ใหม่" in message or any(m.has_size for m in parsed.mentions) or len(parsed.lone) > 1


def side_answer(key: str, st: dict[str, Any], today: date) -> Answer:
    """The answer to a side question asked inside the form, filled from the rules."""
    rules = tax.load_rules()
    sch = rules.schedule_for(today.year)
    r = sch.rates
    district = (text("side_district_named", district=st["district"]["name_th"])
                if st.get("district") else text("side_district_unknown"))
    return _msg(f"side_{key}", district=district, minimum=sch.minimum_per_sign,
                r1f=r["1"]["fixed"], r1m=r["1"]["moving"], r2f=r["2"]["fixed"],
                r2m=r["2"]["moving"], r3f=r["3"]["fixed"], r3m=r["3"]["moving"],
                days=rules.deadlines["new_sign_filing_days"],
                pay_days=rules.deadlines["payment_days"],
                late=rules.surcharges["late_filing_percent"],
                late_own=rules.surcharges["late_filing_voluntary_percent"],
                per_month=rules.surcharges["late_payment_percent_per_month"])


def _choice_count(st: dict[str, Any]) -> int:
    return {"type": 3, "moving": 2, "offer": 3}.get(st["pending"], len(st["choices"]))


def _choose(st: dict[str, Any], turn: Turn, n: int) -> bool:
    if not 1 <= n <= _choice_count(st):
        return False
    pending, i = st["pending"], st["current"]
    if pending == "type":
        st["signs"][i]["type"] = str(n)
    elif pending == "moving":
        st["signs"][i]["moving"] = n == 2
    elif pending == "district_pick":
        c = st["choices"][n - 1]
        _set_district(st, turn, [districts.District(c["code"], c["name_th"])])
    elif pending == "offer":
        if n == 1:
            st["filing"] = True
            if st["district"] is None:  # filing is where the district is needed
                _ask(st, turn, "district", _msg("ask_district_to_file"))
            else:
                _ask(st, turn, "business", _msg("ask_business"))
        elif n == 2:
            _ask(st, turn, "more", _msg("ask_more_signs"))
        else:
            turn.done = FINISHED
            turn.prompt = None
    return True


def _apply_mentions(st: dict[str, Any], turn: Turn, parsed, message: str) -> bool:
    changed = False
    named = _named(st, message)
    before = len(st["signs"])
    for m in parsed.mentions:
        bad = [v for v in (m.width_cm, m.length_cm) if v is not None and not 0 < v <= MAX_SIDE_CM]
        if bad:
            turn.messages.append(_msg("size_out_of_range", value=figure(Decimal(str(bad[0])))))
            changed = True
            continue
        target = _target(st, message)
        one_side = (m.width_cm is None) != (m.length_cm is None)
        needs_side = target is not None and (
            st["signs"][target]["w"] is None or st["signs"][target]["l"] is None)
        if m.has_size and not (parsed.correction or one_side or needs_side) or target is None:
            if len(st["signs"]) >= MAX_SIGNS:
                break
            st["signs"].append(_blank())
            _apply(st["signs"][-1], m)
            st["current"] = None
        else:
            _apply(st["signs"][target], m)
            if parsed.correction or named is not None:
                turn.messages.append(_msg("corrected", n=target + 1))
        changed = True
    if parsed.lone:
        changed = _apply_lone(st, turn, parsed, message) or changed
    added = list(range(before + 1, len(st["signs"]) + 1))
    if len(added) > 1 or (added and before):  # one line for all signs read from this message
        turn.messages.insert(0, _msg("added", n=", ".join(map(str, added))))
    return changed


def _apply_lone(st: dict[str, Any], turn: Turn, parsed, message: str) -> bool:
    """Sizes without a side: "ไม่ใช่ 3 เมตร เป็น 5 เมตร" replaces the side that was 3 m; after
    "how big" they fill the missing sides; two of them alone are a new sign."""
    lone = [v for v in parsed.lone if 0 < v <= MAX_SIDE_CM]
    if not lone:
        turn.messages.append(_msg("size_out_of_range", value=figure(Decimal(str(parsed.lone[0])))))
        return True
    target = _target(st, message)
    if parsed.correction and len(lone) >= 2:
        old, new = lone[0], lone[-1]
        order = ([target] if target is not None else []) + list(range(len(st["signs"]) - 1,
                                                                      -1, -1))
        for i in order:
            sign = st["signs"][i]
            side = "w" if sign["w"] == old else "l" if sign["l"] == old else None
            if side:
                sign[side], sign["assumed_unit"] = new, None
                turn.messages.append(_msg("corrected", n=i + 1))
                return True
        return False
    if target is not None and (st["signs"][target]["w"] is None
                               or st["signs"][target]["l"] is None):
        sign = st["signs"][target]
        for value in lone[:2]:
            side = "w" if sign["w"] is None else "l" if sign["l"] is None else None
            if side:
                sign[side] = value
        sign["assumed_unit"] = getattr(parsed, "assumed", None)
        return True
    if len(lone) == 2 and not parsed.correction and len(st["signs"]) < MAX_SIGNS:
        st["signs"].append({**_blank(), "w": lone[0], "l": lone[1]})
        return True
    return False


def _set_district(st: dict[str, Any], turn: Turn, found: list[districts.District]) -> None:
    if len(found) == 1:
        st["district"] = {"code": found[0].code, "name_th": found[0].name_th}
        st["outside"], st["choices"] = None, []
        turn.messages.append(_msg("district_set", district=found[0].name_th))
    else:
        st["choices"] = [{"code": d.code, "name_th": d.name_th} for d in found]
        st["pending"] = "district_pick"


def _set_location(st: dict[str, Any], turn: Turn, where: districts.Located) -> None:
    if where.in_bangkok and where.district is not None:
        _set_district(st, turn, [where.district])
    else:
        st["outside"] = where.province_th or text("location_outside_unknown")


def _signature(st: dict[str, Any]) -> str:
    return repr([(x["w"], x["l"], x["type"], x["moving"], x["exemption"], x["installed"])
                 for x in st["signs"]])


def _advance(st: dict[str, Any], turn: Turn, today: date) -> None:
    """Ask the next missing thing, or show the result (the district only for filing)."""
    if turn.prompt is not None and st["pending"] in ("business", "more", "district"):
        return
    asking = _next_question(st, turn)
    if asking is not None and not st["outside"]:
        _ask(st, turn, st["pending"], asking)
        return
    if st["outside"]:
        turn.messages.append(_msg("outside_bangkok", province=st["outside"]))
        if asking is None and st["signs"]:
            turn.messages += result_messages(st, today, outside=True)
            turn.messages.append(_msg("outside_estimate"))
        turn.done = OUTSIDE
        return
    if st["pending"] == "offer" and turn.done:
        return
    if st["filing"] and st["choices"]:
        _ask(st, turn, "district_pick", question(text("ask_district_pick"), [
            (text("district_option", name=c["name_th"]), None) for c in st["choices"]]))
        return
    if st["filing"] and st["district"] is None:
        _ask(st, turn, "district", _msg("ask_district_to_file"))
        return
    if st["filing"]:
        _ask(st, turn, "business", _msg("ask_business"))
        return
    if st["shown"] != _signature(st):  # the result again only when a sign changed
        results = [tax.compute_sign(to_sign(s), today.year) for s in st["signs"]]
        turn.messages += result_messages(st, today)
        st["shown"] = _signature(st)
        if tax.total(results) <= 0:
            turn.done = FINISHED
            return
    st["current"] = None
    _ask(st, turn, "offer", question(text("ask_offer"), [
        (text("offer_button_1"), text("offer_note_1")), (text("offer_button_2"), None),
        (text("offer_button_3"), None)]))


def _next_question(st: dict[str, Any], turn: Turn) -> Answer | None:
    ex = exemptions()["exemptions"]
    for i, s in enumerate(st["signs"]):
        st["current"] = i
        n = i + 1
        if s["w"] is None and s["l"] is None:
            st["pending"] = "size"
            return _msg("ask_size", n=n)
        if s["w"] is None:
            st["pending"] = "size"
            return _msg("ask_width", n=n, length=f"{figure(Decimal(str(s['l'])))} ซม.")
        if s["l"] is None:
            st["pending"] = "size"
            return _msg("ask_length", n=n, width=f"{figure(Decimal(str(s['w'])))} ซม.")
        if s.get("assumed_unit") and not s.get("unit_told"):
            s["unit_told"] = True
            turn.messages.append(_msg("assumed_unit", n=n, unit=text(f"unit_{s['assumed_unit']}")))
        limit = ex.get(s["exemption"] or "", {}).get("max_area_m2")
        if limit and s["w"] * s["l"] > limit * 10000:
            s["exemption"] = None
            turn.messages.append(_msg("exemption_too_big", n=n))
        if s["exemption"]:
            continue
        if s["type"] is None:
            st["pending"] = "type"
            types = tax.load_rules().types
            # the numbers typed are the type codes: SIGN_TYPES is ("1", "2", "3")
            return question(text("ask_type", n=n), [
                (types[k]["short_th"], types[k]["plain_th"]) for k in tax.SIGN_TYPES])
        if s["moving"] is None:
            st["pending"] = "moving"
            return question(text("ask_moving", n=n), [
                (text("moving_button_1"), text("moving_note_1")),
                (text("moving_button_2"), text("moving_note_2"))])
    st["current"] = None
    if not st["signs"]:
        st["pending"] = "sign"
        return _msg("ask_describe")
    return None


def pack(blocks: list[list[str]]) -> list[Answer]:
    """Blocks of lines as chat bubbles of at most ``BUBBLE_MAX`` visible characters, in order;
    a block stays whole when it fits one bubble."""
    bubbles: list[list[str]] = []
    for block in blocks:
        lines = [x for x in block if x]
        if bubbles and visible_length("\n".join(bubbles[-1] + lines)) <= BUBBLE_MAX:
            bubbles[-1] += lines
            continue
        bubbles.append([])
        for line in lines:
            if bubbles[-1] and visible_length("\n".join(bubbles[-1] + [line])) > BUBBLE_MAX:
                bubbles.append([])
            bubbles[-1].append(line)
    return [Answer("\n".join(b)) for b in bubbles if b]


def result_messages(st: dict[str, Any], today: date, outside: bool = False
                    ) -> list[Answer]:
    """The total first, then each sign with its working, then notes; amounts also in words
    in the spoken form; each bubble fits a phone (``BUBBLE_MAX``)."""
    baht = say_baht if st.get("spoken") else plain_baht
    rules = tax.load_rules()
    sch = rules.schedule_for(today.year)
    ex = exemptions()["exemptions"]
    blocks: list[list[str]] = []
    results = []
    any_full_year = False
    for n, s in enumerate(st["signs"], start=1):
        r = tax.compute_sign(to_sign(s), today.year, rules)
        results.append(r)
        if r.exempt:
            blocks.append([text("sign_exempt", n=n, reason=ex[s["exemption"]]["reason_th"])])
            continue
        lines = [text("sign_line", n=n, type=rules.types[r.sign.sign_type]["short_th"],
                      moving=text("moving_yes" if r.sign.moving else "moving_no"),
                      width=figure(Decimal(str(s["w"]))), length=figure(Decimal(str(s["l"]))))]
        lines += _working(r, baht)
        if r.area_cm2 <= exemptions()["unverified"]["small_sign"]["max_area_cm2"]:
            lines.append(text("small_sign_note"))
        blocks.append(lines)
        any_full_year |= r.quarter is None
    total = tax.total(results)
    head = [text("result_header", year=today.year + 543, schedule=sch.title_th),
            text("result_total", amount=baht(total))]
    if total <= 0:
        return pack([head + [text("result_all_exempt")]] + blocks)
    notes = []
    if any_full_year:
        notes.append(text("result_full_year"))
    if not outside:
        signs = [to_sign(s) for s in st["signs"]]
        deadline = max(tax.filing_deadline(today.year, s.installed_on, rules) for s in signs)
        late, _rule = tax.late_filing_surcharge(total, today, deadline, notified=False, rules=rules)
        if late:
            notes.append(text("result_late_filing", deadline=thai_date(deadline),
                              surcharge=baht(late), amount=baht(total + late)))
    # a sign's working shares the amount's bubble when it fits, else follows it
    return pack([head] + blocks + [[n] for n in notes])


def plain_baht(amount: Decimal) -> str:
    """``'2,340 บาท'``: figures only (the spoken form adds the words)."""
    return f"{figure(amount)} บาท"


def _working(r: tax.SignTax, baht=plain_baht) -> list[str]:
    lines = [text("working_area", area=figure(r.area_cm2), full=r.full_units)]
    if r.remainder_cm2:
        lines.append(text("working_rounded_up" if r.remainder_counted else "working_rounded_down",
                          rem=figure(r.remainder_cm2), units=r.units))
    lines.append(text("working_rate", rate=r.rate, units=r.units, by_area=figure(r.by_area)))
    for step_key in r.steps:
        if step_key == "minimum":
            lines.append(text("working_minimum", minimum=r.minimum))
        elif step_key == "minimum_before_prorata":
            lines.append(text("working_minimum_before", minimum=r.minimum))
        elif step_key == "minimum_after_prorata":
            lines.append(text("working_minimum_after", minimum=r.minimum))
        elif step_key == "first_year_share":
            lines.append(text("working_share", quarter=r.quarter,
                              percent=figure(r.share * 100)))
    lines.append(text("working_tax", amount=baht(r.tax)))
    return lines

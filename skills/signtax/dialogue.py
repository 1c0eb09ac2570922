"""The signtax conversation as a pure state machine: one user message in, replies out.

The action layer keeps ``state`` in a slot and calls ``step`` with the raw text of every
message while the skill is active. The bot asks only for what is missing, in this order:
each sign's size, type (numbered choices in plain words) and moving/fixed, then the district;
then it shows the tax per sign with the working and offers to file and issue a bill::

    >>> t = step(None, "ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร", today=date(2026, 3, 2))
    >>> t.state["pending"], t.prompt["text"].splitlines()[0]
    ('moving', 'ป้ายที่ 1 เป็นป้ายแบบไหน พิมพ์หมายเลข')
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import districts, tax
from .parse import Mention, exemptions, parse
from .speech import figure, say_baht, thai_date
from .texts import text

CANCELLED, FINISHED, OUTSIDE, BILL, RECEIPTS, HISTORY, PAUSED = (
    "cancelled", "finished", "outside", "bill", "receipts", "history", "paused")
MAX_SIGNS = 20
MAX_SIDE_CM = 20000  # 200 m: anything longer is a typing mistake


def new_state() -> dict[str, Any]:
    return {"signs": [], "district": None, "outside": None, "pending": None, "current": None,
            "choices": [], "prompt": None, "business": None}


@dataclass
class Turn:
    state: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)  # said now
    prompt: dict[str, Any] | None = None  # the question now pending (also in state)
    done: str | None = None  # the conversation ends: what to do next
    understood: bool = True


def _msg(key: str, buttons: list[dict] | None = None, **values: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"text": text(key, **values)}
    if buttons:
        m["buttons"] = buttons
    return m


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


def _target(st: dict[str, Any], text_: str) -> int | None:
    """The sign a change is about: "ป้ายที่ 2 …" names it; else the one asked about, else last."""
    import re

    m = re.search(r"ป้ายที่\s*(\d{1,2})", text_)
    if m and 1 <= int(m.group(1)) <= len(st["signs"]):
        return int(m.group(1)) - 1
    if st["current"] is not None and st["current"] < len(st["signs"]):
        return st["current"]
    return len(st["signs"]) - 1 if st["signs"] else None


def step(state: dict[str, Any] | None, message: str, *, today: date,
         location: districts.Located | None = None) -> Turn:
    """Advance the conversation by one user message (or one shared location)."""
    st = copy.deepcopy(state) if state else new_state()
    turn = Turn(state=st)
    parsed = parse(message, today) if location is None else None
    if location is not None:
        _set_location(st, turn, location)
    elif parsed.cancel:
        turn.done = CANCELLED
        return turn
    elif parsed.number is not None and st["pending"] in ("type", "moving", "district_pick",
                                                          "offer"):
        if not _choose(st, turn, parsed.number):
            turn.messages.append(_msg("bad_choice", max=_choice_count(st)))
            turn.prompt = st["prompt"]
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
        found = districts.match_text(message, fuzzy=st["pending"] in ("district",
                                                                      "district_pick"))
        if found.khet and (len(found.khet) == 1 or not parsed.mentions):
            understood = True
            _set_district(st, turn, found.khet)
        elif found.outside:
            understood = True
            st["outside"] = found.outside
        if not understood:
            turn.understood = False
            if st["pending"] in ("district", "district_pick"):
                turn.messages.append(_msg("district_not_found"))
            elif st["pending"] is not None:
                turn.messages.append(_msg("not_understood"))
    _advance(st, turn, today)
    return turn


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
            st["pending"], st["prompt"] = "business", _msg("ask_business")
        elif n == 2:
            st["pending"], st["prompt"] = "more", _msg("ask_more_signs")
        else:
            turn.done = FINISHED
        turn.prompt = st["prompt"] if n in (1, 2) else None
    return True


def _apply_mentions(st: dict[str, Any], turn: Turn, parsed, message: str) -> bool:
    changed = False
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
            if len(parsed.mentions) > 1 or len(st["signs"]) > 1:
                turn.messages.append(_msg("added", n=len(st["signs"])))
            st["current"] = None
        else:
            _apply(st["signs"][target], m)
            if parsed.correction:
                turn.messages.append(_msg("corrected", n=target + 1))
        changed = True
    return changed


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


def _advance(st: dict[str, Any], turn: Turn, today: date) -> None:
    """Ask the next missing thing, or show the result."""
    if turn.prompt is not None and st["pending"] in ("business", "more"):
        return
    question = _next_question(st, turn)
    if question is not None and not st["outside"]:
        st["prompt"] = turn.prompt = question
        return
    if st["outside"]:
        turn.messages.append(_msg("outside_bangkok", province=st["outside"]))
        if question is None and st["signs"]:
            turn.messages.append(result_message(st, today, outside=True))
            turn.messages.append(_msg("outside_estimate"))
        turn.done = OUTSIDE
        return
    if st["pending"] == "offer" and turn.done:
        return
    results = [tax.compute_sign(to_sign(s), today.year) for s in st["signs"]]
    turn.messages.append(result_message(st, today))
    if tax.total(results) <= 0:
        turn.done = FINISHED
        return
    st["pending"], st["current"] = "offer", None
    st["prompt"] = turn.prompt = _msg("ask_offer", buttons=[
        {"title": text(f"offer_button_{n}"), "payload": str(n)} for n in (1, 2, 3)])


def _next_question(st: dict[str, Any], turn: Turn) -> dict[str, Any] | None:
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
            lines = [text("ask_type", n=n)] + [
                text("type_choice", n=k, short=types[k]["short_th"], plain=types[k]["plain_th"])
                for k in tax.SIGN_TYPES]
            return {"text": "\n".join(lines), "buttons": [
                {"title": types[k]["short_th"], "payload": k} for k in tax.SIGN_TYPES]}
        if s["moving"] is None:
            st["pending"] = "moving"
            return _msg("ask_moving", buttons=[
                {"title": text(f"moving_button_{k}"), "payload": str(k)} for k in (1, 2)], n=n)
    st["current"] = None
    if not st["signs"]:
        st["pending"] = "sign"
        return _msg("ask_describe")
    if st["outside"] or all(s["exemption"] for s in st["signs"]):
        return None
    if st["pending"] == "district_pick" and st["choices"]:
        return _msg("ask_district_pick", choices="\n".join(
            text("district_choice", n=k, name=c["name_th"])
            for k, c in enumerate(st["choices"], start=1)), buttons=[
            {"title": f"เขต{c['name_th']}", "payload": str(k)}
            for k, c in enumerate(st["choices"], start=1)])
    if st["district"] is None:
        st["pending"] = "district"
        return _msg("ask_district")
    return None


def result_message(st: dict[str, Any], today: date, outside: bool = False) -> dict[str, Any]:
    """Tax per sign with its working, and the total; amounts written to be read aloud."""
    rules = tax.load_rules()
    sch = rules.schedule_for(today.year)
    ex = exemptions()["exemptions"]
    lines = [text("result_header", year=today.year + 543, schedule=sch.title_th)]
    results = []
    any_full_year = False
    for n, s in enumerate(st["signs"], start=1):
        r = tax.compute_sign(to_sign(s), today.year, rules)
        results.append(r)
        if r.exempt:
            lines.append(text("sign_exempt", n=n, reason=ex[s["exemption"]]["reason_th"]))
            continue
        lines.append(text("sign_line", n=n, type=rules.types[r.sign.sign_type]["short_th"],
                          moving=text("moving_yes" if r.sign.moving else "moving_no"),
                          width=figure(Decimal(str(s["w"]))), length=figure(Decimal(str(s["l"])))))
        lines += _working(r)
        if r.area_cm2 <= exemptions()["unverified"]["small_sign"]["max_area_cm2"]:
            lines.append(text("small_sign_note"))
        any_full_year |= r.quarter is None
    total = tax.total(results)
    lines.append(text("result_total", amount=say_baht(total)))
    if total <= 0:
        lines.append(text("result_all_exempt"))
        return {"text": "\n".join(lines)}
    if any_full_year:
        lines.append(text("result_full_year"))
    if not outside:
        signs = [to_sign(s) for s in st["signs"]]
        deadline = max(tax.filing_deadline(today.year, s.installed_on, rules) for s in signs)
        late, _rule = tax.late_filing_surcharge(total, today, deadline, notified=False, rules=rules)
        if late:
            lines.append(text("result_late_filing", deadline=thai_date(deadline),
                              surcharge=say_baht(late), amount=say_baht(total + late)))
    return {"text": "\n".join(lines)}


def _working(r: tax.SignTax) -> list[str]:
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
    lines.append(text("working_tax", amount=say_baht(r.tax)))
    return lines

"""Disaster actions: thin adapters from the conversation to ``skills.disaster.service``.

Citizens get public information only (open shelters, advice, their own cases); the registry's
assets, stock and people are for staff through ``/api/disaster/``.
"""

from __future__ import annotations

import json
import re

from rasa_sdk.events import SlotSet

from actions.base import SkillAction, Turn
from bot.kernel import emergency
from bot.kernel.answer import Answer, Target, ask
from bot.kernel.geo.places import resolve_place
from skills.disaster import service
from skills.disaster.texts import texts

OFFER = "disaster_volunteer_offer"
YES = ("ยินยอม", "ตกลง", "ได้", "ใช่", "โอเค", "ok", "yes", "บันทึก")
NO = ("ไม่ยินยอม", "ไม่", "no", "ยกเลิก")
# Words that say what a message is, not where: left out before looking for a place name.
_NOT_PLACES = re.compile(r"ศูนย์พักพิง(?:ชั่วคราว)?|ศูนย์อพยพ|จุดอพยพ|ใกล้ฉัน|ใกล้ที่สุด|ขอความช่วยเหลือ")


class DisasterAction(SkillAction):
    """A disaster action (abstract)."""

    skill = "disaster"


def _send(turn: Turn, answers) -> None:
    """Send one answer or several bubbles, in order."""
    for answer in answers if isinstance(answers, list) else [answers]:
        turn.send(answer)


def _place(text: str):
    """``(places, name)``: the places named in ``text`` (one, several or none)."""
    found = resolve_place(_NOT_PLACES.sub(" ", text)) if text else []
    return found, (found[0].name_th if found else "")


def _province_code(place) -> str:
    code = place.code or ""
    return code[:4] if re.fullmatch(r"TH\d{2,6}", code) else ""


class ActionDisasterMenu(DisasterAction):
    """The menu's entry: what the service does, as numbered choices; equipment is for staff."""

    def name(self) -> str:
        return "action_disaster_menu"

    async def answer(self, turn):
        turn.send(service.emergency())
        if re.search(r"เรือ|เฮือ|เครื่องสูบ|ปั่นไฟ|กระสอบ|รถ|โดรน|ผู้เชี่ยวชาญ|boat|pump", turn.text):
            turn.send(Answer(texts("chat.resource_staff_only")))
        turn.send(ask(texts("chat.intro"), [(texts("chat.menu_shelter"), Target("disaster_shelter")),
                             (texts("chat.menu_advice"), Target("disaster_advice")),
                             (texts("chat.menu_help"), Target("disaster_help_request")),
                             (texts("chat.menu_volunteer"), Target("disaster_volunteer"))]))
        return []


class ActionDisasterShelters(DisasterAction):
    """Open shelters with space near a place named or the location shared; else ask where."""

    def name(self) -> str:
        return "action_disaster_shelters"

    async def answer(self, turn):
        if turn.point is not None:
            lat, lon = turn.point
            _send(turn, await turn.in_session(service.shelters_near, lat, lon, ""))
            return [SlotSet("expecting", None)]
        found, name = _place(turn.text)
        if len(found) > 1:
            turn.send(ask(texts("chat.place_ambiguous", place=name), [
                (f"{p.name_th} ({p.province_th})", Target(text=f"ศูนย์พักพิง {p.name_th} {p.province_th}"))
                for p in found[:5]]))
            return [SlotSet("expecting", "disaster_where")]
        if found:
            place = found[0]
            _send(turn, await turn.in_session(service.shelters_near, place.lat, place.lon,
                                            place.name_th))
            return [SlotSet("expecting", None)]
        if turn.shared_point is not None and not turn.text:
            lat, lon = turn.shared_point
            _send(turn, await turn.in_session(service.shelters_near, lat, lon, ""))
            return []
        _send(turn, [service.emergency(), Answer(texts("chat.ask_where"), ask_location=True)])
        return [SlotSet("expecting", "disaster_where")]


class ActionDisasterAdvice(DisasterAction):
    """What to do now for the hazard named (or a choice of hazards), with its source."""

    def name(self) -> str:
        return "action_disaster_advice"

    async def answer(self, turn):
        hazard = turn.entities.get("disaster_hazard")
        _send(turn, service.advice_for(hazard) if hazard else service.advice(turn.text))
        return []


class ActionDisasterHelpRequest(DisasterAction):
    """A citizen's help request becomes a case with a number; danger now gets its number first."""

    def name(self) -> str:
        return "action_disaster_help_request"

    async def answer(self, turn):
        found = emergency.triage(turn.text) if turn.text else None
        if found is not None:  # danger now: the number before anything else
            turn.send(Answer("\n".join(emergency.call_text(c.hotline) for c in found.calls)))
        story = re.sub(r"^(ขอความช่วยเหลือ|ต้องการความช่วยเหลือ|ขอช่วยเหลือ)\s*", "", turn.text)
        if len(story) < 6:  # only "ขอความช่วยเหลือ": ask what and where
            _send(turn, [service.emergency(), Answer(texts("chat.help_ask"))])
            return [SlotSet("expecting", "disaster_help")]
        places, name = _place(turn.text)
        place = places[0] if len(places) == 1 else None
        point = turn.point or (turn.shared_point if turn.shared_point else None)
        key = f"{turn.sender}:{turn.message.get('message_id') or turn.text}"[:120]

        def work(session):
            case = service.file_help(session, turn.sender, turn.text, point=point,
                                     place_th=name, request_key=key,
                                     province_code=_province_code(place) if place else "")
            return service.filed_answer(case)
        _send(turn, await turn.in_session(work))
        return [SlotSet("expecting", None)]


class ActionDisasterCaseStatus(DisasterAction):
    """The status of the sender's own help cases (never anyone else's)."""

    def name(self) -> str:
        return "action_disaster_case_status"

    async def answer(self, turn):
        turn.send(await turn.in_session(service.case_status, turn.sender, turn.text))
        return []


class ActionDisasterVolunteer(DisasterAction):
    """Register as a volunteer: skills named, consent asked, recorded only on a yes."""

    def name(self) -> str:
        return "action_disaster_volunteer"

    async def answer(self, turn):
        expecting = turn.slot("expecting") or ""
        saved = turn.slot(OFFER)
        if expecting == "disaster_volunteer_consent" and saved:
            offer = service.VolunteerOffer(**json.loads(saved))
            words = turn.text.lower().strip()
            if words.startswith(NO) or "ไม่ยินยอม" in words:
                turn.send(Answer(texts("chat.volunteer_declined")))
                return [SlotSet(OFFER, None), SlotSet("expecting", None)]
            if words.startswith(YES):
                await turn.in_session(service.register_volunteer, turn.sender, offer)
                turn.send(Answer(texts("chat.volunteer_saved", skills=offer.skills_th())))
                return [SlotSet(OFFER, None), SlotSet("expecting", None)]
        places, _ = _place(turn.text)
        place = places[0] if len(places) == 1 else None
        offer = service.volunteer_offer(turn.text, _province_code(place) if place else "",
                                        place.province_th if place else "")
        if not offer.skills:
            turn.send(Answer(texts("chat.volunteer_ask_skills")))
            return [SlotSet("expecting", "disaster_volunteer_skills")]
        turn.send(service.consent_question(offer))
        return [SlotSet(OFFER, json.dumps({"skills": list(offer.skills),
                                           "province_code": offer.province_code,
                                           "province_th": offer.province_th},
                                          ensure_ascii=False)),
                SlotSet("expecting", "disaster_volunteer_consent")]


class ActionDisasterVolunteerWithdraw(DisasterAction):
    """Withdraw consent: the volunteer's record is deleted, and the reply says so."""

    def name(self) -> str:
        return "action_disaster_volunteer_withdraw"

    async def answer(self, turn):
        count = await turn.in_session(service.withdraw_volunteer, turn.sender)
        turn.send(Answer(texts("chat.volunteer_withdrawn", count=count) if count
                         else texts("chat.volunteer_none")))
        return [SlotSet(OFFER, None), SlotSet("expecting", None)]


class ActionDisasterLocation(DisasterAction):
    """A shared location: attached to a help case just filed without one, else the shelters
    nearest to it."""

    def name(self) -> str:
        return "action_disaster_location"

    async def answer(self, turn: Turn):
        point = turn.point or turn.shared_point
        if point is None:
            turn.send(Answer(texts("chat.ask_where"), ask_location=True))
            return []
        case = await turn.in_session(
            lambda session: (c.case_number if (c := service.attach_location(
                session, turn.sender, point)) else None))
        if case is not None:
            turn.send(Answer(texts("chat.help_location_added", case=case)))
            return []
        _send(turn, await turn.in_session(service.shelters_near, point[0], point[1], ""))
        return [SlotSet("expecting", None)]

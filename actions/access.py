"""Access actions: thin adapters from the conversation to ``skills.access`` and back.

Topics (education, schools, books, devices, card, allowance, work), the employer's quota
calculator, and the guided "what can I get" flow, whose answers stay in the slot
``access_profile`` and are written to the app database only when the user agrees.
"""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import SkillAction, Turn
from bot.kernel.answer import Answer
from skills.access import rights, service
from skills.access.facts import TEXTS

# Keys of the manifest's ``answers``: what the access skill last asked.
EXPECT_RIGHTS = "access_rights"
EXPECT_EMPLOYEES = "access_employees"
PROFILE, ASKED = "access_profile", "access_asked"
TOPIC_OF_INTENT = {"access_education": "education", "access_books": "books",
                   "access_devices": "devices", "access_card": "card",
                   "access_money": "money", "access_work": "work"}


class AccessAction(SkillAction):
    """An access action (abstract): a reply to the flow's open question goes to the flow."""

    skill = "access"

    async def answer(self, turn: Turn) -> list[dict[str, Any]]:
        if turn.slot("expecting") == EXPECT_RIGHTS and not turn.chosen and turn.slot(ASKED) \
                and rights.read_typed(turn.slot(ASKED), turn.text):
            return await rights_turn(turn)
        if turn.slot("expecting") == EXPECT_EMPLOYEES and not turn.chosen \
                and service.employment.read(turn.text):
            return employer_turn(turn)
        return await self.topic(turn)

    @abc.abstractmethod
    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        """Answer the message (it is not a reply to the skill's open question)."""


def _send_all(turn: Turn, answers: list[Answer]) -> None:
    for answer in answers:
        turn.send(answer)


class ActionAccessMenu(AccessAction):
    def name(self) -> str:
        return "action_access_menu"

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        turn.send(service.menu())
        return [SlotSet("expecting", None)]


class ActionAccessTopic(AccessAction):
    """One topic's answers, chosen by the intent (education, books, devices, card, money, work)."""

    def name(self) -> str:
        return "action_access_topic"

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        _send_all(turn, service.topic(TOPIC_OF_INTENT.get(turn.intent[0], "education")))
        return [SlotSet("expecting", None)]


class ActionAccessSchool(AccessAction):
    def name(self) -> str:
        return "action_access_school"

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        _send_all(turn, service.schools(turn.text))
        return [SlotSet("expecting", None)]


def employer_turn(turn: Turn) -> list[dict[str, Any]]:
    found = service.employment.read(turn.text)
    _send_all(turn, service.employer(turn.text))
    return [SlotSet("expecting", None if found else EXPECT_EMPLOYEES)]


class ActionAccessEmployer(AccessAction):
    """The quota for "บริษัทมีพนักงาน 250 คน", with the working and the levy."""

    def name(self) -> str:
        return "action_access_employer"

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        return employer_turn(turn)


async def rights_turn(turn: Turn) -> list[dict[str, Any]]:
    """One step of the guided flow: read the answer, ask the next question or give the list."""
    value = turn.entities.get(rights.ENTITY)
    asked = turn.slot(ASKED)
    if value is None and asked and turn.text:
        value = rights.read_typed(asked, turn.text)
    if value in ("save", "no_save"):
        profile = rights.Profile.loads(turn.slot(PROFILE))
        if value == "save":
            await turn.in_session(rights.save, turn.sender, profile)
        turn.send(Answer(TEXTS("rights.saved" if value == "save" else "rights.not_saved")))
        return [SlotSet("expecting", None), SlotSet(ASKED, None),
                SlotSet(PROFILE, profile.dumps() if value == "save" else None)]
    fresh = value is None and (not asked or turn.intent[0] == rights.INTENT)
    if fresh:
        kept = await turn.in_session(rights.load, turn.sender)
        if kept is not None and kept.next_question() is None:
            _send_all(turn, rights.result(kept, saved=True))
            return [SlotSet(PROFILE, kept.dumps()), SlotSet(ASKED, "consent"),
                    SlotSet("expecting", EXPECT_RIGHTS)]
    profile = rights.Profile() if fresh or value == "restart" \
        else rights.Profile.loads(turn.slot(PROFILE))
    if value is None and not fresh:
        turn.send(Answer(TEXTS("rights.not_understood")))
    elif value != "restart":
        profile = rights.apply(profile, value) if value else profile
    nxt = profile.next_question()
    if nxt is None:
        _send_all(turn, rights.result(profile))
        return [SlotSet(PROFILE, profile.dumps()), SlotSet(ASKED, "consent"),
                SlotSet("expecting", EXPECT_RIGHTS)]
    if fresh or value == "restart":
        turn.send(Answer(TEXTS("rights.intro")))
    turn.send(rights.question(nxt))
    return [SlotSet(PROFILE, profile.dumps()), SlotSet(ASKED, nxt),
            SlotSet("expecting", EXPECT_RIGHTS)]


class ActionAccessRightsCheck(AccessAction):
    """The guided "สิทธิ์อะไรที่ฉันได้บ้าง" flow."""

    def name(self) -> str:
        return "action_access_rights_check"

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        return await rights_turn(turn)


class ActionAccessForget(AccessAction):
    """"ลบข้อมูลของฉัน": delete the kept answers and forget the flow's."""

    def name(self) -> str:
        return "action_access_forget"

    async def answer(self, turn: Turn) -> list[dict[str, Any]]:
        return await self.topic(turn)  # even in the middle of the flow: delete means delete

    async def topic(self, turn: Turn) -> list[dict[str, Any]]:
        had = await turn.in_session(rights.forget, turn.sender)
        turn.send(Answer(TEXTS("forget.done" if had else "forget.nothing")))
        return [SlotSet(PROFILE, None), SlotSet(ASKED, None), SlotSet("expecting", None)]

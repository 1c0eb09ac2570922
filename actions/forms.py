"""May this message interrupt a skill's form? One policy for every skill's form.

While a form is active, every message reaches its validation action first. The form keeps a
message it understood; it lets go (the validation rejects, so the core or the other skill
answers) of danger now and a request for a person always, and of a message it did not
understand that confidently belongs to the core's small talk or to another skill. When the
form runs again after someone else answered (``returning``), its question follows with its
data kept; danger, or a second message in a row for another service, pauses it instead (the
data stays for when the citizen comes back).

>>> m = Interruption("police_find_station", 0.9, other_skill=True)
>>> m.lets_go(understood=False), m.lets_go(understood=True), m.pauses(side_turns=2)
(True, False, True)
>>> Interruption("emergency", 1.0, other_skill=False).lets_go(understood=True)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from bot.kernel import registry

# Danger now, or a person asked for: never held up by a form, whatever it understood.
ALWAYS_FIRST = frozenset({"emergency", "human_handoff"})
# The core answers these in the middle of a form when the form did not understand the message.
CORE_FIRST = frozenset({"emergency", "human_handoff", "greet", "help", "goodbye", "thanks",
                        "out_of_scope", "set_reply_mode", "english"})
LEAVE_CONFIDENCE = 0.6  # below this the classifier's guess does not take a message away
# Steps around a form's turn that are not an answer by someone else: the engine's own, and
# the core's location handler (it hands a shared location to the active skill's form).
FORM_STEPS = frozenset({"action_listen", "action_extract_slots", "action_session_start",
                        "action_handle_location"})


@dataclass(frozen=True)
class Interruption:
    """What the latest message means for an active form: its intent and how sure."""

    intent: str
    confidence: float
    other_skill: bool  # the intent belongs to another skill

    @property
    def sure(self) -> bool:
        return self.confidence >= LEAVE_CONFIDENCE

    @property
    def urgent(self) -> bool:
        """Danger now or a person asked for."""
        return self.sure and self.intent in ALWAYS_FIRST

    @property
    def leaving(self) -> bool:
        """The message is for someone else than the form: urgent, or another skill's."""
        return self.sure and (self.intent in ALWAYS_FIRST or self.other_skill)

    def lets_go(self, understood: bool) -> bool:
        """The form rejects this message so the core or the other skill answers it."""
        return self.urgent or (not understood and (
            self.leaving or (self.sure and self.intent in CORE_FIRST)))

    def pauses(self, side_turns: int) -> bool:
        """Back after someone else answered: pause the form (``side_turns`` counts the
        messages in a row for others, this one included)."""
        return self.leaving and (self.intent in ALWAYS_FIRST or side_turns > 1)


def interruption(tracker: Tracker, skill: registry.Manifest) -> Interruption:
    """The latest message as seen by ``skill``'s active form."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0)
    other = registry.skill_for_intent(name)
    return Interruption(name, confidence, other_skill=other is not None and other.id != skill.id)


def returning(tracker: Tracker, skill: registry.Manifest) -> bool:
    """True when an action outside ``skill`` (and its forms) answered the latest message
    before the form ran again."""
    own = {*skill.actions, *skill.forms, *FORM_STEPS}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in own:
            return True
    return False

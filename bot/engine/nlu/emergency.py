"""Rasa component that makes sure a message about danger now is classified ``emergency``.

Runs after the statistical intent classifier and before the FallbackClassifier. When
``bot.kernel.emergency.read`` finds danger happening now it sets the intent to ``emergency`` with
full confidence, unless the classifier is confident the message is a question for one of
the services (an intent a skill owns, e.g. "โดนปล้น แจ้งความที่ไหน") and nothing in it says
the danger is happening now. A safety rule must not depend on how well a model generalised
from a few hundred examples.

The other way round, a calm question the classifier took for an emergency (danger words
with "last month", "what number", "lawyer", a book title: ``Reading.calm``; or an idiom like
"ขำจะตาย": ``Reading.innocent``) gets the classifier's best other intent: "call 191 now" is wrong for "I need a lawyer".

Every ``emergency`` message also carries the number to call first as the entity
``emergency_hotline`` (over the danger phrase, or the whole text when the classifier alone
decided), which fills the slot of that name: the engine's own response
``utter_emergency_call`` (one variant per number, made by ``bot.tools.build`` from the data) then
says "โทร 1669 ทันที" without any action, so the hotline comes even with the action server down.

A message written in English that is not an emergency gets the intent ``english``: the
service answers in Thai only, so it says so in English with the emergency numbers
(``action_english``); an English emergency is answered in both languages by the emergency
rule and ``action_emergency``. Yes, no, thanks, goodbye and asking for a person keep their
intent: their answers work for anyone.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.kernel.emergency import (
    Reading,
    Triage,
    is_english,
    phrase_span,
    plea,
    read,
    service_may_answer,
)
from bot.kernel.registry import skill_for_intent

EMERGENCY = "emergency"
ENGLISH = "english"
HOTLINE_ENTITY = "emergency_hotline"
# Intents whose answer an English speaker needs as they are (a yes or no to the bot's
# question, thanks, a person, a shared location): an English message keeps them.
KEEP_IN_ENGLISH = frozenset({"affirm", "deny", "thanks", "goodbye", "human_handoff",
                             "share_location", "share_image", "set_reply_mode"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyOverride(GraphComponent):
    """Deterministic override of the intent for danger-now messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above this confidence a non-emergency prediction stands unless an urgency word is present.
        return {"confident": 0.7}

    def __init__(self, config: dict[str, Any]) -> None:
        self._confident = float(config["confident"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyOverride:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._apply(message)
        return messages

    def _apply(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or text.startswith("/"):
            return
        reading = read(text)
        predicted = (message.get(INTENT) or {}).get("name")
        if reading.triage is not None and not self._service_question(message, reading):
            self._set(message, EMERGENCY)
        elif reading.triage is None and predicted == EMERGENCY and (
                reading.calm or reading.innocent):
            self._demote(message)
        intent = (message.get(INTENT) or {}).get("name")
        english = is_english(text)
        if intent == EMERGENCY and english and reading.triage is None:
            # English the rules do not read as danger: the English answer, which gives every
            # emergency number anyway, is better than a Thai "call 191" guessed by the model.
            self._set(message, ENGLISH)
        elif intent == EMERGENCY:
            self._add_hotline(message, text, reading.triage or plea())
        elif intent not in KEEP_IN_ENGLISH and english:
            self._set(message, ENGLISH)

    def _service_question(self, message: Message, reading: Reading) -> bool:
        """The classifier is sure it is a question for a service, and nothing says "now".

        Only some kinds of danger may be left to a service (``service_may_answer`` in the
        data): a rider leaving the route, a collapse or thoughts of self-harm never are.
        """
        if reading.triage is not None and not service_may_answer(reading.triage):
            return False
        predicted = message.get(INTENT) or {}
        name, confidence = predicted.get("name"), predicted.get("confidence") or 0.0
        service_question = name is not None and skill_for_intent(name) is not None
        return service_question and confidence >= self._confident and not reading.urgent

    @staticmethod
    def _add_hotline(message: Message, text: str, found: Triage) -> None:
        start, end = phrase_span(text) or (0, len(text))
        entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != HOTLINE_ENTITY]
        entities.append({"entity": HOTLINE_ENTITY, "value": found.calls[0].hotline,
                         "start": start, "end": end, "extractor": "EmergencyOverride"})
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _set(message: Message, intent: str) -> None:
        # The rule decided: the other intents keep their order but no confidence, otherwise
        # the FallbackClassifier would call a close second "ambiguous" and not answer at all.
        ranking = [{"name": r.get("name"), "confidence": 0.0}
                   for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
        message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}] + ranking,
                    add_to_output=True)

    @staticmethod
    def _demote(message: Message) -> None:
        """A calm question taken for an emergency: the classifier's best other intent (or
        out of scope), with its own confidence, so the fallback threshold still applies."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
        best = ranking[0] if ranking else {"name": "out_of_scope", "confidence": 0.0}
        message.set(INTENT, dict(best), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking or [best], add_to_output=True)

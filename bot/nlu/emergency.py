"""Rasa component that makes sure a message about danger now is classified ``emergency``.

Runs after the statistical intent classifier and before the FallbackClassifier. When
``bot.emergency.triage`` finds a danger phrase it sets the intent to ``emergency`` with
full confidence, unless the classifier is confident the message is a question for one of
the services (an intent a skill owns, e.g. "โดนปล้นเมื่อวาน แจ้งความที่ไหน") and nothing
in it says the danger is happening now. A safety rule must not depend on how well a model
generalised from a few hundred examples.

Every ``emergency`` message also carries the number to call first as the entity
``emergency_hotline`` (over the danger phrase, or the whole text when the classifier alone
decided), which fills the slot of that name: the engine's own response
``utter_emergency_call`` (one variant per number, made by ``bot.build`` from the data) then
says "โทร 1669 ทันที" without any action, so the hotline comes even with the action server down.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.emergency import Triage, is_urgent, phrase_span, plea, triage
from bot.registry import skill_for_intent

EMERGENCY = "emergency"
HOTLINE_ENTITY = "emergency_hotline"


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
        found = triage(text)
        if found is not None and not self._service_question(message, text):
            self._override(message)
        if (message.get(INTENT) or {}).get("name") == EMERGENCY:
            self._add_hotline(message, text, found or plea())

    def _service_question(self, message: Message, text: str) -> bool:
        """The classifier is sure it is a question for a service, and nothing says "now"."""
        predicted = message.get(INTENT) or {}
        name, confidence = predicted.get("name"), predicted.get("confidence") or 0.0
        service_question = name is not None and skill_for_intent(name) is not None
        return service_question and confidence >= self._confident and not is_urgent(text)

    @staticmethod
    def _add_hotline(message: Message, text: str, found: Triage) -> None:
        start, end = phrase_span(text) or (0, len(text))
        entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != HOTLINE_ENTITY]
        entities.append({"entity": HOTLINE_ENTITY, "value": found.calls[0].hotline,
                         "start": start, "end": end, "extractor": "EmergencyOverride"})
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _override(message: Message) -> None:
        # The rule decided: the other intents keep their order but no confidence, otherwise
        # the FallbackClassifier would call a close second "ambiguous" and not answer at all.
        ranking = [{"name": r.get("name"), "confidence": 0.0}
                   for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
        message.set(INTENT, {"name": EMERGENCY, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": EMERGENCY, "confidence": 1.0}] + ranking,
                    add_to_output=True)

"""Rasa component that normalises Thai text before tokenization.

Thai digits become Arabic, zero-width characters go, emphatic repeats collapse
("ครับบบบ" → "ครับ"). Must come first in the pipeline. See ``bot.kernel.text.normalize``.

A message that starts with "/" is a payload the gateway offered (the REST channel lets no
other through) and is left as it is for Rasa's intent syntax. Normalising must never turn
other text into that syntax (a zero-width space before a slash), so it also disarms it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.kernel.text import normalize, typed


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ThaiNormalizer(GraphComponent):
    """Rewrites the message text in place; entity offsets then refer to the normalised text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ThaiNormalizer:
        return cls()

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        # Training examples with entity annotations keep their text: offsets were written for it.
        if isinstance(text, str) and not message.get("entities") and not text.startswith("/"):
            normal = normalize(text)
            message.set(TEXT, typed(normal) if normal.startswith("/") else normal)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages

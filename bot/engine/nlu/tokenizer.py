"""Rasa tokenizer for Thai that keeps gazetteer names and codes whole.

Configured in ``config.yml`` as ``bot.engine.nlu.tokenizer.ThaiTokenizer``; options:
``gazetteer_path`` (CSV of general names, default ``geodata/gazetteer.csv``). The names every
installed skill contributes (``skills/<id>/data/places.csv``: the police stations) are added
to it by ``bot.kernel.gazetteer.dictionary_words``; ``bot/tools/build.py`` hashes those files
too, so a changed name retrains the model.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.engine.nlu.segment import ThaiSegmenter
from bot.kernel.gazetteer import DEFAULT_PATH, dictionary_words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ThaiTokenizer(Tokenizer):
    """pythainlp ``newmm`` segmentation plus the gazetteer and skills' places, exact offsets."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "gazetteer_path": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["pythainlp"]

    @staticmethod
    def supported_languages() -> Optional[list[str]]:
        return ["th"]

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        path = config.get("gazetteer_path") or DEFAULT_PATH
        self._segmenter = ThaiSegmenter(dictionary_words(path))  # general + every skill's

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ThaiTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(word, start) for word, start in self._segmenter.segment(text)]
        if not tokens:
            # Rasa's featurizers expect at least one token per non-empty attribute.
            tokens = [Token(text, 0)]
        return self._apply_token_pattern(tokens)

"""Crises caught, calm look-alikes left alone, English recognised: the trained model's NLU.

Reads the held-out crisis lines (tests/engine/heldout/emergency.yml, each block naming the
number that must come first) and the calm look-alikes (tests/engine/crisis_lookalikes.yml),
neither ever trained on, and parses them through the full pipeline of the last trained model
(the statistical classifier, then the rules of bot.engine.nlu.emergency).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.data import get_data_files, is_nlu_file
from rasa.shared.nlu.training_data.loading import load_data

from bot.kernel.text import normalize
from tests.engine.conftest import REPORT

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def crisis_lines() -> list[tuple[str, str, str | None]]:
    """``(text, first hotline, another hotline that must follow or None)``."""
    data = yaml.safe_load((HERE / "heldout" / "emergency.yml").read_text(encoding="utf-8"))
    return [(line.strip()[2:], block["metadata"]["hotline"], block["metadata"].get("also"))
            for block in data["nlu"] for line in block["examples"].splitlines() if line.strip()]


def lookalikes() -> list[tuple[str, str]]:
    """``(why it looks alike, text)``."""
    data = yaml.safe_load((HERE / "crisis_lookalikes.yml").read_text(encoding="utf-8"))
    return [(kind, text) for kind, lines in data.items() for text in lines]


@pytest.fixture(scope="module")
def understand(agent, event_loop_session):
    """``understand(text) -> (intent, emergency hotline or None)`` from the trained model."""

    def _understand(text: str) -> tuple[str, str | None]:
        result = event_loop_session.run_until_complete(agent.parse_message(text))
        hotline = next((e["value"] for e in result["entities"]
                        if e["entity"] == "emergency_hotline"), None)
        return result["intent"]["name"], hotline

    return _understand


def test_the_sets_are_big_enough_and_never_trained_on():
    crises, calm = crisis_lines(), lookalikes()
    assert len(crises) >= 40 and len({h for _, h, _ in crises}) >= 5
    assert len(calm) >= 25 and len({k for k, _ in calm}) >= 6
    trained = set()
    for path in sorted(get_data_files([str(ROOT / "nlu_data")], is_nlu_file)):
        data = load_data(path)
        trained |= {normalize(ex.get("text")).lower() for ex in data.intent_examples}
    shared = [t for t in [c[0] for c in crises] + [t for _, t in calm]
              if normalize(t).lower() in trained]
    assert not shared, f"held-out lines found in nlu_data: {shared}"


def test_every_crisis_gets_emergency_and_the_right_number_first(understand):
    wrong = []
    for text, first, _ in crisis_lines():
        intent, hotline = understand(text)
        if (intent, hotline) != ("emergency", first):
            wrong.append(f"  want emergency {first}, got {intent} {hotline}: {text}")
    REPORT.append(f"crisis lines: {len(crisis_lines()) - len(wrong)}/{len(crisis_lines())} "
                  "emergency with the right first number")
    REPORT.extend(wrong)
    assert not wrong, "\n".join(wrong)


def test_self_harm_with_physical_danger_gets_the_ambulance_and_the_mental_health_line():
    from bot.kernel.emergency import triage

    acts = [(t, first, also) for t, first, also in crisis_lines() if also]
    assert acts
    for text, first, also in acts:
        numbers = [c.hotline for c in triage(text).calls]
        assert numbers[0] == first and also in numbers, (text, numbers)


def test_no_calm_lookalike_is_taken_for_an_emergency(understand):
    alarms = [f"  {kind}: {text}" for kind, text in lookalikes()
              if understand(text)[0] == "emergency"]
    REPORT.append(f"calm look-alikes taken for an emergency: {len(alarms)}/{len(lookalikes())}")
    REPORT.extend(alarms)
    assert not alarms, "\n".join(alarms)


@pytest.mark.parametrize("text", [
    "hello, is anyone there?",
    "how do I get to the police station in Silom",
    "can I pay my sign tax here",
    "what is this service",
])
def test_english_that_is_not_an_emergency_gets_the_english_answer(understand, text):
    assert understand(text)[0] == "english"


@pytest.mark.parametrize("text, first", [
    ("help!", "191"),
    ("a man with a knife is following me", "191"),
    ("my husband is hitting me right now", "191"),
    ("there is smoke everywhere in the hallway", "199"),
    ("my dad collapsed, he can't breathe", "1669"),
])
def test_english_danger_is_an_emergency(understand, text, first):
    assert understand(text) == ("emergency", first)


@pytest.mark.parametrize("text", [
    "ป้าย SALE 50% กว้าง 1 เมตร",  # Thai with a few Latin letters stays Thai
    "ขอเบอร์ สน. ทองหล่อ หน่อย ok ไหม",
    "yes",  # an answer to the bot's question keeps its meaning
])
def test_thai_and_short_answers_are_not_taken_for_english(understand, text):
    assert understand(text)[0] != "english"

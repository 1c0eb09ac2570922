"""Engine-runtime test fixtures: one segmenter and one loaded agent per session."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # rasa adds the working directory; pytest must do it itself
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    """Print the NLU scores collected by the tests, whatever the verbosity."""
    if REPORT:
        terminalreporter.section("NLU evaluation on the held-out set (tests/engine/heldout)")
        for line in REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def segmenter():
    from bot.engine.nlu.segment import ThaiSegmenter
    from bot.kernel.gazetteer import dictionary_words

    return ThaiSegmenter(dictionary_words())


@pytest.fixture(scope="session")
def build_info() -> dict:
    path = ROOT / "var" / "build" / "config.json"
    if not path.exists():
        pytest.fail("no model build found: run `make train` first")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def event_loop_session():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(build_info, event_loop_session):
    """The trained model, loaded once for the whole session."""
    from rasa.core.agent import Agent

    return Agent.load(build_info["model"])


@pytest.fixture(scope="session")
def parse(agent, event_loop_session):
    """``parse(text) -> (intent, confidence)`` through the full NLU pipeline."""

    def _parse(text: str) -> tuple[str, float]:
        result = event_loop_session.run_until_complete(agent.parse_message(text))
        return result["intent"]["name"], result["intent"]["confidence"]

    return _parse

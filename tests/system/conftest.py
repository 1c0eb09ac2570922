"""System tests: the real product (action server, Rasa engine, web app) on loopback.

One stack per test session, started exactly as the run command starts it, with its own
ports and a temporary var/ directory. The model is the one ``make train`` built.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.stack import Stack, free_port  # noqa: E402


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    info = ROOT / "var" / "build" / "config.json"
    if not info.exists():
        pytest.fail("no model build found: run `make train` first")
    var = tmp_path_factory.mktemp("var")
    s = Stack(model=Path(json.loads(info.read_text())["model"]), var_dir=var,
              app_port=free_port(), engine_port=free_port(), action_port=free_port(),
              log_dir=var / "logs", env={"DATABASE_URL": f"sqlite:///{var / 'app.db'}"})
    try:
        s.start()
    except Exception:
        for log in sorted((var / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        s.stop()
        raise
    yield s
    s.stop()


class Chat:
    """A web chat user: one conversation, talking through the app's public API."""

    def __init__(self, stack: Stack) -> None:
        self.url = f"http://127.0.0.1:{stack.app_port}/api/chat"
        self.sender = uuid.uuid4().hex

    def post(self, **body) -> requests.Response:
        return requests.post(self.url, json={"sender": self.sender, **body}, timeout=30)

    def say(self, text: str) -> list[dict]:
        resp = self.post(text=text)
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"]

    def share_location(self, lat: float, lon: float) -> list[dict]:
        resp = self.post(location={"latitude": lat, "longitude": lon})
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack)


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)

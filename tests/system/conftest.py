"""System tests: the real product (action server, Rasa engine, web app) on loopback.

Every stack a test starts is started exactly as the run command starts it, with its own
ports, its own temporary var/ directory (app database with the photos, tracker database, secret key)
and its own random engine and action tokens: nothing is inherited from the caller's
environment (``make`` exports a fixed ``ACTION_TOKEN`` and a shared ``TRACKER_DB``), so no
state or secret carries over between runs or between stacks.

A test fails when its stack logged an error (a line at ERROR or CRITICAL level, or a Python
traceback, in any of the stack's log files) while it ran, or when a reply it read contained
the internal-error apology. A test that causes errors on purpose declares the log lines it
expects with the ``expect_log`` fixture; one that expects an apology says so
(``Chat.say(..., expect_apology=True)``). Every reply the web chat user reads must fit a
phone screen (``bot.kernel.text.BUBBLE_MAX`` visible characters). The model is the one
``make train`` built.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.app.channels.texts import TEXTS  # noqa: E402
from bot.kernel.text import BUBBLE_MAX, visible_length  # noqa: E402
from bot.tools.stack import Stack, free_port  # noqa: E402
from tests import servers  # noqa: E402

# Settings that switch features on or point at outside services: a test stack gets them only
# when the test passes them, never from the environment of whoever runs the tests.
NOT_INHERITED = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "MESSENGER_APP_SECRET",
                 "MESSENGER_PAGE_TOKEN", "MESSENGER_VERIFY_TOKEN", "PROMPTPAY_BILLER_ID",
                 "PAYMENT_CALLBACK_SECRET", "PUBLIC_BASE_URL", "SECRET_KEY")


# --- the apology a citizen gets when something inside failed ----------------------------------

def _apologies() -> tuple[str, ...]:
    """The texts that mean "something failed inside": the engine's internal-error responses
    and the gateway's outage text, read from where the product keeps them."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    found = [variant["text"] for name in ("utter_internal_error", "utter_handoff_unavailable")
             for variant in responses.get(name, [])]
    found += [TEXTS[key] for key in ("engine_down", "outage", "engine_outage") if key in TEXTS]
    assert found, "the internal-error apology was not found in domain.yml nor texts.py"
    return tuple(found)


APOLOGIES = _apologies()
# What the engine says in place of an action it could not run (bot/engine/outage.py).
INTERNAL_ERROR = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))[
    "responses"]["utter_internal_error"][0]["text"]


def apology_in(texts_: Iterable[str]) -> str | None:
    """The first text that carries an internal-error apology, or None."""
    return next((t for t in texts_ if any(a in t for a in APOLOGIES)), None)


def assert_no_apology(texts_: Iterable[str]) -> None:
    """Fail when any reply is the internal-error apology (an action crashed, the engine or
    the action server failed): an answer a test reads must be the real one."""
    found = apology_in(texts_)
    assert found is None, f"the stack answered with its internal-error apology: {found!r}"


def assert_bubbles_fit(texts_: Iterable[str]) -> None:
    """Every reply fits a phone screen: at most ``BUBBLE_MAX`` visible characters."""
    for t in texts_:
        assert visible_length(t) <= BUBBLE_MAX, (
            f"a reply of {visible_length(t)} visible characters (limit {BUBBLE_MAX}): {t!r}")


# --- errors in the stack's logs ---------------------------------------------------------------

LEVEL = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b")
TRACEBACK = "Traceback (most recent call last):"


@dataclass
class Problem:
    """An error line, or a whole traceback, in one of the stack's log files."""

    where: str  # "web.log:12"
    text: str

    def __str__(self) -> str:
        lines = self.text.splitlines()
        shown = lines if len(lines) <= 12 else [*lines[:3], "  …", *lines[-8:]]
        return f"{self.where}: " + "\n    ".join(shown)


@dataclass
class StackLogs:
    """Reads what a stack's processes logged since the last look."""

    log_dir: Path
    offsets: dict[str, int] = field(default_factory=dict)
    lines_seen: dict[str, int] = field(default_factory=dict)

    def new_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        for path in sorted(self.log_dir.glob("*.log")):
            with open(path, "rb") as f:
                f.seek(self.offsets.get(path.name, 0))
                chunk = f.read()
            end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
            self.offsets[path.name] = self.offsets.get(path.name, 0) + end
            first = self.lines_seen.get(path.name, 0) + 1
            lines = chunk[:end].decode("utf-8", errors="replace").splitlines()
            self.lines_seen[path.name] = first - 1 + len(lines)
            problems += _problems(path.name, first, lines)
        return problems


def _problems(name: str, first: int, lines: list[str]) -> list[Problem]:
    found, i = [], 0
    while i < len(lines):
        line = lines[i]
        if TRACEBACK in line:
            start = i
            i += 1
            # the frames are indented; the exception line that ends the traceback is not
            while i < len(lines) and (lines[i].startswith((" ", "\t")) or not lines[i].strip()):
                i += 1
            block = lines[start:i + 1]
            found.append(Problem(f"{name}:{first + start}", "\n".join(block)))
        elif LEVEL.search(line):
            found.append(Problem(f"{name}:{first + i}", line))
        i += 1
    return found


_WATCHED: list[StackLogs] = []


class LogExpectations:
    """Log lines the running test causes on purpose (regular expressions)."""

    def __init__(self) -> None:
        self.patterns: list[re.Pattern] = []

    def __call__(self, pattern: str) -> None:
        """Allow error lines (or tracebacks) matching ``pattern`` during this test."""
        self.patterns.append(re.compile(pattern))

    def unexpected(self, problems: list[Problem]) -> list[Problem]:
        return [p for p in problems if not any(r.search(p.text) for r in self.patterns)]


def _fail_on(problems: list[Problem], when: str) -> None:
    if problems:
        pytest.fail(f"the stack logged {len(problems)} error(s) {when}:\n"
                    + "\n".join(f"  {p}" for p in problems), pytrace=False)


@pytest.fixture(autouse=True)
def _stack_logs_clean() -> Iterator[LogExpectations]:
    """After each test: no error was logged by any running stack while it ran."""
    expected = LogExpectations()
    for logs in _WATCHED:  # what came before this test is the previous test's business
        _fail_on(logs.new_problems(), "before this test (left by an earlier one)")
    yield expected
    problems = [p for logs in list(_WATCHED) for p in logs.new_problems()]
    _fail_on(expected.unexpected(problems), "during this test")


@pytest.fixture
def expect_log(_stack_logs_clean) -> LogExpectations:
    """``expect_log(r"regex")``: this test causes error lines matching it on purpose."""
    return _stack_logs_clean


# --- starting stacks --------------------------------------------------------------------------

def model_path(root: Path = ROOT) -> Path:
    info = root / "var" / "build" / "config.json"
    if not info.exists():
        pytest.fail("no model build found: run `make train` first")
    return Path(json.loads(info.read_text())["model"])


@contextlib.contextmanager
def running_stack(tmp_path_factory, name: str = "var", env: dict[str, str] | None = None,
                  root: Path = ROOT, **options) -> Iterator[Stack]:
    """A started stack with its own state and tokens; stopped afterwards. Its logs are
    watched: errors fail the test that was running (or the start, or the stop). ``root``: the
    checkout it runs (its code and its trained model), this one unless a test made another.
    ``options``: more of ``Stack``'s (more engines, more web apps, a load balancer)."""
    var = tmp_path_factory.mktemp(name)
    own = {
        **{key: "" for key in NOT_INHERITED},
        "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_DB": str(var / "tracker.db"),
        "ENGINE_TOKEN": secrets.token_urlsafe(24),
        "ACTION_TOKEN": secrets.token_urlsafe(24),
        "DEMO_DATA": "1",
        # every test request comes from 127.0.0.1: the per-address chat limit would bite
        "CHAT_RATE_PER_MINUTE": "100000",
        **(env or {}),
    }
    stack = Stack(model=model_path(root), var_dir=var, app_port=free_port(),
                  engine_port=free_port(), action_port=free_port(), log_dir=var / "logs",
                  env=own, root=root, **options)
    logs = StackLogs(var / "logs")
    try:
        stack.start()
    except Exception:
        for log in sorted((var / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        stack.stop()
        raise
    try:
        _fail_on(logs.new_problems(), "while starting")
        _WATCHED.append(logs)
        yield stack
    finally:
        if logs in _WATCHED:
            _WATCHED.remove(logs)
        stack.stop()
    _fail_on(logs.new_problems(), "after the last test, or while stopping")


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory) as s:
        yield s


@pytest.fixture(scope="session")
def platforms(tmp_path_factory) -> Iterator[dict]:
    """A fake LINE platform, a fake Graph API and a stack whose gateways talk to them."""
    from bot.app.channels.testing import FakeGraph, FakeLine
    from tests.system import platforms as p

    line, graph = FakeLine(p.LINE_TOKEN).start(), FakeGraph(p.FB_TOKEN).start()
    try:
        with running_stack(tmp_path_factory, "channels-var", env={
                "LINE_CHANNEL_SECRET": p.LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": p.LINE_TOKEN,
                "LINE_API_BASE": line.url, "MESSENGER_APP_SECRET": p.FB_SECRET,
                "MESSENGER_PAGE_TOKEN": p.FB_TOKEN, "MESSENGER_VERIFY_TOKEN": p.FB_VERIFY,
                "GRAPH_API_BASE": graph.api_base}) as stack:
            yield {"stack": stack, "line": line, "graph": graph, "var": stack.var_dir,
                   "database": stack.env["DATABASE_URL"]}
    finally:
        line.stop()
        graph.stop()


class Chat:
    """A web chat user: one conversation, talking through the app's public API."""

    def __init__(self, stack: Stack) -> None:
        self.url = f"http://127.0.0.1:{stack.front_port}/api/chat"
        self.sender = uuid.uuid4().hex

    def post(self, **body) -> requests.Response:
        return requests.post(self.url, json={"sender": self.sender, **body}, timeout=30)

    def _messages(self, resp: requests.Response, expect_apology: bool) -> list[dict]:
        assert resp.status_code == 200, resp.text
        messages = resp.json()["messages"]
        if not expect_apology:
            assert_no_apology(m["text"] for m in messages)
        assert_bubbles_fit(m["text"] for m in messages)
        return messages

    def say(self, text: str, expect_apology: bool = False) -> list[dict]:
        """Send ``text``; the answer must not be the internal-error apology unless expected."""
        return self._messages(self.post(text=text), expect_apology)

    def share_location(self, lat: float, lon: float, expect_apology: bool = False) -> list[dict]:
        return self._messages(self.post(location={"latitude": lat, "longitude": lon}),
                              expect_apology)


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack)


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


@pytest.fixture(scope="module")
def shared_stores():
    """What several hosts (or processes) of one deployment share: the app database and the
    tracker store on PostgreSQL, Rasa's lock store on Redis, the secrets. The machine's own
    servers when they answer, else our own (``tests/servers.py``); this module's own
    databases and lock keys."""
    try:
        with servers.postgres_admin() as admin, \
                servers.postgres_database(admin, "bot_app_") as app_db, \
                servers.postgres_database(admin, "bot_tracker_") as tracker_db, \
                servers.redis_server() as (redis_host, redis_port):
            yield {"app_db": app_db, "tracker_db": tracker_db, "env": {
                "DATABASE_URL": app_db["app"], "TRACKER_URL": tracker_db["engine"],
                "LOCK_STORE": "redis", "REDIS_HOST": redis_host,
                "REDIS_PORT": str(redis_port),
                # the lock keys of this run only (alphanumeric, as Rasa requires)
                "LOCK_KEY_PREFIX": "shared" + secrets.token_hex(4),
                # one deployment: one secret key, one engine token, one action token
                "SECRET_KEY": secrets.token_urlsafe(32),
                "ENGINE_TOKEN": secrets.token_urlsafe(24),
                "ACTION_TOKEN": secrets.token_urlsafe(24)}}
    except servers.Unavailable as why:
        pytest.skip(f"PostgreSQL and Redis are needed: {why}")


def tracker_user_messages(url: str) -> list[tuple[str, str]]:
    """(conversation, text) of every user message in a tracker database, in stored order."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sender_id, data FROM events "
                                        "WHERE type_name = 'user' ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(sender, json.loads(data)["text"]) for sender, data in rows]

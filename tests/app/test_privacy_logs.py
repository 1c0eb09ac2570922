"""Personal data and secrets never reach the logs in clear; tracker retention; private files.

The web app and the action server are started as real processes (``python -m bot.app.web``,
``python -m bot.app.action_server``) with one extra route each that logs a line, warns and raises
with a phone number, a national ID and the engine token in the text; the captured console must
show them masked only.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.app import retention
from bot.kernel import privacy
from bot.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PHONE, CITIZEN_ID = "081-234-5678", "1101700203451"
TOKEN = "engine-token-Zq81xKp3mW"
CLEAR = [PHONE, "0812345678", CITIZEN_ID, TOKEN]
MASKED = ["08X-XXX-X678", "1-XXXX-XXXXX-45-1", "[secret]"]


@pytest.mark.parametrize(("text", "expected"), [
    ("โทร ๐๘๑-๒๓๔-๕๖๗๘", "โทร 08X-XXX-X678"),
    ("บัตร ๑๑๐๑๗๐๐๒๐๓๔๕๑", "บัตร 1-XXXX-XXXXX-45-1"),
    ("081.234.5678", "08X-XXX-X678"),
    ("02.123.4567", "02X-XXX-X567"),
    ("02 123 4567", "02X-XXX-X567"),
    ("66812345678", "08X-XXX-X678"),
    ("66 81 234 5678", "08X-XXX-X678"),
    ("+66 81 234 5678", "08X-XXX-X678"),
    ("+66 (0)81 234 5678", "08X-XXX-X678"),
    ("โทร0812345678ด่วน", "โทร08X-XXX-X678ด่วน"),
    ("1.1017.00203.45.1", "1-XXXX-XXXXX-45-1"),
    ("1 1017 00203 45 1", "1-XXXX-XXXXX-45-1"),
    ("1-1017-00203-45-1", "1-XXXX-XXXXX-45-1"),
])
def test_mask_catches_thai_digits_dots_spaces_and_66(text, expected):
    assert privacy.mask(text) == expected


@pytest.mark.parametrize("text", [
    "ค่าธรรมเนียม 1,500 บาท", "1500.00 บาท", "วันที่ 2567-01-15", "15/01/2567", "ป้าย 120x240 ซม.",
    "วินรหัส 2998-5002", "29985002", "เรื่อง MT-2567-000123", "เรื่อง MT-000123", "H-000042",
    "บิล ST66100000123", "ใบเสร็จ RS6600001234", "โทร 191 หรือ 1669", "สายด่วน 1-800-123-456",
    "13.756331, 100.501765", "13.0812345", "เลขที่ 0000000123", "เวลา 10.30 น.",
])
def test_mask_keeps_ordinary_figures(text):
    assert privacy.mask(text) == text


def test_formatter_masks_message_args_traceback_stack_and_secrets():
    formatter = privacy.MaskingFormatter(secrets=[TOKEN])
    try:
        raise ValueError(f"handoff {PHONE} {CITIZEN_ID} token={TOKEN}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "saving %s %s with %s",
                               (PHONE, CITIZEN_ID, TOKEN), exc_info)
    record.stack_info = f"Stack (most recent call last):\n  handoff({CITIZEN_ID!r}, {TOKEN!r})"
    out = formatter.format(record)
    assert "Traceback" in out and "ValueError: handoff 08X-XXX-X678 1-XXXX-XXXXX-45-1" in out
    assert out.count("[secret]") == 3
    for clear in CLEAR:
        assert clear not in out


def test_formatter_masks_secret_environment_values_of_eight_characters_or_more():
    env = {"ACTION_TOKEN": "staff-secret-1", "LINE_CHANNEL_SECRET": "short", "OTHER": "visible-value"}
    formatter = privacy.MaskingFormatter(secrets=privacy.secret_values(env))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s %s",
                               ("staff-secret-1", "short", "visible-value"), None)
    assert formatter.format(record).endswith("x: [secret] short visible-value")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in privacy.SECRET_VARIABLES and k not in ("LOG_LEVEL", "PYTHONWARNINGS")}
    env.update(VAR_DIR=str(tmp_path / "var"), ENGINE_TOKEN=TOKEN, PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'app.db'}", **extra)
    return env


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _run_until_served(cmd: list[str], env: dict[str, str], health: str, boom: str) -> str:
    """Start a process, wait until it answers ``health``, call ``boom``, stop it, return output."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(240):
            if proc.poll() is not None:
                break
            try:
                if _get(health) == 200:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        assert proc.poll() is None, proc.communicate()[0]
        assert _get(boom) == 500
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    return out


def _assert_masked(out: str) -> None:
    assert "Traceback (most recent call last)" in out, out
    for masked in MASKED:
        assert masked in out, out
    for clear in CLEAR:
        assert clear not in out, out
    assert "somelib is deprecated" not in out, out  # library deprecation warnings are hidden


# Each harness runs the real entry point with one added route: it logs, warns and raises.
BOOM = f"""
import logging, warnings
def boom_text():
    return "handoff phone {PHONE} id {CITIZEN_ID} token {TOKEN}"
def emit(name):
    logging.getLogger(name).info("saving %s", boom_text())
    warnings.warn("citizen said: " + boom_text())
    warnings.warn_explicit("somelib is deprecated", DeprecationWarning, "somelib.py", 1,
                           module="somelib")
    try:
        raise KeyError(boom_text())
    except KeyError:
        logging.getLogger(name).exception("handoff not saved")
    raise ValueError(boom_text())
"""

WEB_HARNESS = BOOM + """
import runpy
import bot.app.web.app as app_module
real_create_app = app_module.create_app
def create_app(settings):
    app = real_create_app(settings)
    async def boom(request):
        emit("bot.app.web.test")
    app.router.add_get("/test-boom", boom)
    return app
app_module.create_app = create_app
runpy.run_module("bot.app.web", run_name="__main__", alter_sys=True)
"""

ACTIONS_HARNESS = BOOM + """
import sys
import bot.app.action_server as server
real_create_app = server.create_app
def create_app(settings):
    app = real_create_app(settings)
    @app.get("/test-boom")
    async def boom(request):
        emit("rasa_sdk.test")
    return app
server.create_app = create_app
sys.exit(server.main())
"""


def test_web_app_logs_are_masked_and_its_files_private(tmp_path):
    port = _free_port()
    env = _env(tmp_path, APP_PORT=str(port), ENGINE_URL=f"http://127.0.0.1:{_free_port()}")
    out = _run_until_served([sys.executable, "-c", WEB_HARNESS], env,
                            f"http://127.0.0.1:{port}/healthz",
                            f"http://127.0.0.1:{port}/test-boom")
    _assert_masked(out)
    var = tmp_path / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "app.db").stat().st_mode) == 0o600


def test_action_server_logs_are_masked(tmp_path):
    port = _free_port()
    action_token = "action-token-Lm42pQ"
    env = _env(tmp_path, ACTION_PORT=str(port), ACTION_TOKEN=action_token)
    out = _run_until_served([sys.executable, "-c", ACTIONS_HARNESS], env,
                            f"http://127.0.0.1:{port}/health",
                            f"http://127.0.0.1:{port}/test-boom?token={action_token}")
    _assert_masked(out)
    assert action_token not in out
    # Sanic's own loggers go through the one masking handler: each line once, our format.
    assert out.count("Starting worker") == 1
    assert "INFO sanic.server: Starting worker" in out


# --- tracker retention -------------------------------------------------------------------

DAY = 86400.0
NOW = 1_767_225_600.0  # 2026-01-01 00:00 UTC, fixed: the test never reads the clock

RASA_EVENTS = """CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),
    action_name VARCHAR(255), data TEXT)"""


def _tracker(path: Path, ages_in_days: dict[str, float]) -> None:
    with sqlite3.connect(path) as db:
        db.execute(RASA_EVENTS)
        db.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
            " data) VALUES (?, 'user', ?, 'greet', NULL, ?)",
            [(sender, NOW - age * DAY, f'{{"text": "{sender}"}}')
             for sender, age in ages_in_days.items()])
    db.close()


def _senders(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        rows = {r[0] for r in db.execute("SELECT sender_id FROM events")}
    db.close()
    return rows


def test_retention_deletes_only_events_older_than_the_limit(tmp_path, caplog):
    path = tmp_path / "tracker.db"
    _tracker(path, {"web:old-1": 45, "web:old-2": 30.5, "web:edge": 29.9, "web:new": 1})
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 32,
                                  "TRACKER_DB": str(path), "TRACKER_RETENTION_DAYS": "30"})
    with caplog.at_level(logging.INFO, logger="bot.app.retention"):
        assert retention.purge_configured(settings, now=NOW) == 2
    assert _senders(path) == {"web:edge", "web:new"}
    assert "deleted 2 conversation events older than 30 days" in caplog.text


def test_retention_zero_days_keeps_everything(tmp_path):
    path = tmp_path / "tracker.db"
    _tracker(path, {"web:old": 400})
    assert retention.purge_events(f"sqlite:///{path}", 0, now=NOW) == 0
    assert _senders(path) == {"web:old"}


def test_retention_without_tracker_database_does_nothing_and_creates_nothing(tmp_path):
    path = tmp_path / "tracker.db"
    assert retention.purge_events(f"sqlite:///{path}", 30, now=NOW) == 0
    assert not path.exists()
    sqlite3.connect(tmp_path / "empty.db").close()  # the engine has not made its table yet
    assert retention.purge_events(f"sqlite:///{tmp_path / 'empty.db'}", 30, now=NOW) == 0


def test_retention_on_a_locked_tracker_tries_later(tmp_path):
    path = tmp_path / "tracker.db"
    _tracker(path, {"web:old": 45, "web:new": 1})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert retention.purge_events(f"sqlite:///{path}", 30, now=NOW, busy_timeout=0.1) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert retention.purge_events(f"sqlite:///{path}", 30, now=NOW) == 1
    assert _senders(path) == {"web:new"}


def test_relative_tracker_db_is_the_engines_file_under_the_project():
    settings = Settings.from_env({"VAR_DIR": "var", "SECRET_KEY": "k" * 32,
                                  "TRACKER_DB": "var/tracker.db"})
    assert retention.tracker_url(settings) == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"


def test_privacy_doctest_examples_hold():
    import doctest

    assert doctest.testmod(privacy).failed == 0


@pytest.mark.asyncio
async def test_web_app_housekeeping_purges_the_tracker(tmp_path, caplog):
    import asyncio

    from bot.app.channels.gateway import Parts
    from bot.app.retention import Housekeeping
    from bot.kernel import db

    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as conn:
        conn.execute(RASA_EVENTS)
        conn.executemany(  # 1970 and 2100: old and new whatever today is
            "INSERT INTO events (sender_id, type_name, timestamp) VALUES (?, 'user', ?)",
            [("web:1970", 0.0), ("web:2100", 4_102_444_800.0)])
    conn.close()
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 32,
                                  "TRACKER_DB": str(path), "TRACKER_RETENTION_DAYS": "30",
                                  "DATABASE_URL": url})
    task = asyncio.create_task(Housekeeping([Parts.over(url).dedupe.forget_old], settings).run())
    try:
        with caplog.at_level(logging.INFO, logger="bot.app.retention"):
            for _ in range(1200):  # up to a minute on a busy machine
                if _senders(path) == {"web:2100"}:
                    break
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert _senders(path) == {"web:2100"}
    assert "deleted 1 conversation events older than 30 days" in caplog.text


def test_formatter_drops_colours_and_disarms_terminal_escapes():
    formatter = privacy.MaskingFormatter(fmt="%(message)s", secrets=[])
    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "\x1b[93mwarning\x1b[0m user typed \x1b]0;title\x07", None, None)
    assert formatter.format(record) == "warning user typed \\x1b]0;title\x07"

"""The engine's console (``python -m bot.engine.serve``) shows no personal data or token in clear.

The real entry point is started with the trained model, plus one extra route that logs through
Rasa's, TensorFlow's, structlog's and the root loggers, warns and raises (Sanic's error path) with a
phone number, a national ID and the engine token in the text. A payload message that Rasa
cannot parse takes Rasa's own warning path, which quotes the message. The captured output must
show all of them masked, and no library deprecation warnings.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.kernel import privacy
from bot.tools.stack import ENDPOINT_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
PHONE, CITIZEN_ID = "081-234-5678", "1101700203451"
TOKEN = "engine-token-Zq81xKp3mW"
CLEAR = [PHONE, "0812345678", CITIZEN_ID, TOKEN]

HARNESS = """
import logging, os, sys, warnings

def boom_text():  # from the environment: the command line must not hold the token
    return os.environ["TEST_BOOM_TEXT"]

async def boom(request):
    import structlog
    logging.getLogger("rasa.core.processor").warning("saving %s", boom_text())
    logging.getLogger("tensorflow").error("tensor says %s", boom_text())
    logging.getLogger().info("root says %s", boom_text())  # after the model load
    structlog.get_logger().error("test.boom", user_text=boom_text())
    warnings.warn("citizen said: " + boom_text())
    try:
        raise KeyError(boom_text())
    except KeyError:
        logging.getLogger("rasa.core.processor").exception("handoff not saved")
    raise ValueError(boom_text())

# Nothing of Rasa is imported before the entry point's own set-up; the route is added after it.
from bot.engine import serve
real_configure_logging = serve.configure_logging
def configure_logging(level):
    real_configure_logging(level)
    import rasa.core.run
    real_configure_app = rasa.core.run.configure_app
    def configure_app(*args, **kwargs):
        app = real_configure_app(*args, **kwargs)
        app.add_route(boom, "/test-boom")
        return app
    rasa.core.run.configure_app = configure_app
serve.configure_logging = configure_logging
sys.exit(serve.main())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None) -> int:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in privacy.SECRET_VARIABLES and k not in ("LOG_LEVEL", "PYTHONWARNINGS")}
    env.update(ENDPOINT_DEFAULTS)
    env.update(ENGINE_TOKEN=TOKEN, ACTION_TOKEN="action-token-Lm42pQ",
               ACTION_PORT=str(_free_port()), TRACKER_DIALECT="sqlite",
               TRACKER_DB=str(tmp_path / "tracker.db"), PYTHONUNBUFFERED="1",
               TEST_BOOM_TEXT=f"handoff phone {PHONE} id {CITIZEN_ID} token {TOKEN}")
    return env


def test_engine_refuses_to_start_without_token(tmp_path):
    env = _env(tmp_path)
    del env["ENGINE_TOKEN"]
    done = subprocess.run([sys.executable, "-m", "bot.engine.serve", "--model", "none.tar.gz"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ENGINE_TOKEN must be set" in done.stderr


def test_engine_logs_are_masked_and_quiet(build_info, tmp_path):
    port = _free_port()
    cmd = [sys.executable, "-c", HARNESS, "--model", build_info["model"],
           "--interface", "127.0.0.1", "--port", str(port),
           "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                break
            try:
                if _request(f"{base}/status?token={TOKEN}") == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()[0]
        # The token is not on the command line (what `ps` shows).
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert TOKEN not in cmdline
        # Rasa's warning path: an offered payload whose entities are not JSON is quoted.
        assert _request(f"{base}/webhooks/rest/webhook", {
            "sender": "test-logs", "metadata": {"choice": True},
            "message": f"/greet{{phone {PHONE} id {CITIZEN_ID} {TOKEN}}}"}) == 200
        assert _request(f"{base}/test-boom") == 500
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=90)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    assert "Failed to parse arguments in line '/greet{phone 08X-XXX-X678 id 1-XXXX-XXXXX-45-1 [secret]}'" in out, out
    assert "Traceback (most recent call last)" in out, out
    for logger in ("rasa.core.processor", "tensorflow", "sanic.error"):
        assert f" {logger}: " in out, out
    assert out.count("ValueError: handoff phone 08X-XXX-X678 id 1-XXXX-XXXXX-45-1 token [secret]") == 1, out
    assert "test.boom" in out and "08X-XXX-X678" in out.split("test.boom", 1)[1], out
    for clear in CLEAR:
        assert clear not in out, out
    assert "DeprecationWarning" not in out, out
    assert "INFO root: Starting Rasa server" in out
    # Root-logger lines after the model load are formatted and masked too, at INFO.
    assert out.count("Rasa server is up and running.") == 1
    assert "INFO root: Rasa server is up and running." in out
    assert "INFO root: root says handoff phone 08X-XXX-X678" in out
